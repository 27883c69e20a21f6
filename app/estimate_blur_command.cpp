// `upsample estimate-blur`: what blur the blur estimator reads off each image, as the
// --psf spec a user (or Wiener) can take it as: the answer to "why does the deblurred
// image look like this".
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "batch_options.hpp"
#include "commands.hpp"
#include "deblur/blur_estimate.hpp"
#include "deblur/deblurrer.hpp"
#include "io/image_io.hpp"
#include "tensor/error.hpp"
#include "imaging/blur_kernels.hpp"

namespace upsample::app {

namespace {

namespace fs = std::filesystem;

struct EstimateBlurOptions {
  std::vector<std::string> inputs;
  std::string estimator;
  bool json = false;
  bool quiet = false;
  int verbose = 0;
};

// The files to read: each input file, and the images directly inside each input folder.
std::vector<fs::path> image_files(const std::vector<std::string>& inputs) {
  std::vector<fs::path> files;
  for (const std::string& input : inputs) {
    std::error_code ec;
    if (!fs::is_directory(input, ec)) {
      files.emplace_back(input);
      continue;
    }
    const std::vector<fs::path> inside = io::image_files_in(input);
    if (inside.empty()) throw UsageError(input + ": no images in this folder");
    files.insert(files.end(), inside.begin(), inside.end());
  }
  return files;
}

}  // namespace

Command add_estimate_blur_command(CLI::App& app) {
  auto o = std::make_shared<EstimateBlurOptions>();
  CLI::App* cmd = app.add_subcommand("estimate-blur", "Read the blur off images (kind, size, direction) as a --psf spec");
  cmd->add_option("inputs", o->inputs, "Image files or folders (the images directly inside)")->required();
  cmd->add_option("--estimator", o->estimator, "Blur-estimator model (default: weights/blur-estimator_x1.safetensors)");
  cmd->add_flag("--json", o->json, "Print a machine-readable list on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "Only errors on stderr");
  cmd->add_flag("-v,--verbose", o->verbose, "Also print the blur code (the kernel's second moments)");
  cmd->footer(R"(
The blur estimator (a small network, trained by `upsample train --task blur-estimate`)
reads the blur off every 16x16 cell of an image; the image's blur is their mean, weighted
by how much detail each cell has (a flat sky shows no blur), over at most the central
768x768 pixels, and averaged over the image's 8 flips and rotations. It is printed as
the blur the training data was made with: gaussian:SIGMA, motion:LENGTH,ANGLE (degrees
counter-clockwise, 0-180), or both (motion:...+gaussian:...). A plain gaussian or
motion spec can be passed as --psf to `upsample deblur -m wiener` or to a network told
the blur; `upsample deblur` with our network reads the same estimate itself.

The estimator knows the blurs it was trained on: Gaussian sigma 0.5-3 and motion 3-15 px
with a little noise. A sharp image reads as a small Gaussian (its own softness); an
image with shallow depth of field gets a mean of its sharp and blurred parts, leaning to
the more detailed.

Examples:
  upsample estimate-blur shaky.jpg
  upsample estimate-blur shots/ --json)");
  return {cmd, [o]() {
            apply_verbosity(o->quiet, o->verbose);
            const std::shared_ptr<const models::Model> estimator = deblur::load_blur_estimator(o->estimator);
            const std::vector<fs::path> files = image_files(o->inputs);
            nlohmann::json list = nlohmann::json::array();
            int failed = 0;
            for (const fs::path& file : files) {
              try {
                const imaging::BlurCode code = deblur::estimate_image_blur(*estimator, io::load_image(file));
                const imaging::BlurShape shape = imaging::blur_shape(code);
                const std::string spec = imaging::describe_blur(shape);
                if (o->json) {
                  list.push_back({{"input", file.string()},
                                  {"blur", spec},
                                  {"streak_length", shape.streak},
                                  {"angle", shape.angle},
                                  {"sigma", shape.sigma},
                                  {"code", {code[0], code[1], code[2]}}});
                } else if (o->verbose) {
                  std::printf("%s: %s  (code %.3f %.3f %.3f)\n", file.string().c_str(), spec.c_str(),
                              static_cast<double>(code[0]), static_cast<double>(code[1]), static_cast<double>(code[2]));
                } else {
                  std::printf("%s: %s\n", file.string().c_str(), spec.c_str());
                }
              } catch (const Error& e) {
                ++failed;
                spdlog::error("{}", e.what());
                if (o->json) list.push_back({{"input", file.string()}, {"error", e.what()}});
              }
            }
            if (o->json) std::printf("%s\n", list.dump(2).c_str());
            return failed > 0 ? 1 : 0;
          }};
}

}  // namespace upsample::app
