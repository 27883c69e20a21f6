#include "pipeline/memory_estimate.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "pipeline/tiling.hpp"
#include "tensor/error.hpp"

namespace upsample::pipeline {

std::uint64_t estimated_peak_bytes(const io::ImageHeader& input, int scale, MethodKind kind,
                                   const std::string& output_extension) {
  const double in = static_cast<double>(input.decoded_bytes());
  const double out = in * scale * scale;
  // Made band by band and written as it is compressed: the decoded input and the file
  // read (held while it is decoded); the threads' working memory; four bands of 64
  // result rows (one being made, two queued, one compressed) and the rows in double they
  // are made from.
  const bool png_in_rows = output_extension == "png" && input.channels != 4 && input.height > 0;
  if (kind == MethodKind::classical_in_rows && png_in_rows) {
    const double in_row = in / input.height;
    const double bands = 4.0 * 64 * in_row * scale + 2.0 * 64 * in_row * 8 / input.bytes_per_sample;
    return static_cast<std::uint64_t>(64e6 + 2.0 * in + 64e6 + bands);
  }
  // A learned method in rows, beside the decoded input and its file: first the damage read
  // off the whole image (a few float planes of it), given back before the bands are made;
  // then the network's tiles, one row of tiles' result (kMostRowsTileOutput rows at most;
  // the last row's bands drain to the compressor while its first tiles are made), and one
  // tile's result in float on its way there (BGR, Y, Cb, Cr: about four copies of 4-byte
  // values).
  if (kind == MethodKind::learned_in_rows && png_in_rows) {
    const double pixels = static_cast<double>(input.width) * input.height;
    const double reading = 7.0 * 4 * pixels;
    const double out_rows = static_cast<double>(input.height) * scale;
    const double row_of_tiles = std::min(out_rows, double{kMostRowsTileOutput}) * out / out_rows;
    const double tile_pixels = std::min(pixels * scale * scale, double{kMostRowsTileOutput} * kMostRowsTileOutput);
    const double banding = 64e6 + row_of_tiles + 4.0 * tile_pixels * input.channels * 4;
    return static_cast<std::uint64_t>(64e6 + 2.0 * in + std::max(reading, banding));
  }
  // Held at once: the process itself; the decoded input and one converted copy; the
  // result and its encoded file, counted as half of it (upscaled pixels compress; the
  // encoder writes into one buffer reserved up front, so it is never copied as it grows).
  // With alpha, the colour's result is held beside the whole result while the two are put
  // together. A learned method adds the tiles its threads work on.
  const double process = 64e6;
  const double tiles = kind == MethodKind::learned || kind == MethodKind::learned_in_rows ? 64e6 : 0.0;
  const double colour_beside_result = input.channels == 4 ? 0.75 * out : 0.0;
  return static_cast<std::uint64_t>(process + tiles + 2.0 * in + 1.5 * out + colour_beside_result);
}

std::uint64_t estimated_peak_bytes(const io::ImageHeader& input, int output_width, int output_height,
                                   int working_scale, MethodKind kind) {
  const double in = static_cast<double>(input.decoded_bytes());
  const double pixels = static_cast<double>(input.width) * static_cast<double>(input.height);
  const double out_pixels = static_cast<double>(output_width) * static_cast<double>(output_height);
  const double out = pixels > 0 ? in * out_pixels / pixels : 0.0;
  const double process = 64e6;
  // The method sees the colour alone; with alpha its result is held beside the whole
  // result while the two are put together.
  const double colour_share = input.channels == 4 ? 0.75 : 1.0;
  const double colour_beside_result = input.channels == 4 ? colour_share * out : 0.0;
  // The most held at one time, stage by stage: the result with alpha being put together;
  // the result and its encoded file (as for a whole scale); for a learned method, first
  // its working result, shrunk in bands of rows into the colour result.
  double held = std::max(out + colour_beside_result, 1.5 * out);
  if (kind == MethodKind::classical || kind == MethodKind::classical_in_rows)
    return static_cast<std::uint64_t>(process + 2.0 * in + held);
  const double working = colour_share * in * working_scale * working_scale;
  held = std::max(held, working + colour_share * out);
  return static_cast<std::uint64_t>(process + 64e6 + 2.0 * in + held);
}

std::uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page) : 0;
}

std::string describe_bytes(std::uint64_t bytes) {
  const char* units[] = {"bytes", "KB", "MB", "GB", "TB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000 && unit < 4) {
    value /= 1000;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : value < 10 ? "%.1f %s" : "%.0f %s", value, units[unit]);
  return text;
}

std::uint64_t parse_byte_size(const std::string& text) {
  const auto bad = [&] {
    return Error("'" + text + "' is not a size: give a number with an optional unit K, M, G or T (e.g. 8G, 500M)");
  };
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    throw bad();
  }
  std::string unit = text.substr(used);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() == 2 && unit[1] == 'B') unit.pop_back();
  double factor = 1;
  if (unit == "K") factor = 1e3;
  else if (unit == "M") factor = 1e6;
  else if (unit == "G") factor = 1e9;
  else if (unit == "T") factor = 1e12;
  else if (!unit.empty() && unit != "B") throw bad();
  const double bytes = value * factor;
  if (!std::isfinite(bytes) || bytes < 0 || bytes > 1e18) throw bad();
  return static_cast<std::uint64_t>(bytes);
}

}  // namespace upsample::pipeline
