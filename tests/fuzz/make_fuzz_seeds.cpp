// Writes the seed corpus of the fuzz targets (tests/fuzz/seeds/<target>/): small valid
// inputs of every kind each target reads, so the fuzzer starts from the formats' insides
// rather than from random bytes. Run by hand after a format changes:
//   build-fuzz/tests/fuzz/make_fuzz_seeds tests/fuzz/seeds
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "io/safetensors.hpp"
#include "models/model.hpp"

namespace fs = std::filesystem;
using namespace upsample;

namespace {

void write_bytes(const fs::path& path, const void* data, size_t size, const std::string& prefix = "") {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(prefix.data(), static_cast<std::streamsize>(prefix.size()));
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}

// Small models of every architecture: narrow, so a seed is a few KB, not 50.
void write_model_seeds(const fs::path& folder) {
  const std::vector<models::Metadata> models = {
      {{"arch", "fsrcnn"}, {"scale", "2"}, {"d", "8"}, {"s", "4"}, {"m", "1"}},
      {{"arch", "fsrcnn"}, {"scale", "3"}, {"d", "8"}, {"s", "4"}, {"m", "2"}, {"condition", "2"}},
      {{"arch", "espcn"}, {"scale", "3"}, {"features1", "8"}, {"features2", "16"}},
      {{"arch", "resizeconv"}, {"scale", "2"}, {"d", "8"}, {"s", "4"}, {"m", "1"}},
      {{"arch", "deblur"}, {"scale", "1"}, {"width", "4"}},
      {{"arch", "blur-estimator"}, {"scale", "1"}, {"width", "4"}},
  };
  int n = 0;
  for (const models::Metadata& metadata : models) {
    const auto model = models::build_model(metadata);
    models::save_model(*model, folder / ("model" + std::to_string(++n) + ".safetensors"));
  }
}

// One byte choosing the extension (image_fuzz.cpp's kExtensions order), then the file.
void write_image_seeds(const fs::path& folder) {
  cv::Mat bgr(7, 9, CV_8UC3), grey(5, 6, CV_8UC1), deep(4, 5, CV_16UC1), bgra(6, 4, CV_8UC4);
  cv::randu(bgr, 0, 256);
  cv::randu(grey, 0, 256);
  cv::randu(deep, 0, 65536);
  cv::randu(bgra, 0, 256);
  struct Seed {
    const char* name;
    char selector;
    const char* ext;
    cv::Mat image;
  };
  const std::vector<Seed> seeds = {{"rgb.png", 0, ".png", bgr},    {"grey.png", 0, ".png", grey},
                                   {"deep.png", 0, ".png", deep},  {"alpha.png", 0, ".png", bgra},
                                   {"rgb.jpg", 1, ".jpg", bgr},    {"grey.jpg", 1, ".jpg", grey},
                                   {"rgb.bmp", 2, ".bmp", bgr},    {"rgb.webp", 3, ".webp", bgr},
                                   {"deep.tif", 4, ".tif", deep},  {"rgb.ppm", 5, ".ppm", bgr},
                                   {"grey.pgm", 6, ".pgm", grey}};
  for (const Seed& seed : seeds) {
    std::vector<uchar> bytes;
    cv::imencode(seed.ext, seed.image, bytes);
    write_bytes(folder / seed.name, bytes.data(), bytes.size(), std::string(1, seed.selector));
  }
}

void write_spec_seeds(const fs::path& folder) {
  const std::vector<std::string> specs = {
      "gaussian:1.6", "gaussian:0.8,7", "motion:9,30", "motion:15,0", "box:3",
      "jpeg:50",      "noise:5",        "noise:10,grey", "downscale:cubic", "blur:1+noise:5+jpeg:75",
      "jpeg=30-95",   "noise=0-15",     "downscale=bicubic,area:2,cubic",  "clean=0.2", "blur=off"};
  int n = 0;
  for (const std::string& spec : specs) write_bytes(folder / ("spec" + std::to_string(++n)), spec.data(), spec.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds SEEDS_FOLDER\n");
    return 2;
  }
  const fs::path root = argv[1];
  for (const char* target : {"safetensors", "model", "image", "spec"}) fs::create_directories(root / target);
  write_model_seeds(root / "model");
  write_model_seeds(root / "safetensors");
  write_image_seeds(root / "image");
  write_spec_seeds(root / "spec");
  return 0;
}
