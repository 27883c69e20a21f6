#pragma once
// The IJG (libjpeg) quality factor a JPEG was saved at, read back from its quantisation
// tables. libjpeg, and everything built on it (OpenCV, PIL, GIMP, most web tools), makes
// its tables by scaling the two example tables of the JPEG standard (Annex K):
//   scale = q < 50 ? 5000 / q : 200 − 2q       (integer division)
//   entry = clamp((standard · scale + 50) / 100, 1, 255)   (32767 for 16-bit tables)
// so a file written that way gives its q back exactly. Tables made otherwise (cameras,
// phones, other encoders) get the q whose IJG tables are nearest, with the misfit.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>

namespace upsample::imaging {

// One quantisation table in natural (row-major 8×8) order, not the zig-zag order of the
// DQT segment it came from.
using JpegQuantTable = std::array<uint16_t, 64>;

struct JpegQuantTables {
  // By destination Tq = 0..3; the last definition before the first scan wins.
  std::array<std::optional<JpegQuantTable>, 4> slots;
  // The table of the first frame component (luma in YCbCr, the grey in greyscale), and of
  // the second one when it has its own (chroma). Without a frame header: slots 0 and 1.
  int luma_slot = 0;
  std::optional<int> chroma_slot;
};

// The tables of a JPEG file's header (the markers from SOI up to the first SOS or EOI).
// nullopt: not a JPEG (no SOI), or a JPEG without a DQT segment (lossless JPEG). Throws
// Error when the marker structure is malformed or ends before the first scan.
std::optional<JpegQuantTables> read_jpeg_quant_tables(std::span<const uint8_t> bytes);

struct JpegQualityEstimate {
  double quality = 0;         // 1 … 100
  double mean_abs_error = 0;  // |entry − IJG entry at `quality`| averaged over the compared
                              // entries: 0 for a file libjpeg wrote at that quality
  bool is_exact_ijg() const { return mean_abs_error == 0; }
};

// The q in 1 … 100 whose IJG tables are nearest (least squares) to the luma table, and
// the chroma table when there is one. nullopt when the luma table is not defined.
std::optional<JpegQualityEstimate> estimate_jpeg_quality(const JpegQuantTables& tables);

// The estimate for a file, from its first 256 KiB: the tables are in the header, and a
// header that runs on past that is read as far as it goes. nullopt as
// read_jpeg_quant_tables, and for a header with no table in those 256 KiB. Throws Error
// naming the file when it is not a regular file, cannot be read or is malformed.
std::optional<JpegQualityEstimate> jpeg_quality_of_file(const std::filesystem::path& path);

}  // namespace upsample::imaging
