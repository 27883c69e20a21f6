// libFuzzer target: any bytes as an image file. The first byte picks the extension the
// file is given (decoders go by content, the tool's checks partly by name); the rest is
// the file. Loading must end in an image or an upsample::Error, never a crash or a leak.
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include "io/image_header.hpp"
#include "io/image_io.hpp"
#include "tensor/error.hpp"

namespace {
const std::array<const char*, 9> kExtensions = {"png", "jpg", "bmp", "webp", "tif", "ppm", "pgm", "pnm", "jpeg"};
// OPENCV_IO_MAX_IMAGE_PIXELS in .ci/fuzz, as 16-bit RGBA bytes.
constexpr std::uint64_t kMaxDecodedBytes = std::uint64_t{4194304} * 4 * 2;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace upsample;
  if (size < 1) return 0;
  const std::span<const std::byte> file(reinterpret_cast<const std::byte*>(data) + 1, size - 1);
  (void)io::exif_orientation(file);
  (void)io::damage_in(file);

  static const std::filesystem::path folder = [] {
    const auto path = std::filesystem::temp_directory_path() / ("upsample-fuzz-" + std::to_string(getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  const std::filesystem::path path = folder / (std::string("input.") + kExtensions[data[0] % kExtensions.size()]);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(file.size()));
  }
  // The size cap the main job's memory budget sets (and .ci/fuzz gives OpenCV's own
  // decoders): our JPEG XL and HEIF decoders are told the declared size through it.
  const auto within_cap = [](const io::ImageHeader& header) {
    if (header.decoded_bytes() > kMaxDecodedBytes) throw Error("declares more pixels than the fuzzing cap");
  };
  for (const bool accept_damaged : {false, true}) {
    try {
      const cv::Mat image =
          io::load_image(path, io::LoadOptions{.accept_damaged = accept_damaged, .check_size = within_cap});
      if (image.empty()) __builtin_trap();  // load_image promises an image or an Error
    } catch (const Error&) {
    }
  }
  return 0;
}
