// `upsample estimate-blur`: the blur `upsample deblur` reads off each image
// (deblur/blur_reading.hpp), as the --psf spec a user (or Wiener) can take it as, and the
// kernel itself on request: the answer to "why does the deblurred image look like this".
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "batch_options.hpp"
#include "commands.hpp"
#include "deblur/blur_reading.hpp"
#include "deblur/deblurrer.hpp"
#include "deblur/kernel_spec.hpp"
#include "io/image_io.hpp"
#include "tensor/error.hpp"
#include "imaging/blur_kernels.hpp"

namespace upsample::app {

namespace {

namespace fs = std::filesystem;

struct EstimateBlurOptions {
  std::vector<std::string> inputs;
  std::string estimator;
  std::string kernels;
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
  cmd->add_option("--save-kernels", o->kernels,
                  "Write each image's kernel to FOLDER/<name>_kernel.png (16-bit; --psf kernel:FILE takes it)");
  cmd->add_flag("--json", o->json, "Print a machine-readable list on stdout");
  cmd->add_flag("-q,--quiet", o->quiet, "Only errors on stderr");
  cmd->add_flag("-v,--verbose", o->verbose, "Also print the kernel's size, its blur code (second moments) and how the readers matched");
  cmd->footer(R"(
Two readers look at each image:
  - the blur estimator (a small network, trained by `upsample train --task blur-estimate`
    on Gaussian sigma 0.5-3 and motion 3-15 px) gives the blur's second moments, read
    over at most the central 768x768 pixels;
  - a blind kernel search (coarse to fine, sparse edges) finds the whole kernel, any
    shape up to 31x31, on the 320x320 with the most edges within the central 1024x1024.
What is used, printed after the spec:
  estimator         the estimator's blur agrees with the moments of the kernel found, or
                    that kernel is a Gaussian or streak within the estimator's reach
  kernel moments    the kernel found is a streak longer than the estimator knows (12 px
                    or more): the blur its moments describe
  streak fitted to the kernel
                    either of these read a streak of 5 px or more: the streak that best
                    matches the kernel found tap by tap (its stray taps pull moments off)
  free-form kernel  a shape no spec describes (camera shake, a bent streak): the kernel
                    found, its centre of mass moved onto its centre pixel; the spec
                    printed is only its nearest Gaussian/streak
The spec is gaussian:SIGMA, motion:LENGTH,ANGLE (degrees counter-clockwise, 0-180) or both
(motion:...+gaussian:...). A plain gaussian or motion spec can be passed as --psf; for a
free-form kernel, pass the file --save-kernels writes (--psf kernel:FILE). A sharp image
reads as a small Gaussian (its own softness); an image with shallow depth of field gets a
blend of its sharp and blurred parts.

Examples:
  upsample estimate-blur shaky.jpg
  upsample estimate-blur shaky.jpg --save-kernels kernels/ && upsample deblur shaky.jpg --psf kernel:kernels/shaky_kernel.png
  upsample estimate-blur shots/ --json)");
  return {cmd, [o]() {
            apply_verbosity(o->quiet, o->verbose);
            const std::shared_ptr<const models::Model> estimator = deblur::load_blur_estimator(o->estimator);
            const std::vector<fs::path> files = image_files(o->inputs);
            if (!o->kernels.empty()) {
              std::error_code ec;
              fs::create_directories(o->kernels, ec);
              if (ec) throw UsageError("--save-kernels " + o->kernels + ": " + ec.message());
            }
            nlohmann::json list = nlohmann::json::array();
            int failed = 0;
            for (const fs::path& file : files) {
              try {
                const deblur::BlurReading reading = deblur::read_image_blur(*estimator, io::load_image(file));
                const imaging::BlurCode code = imaging::blur_code(reading.kernel);
                const imaging::BlurShape shape = imaging::blur_shape(code);
                const std::string spec = imaging::describe_blur(shape), source = deblur::source_name(reading.source);
                std::string kernel_file;
                if (!o->kernels.empty()) {
                  kernel_file = (fs::path(o->kernels) / (file.stem().string() + "_kernel.png")).string();
                  deblur::save_kernel_image(kernel_file, reading.kernel);
                }
                if (o->json) {
                  nlohmann::json entry = {{"input", file.string()},
                                          {"blur", spec},
                                          {"source", source},
                                          {"kernel_size", reading.kernel.rows},
                                          {"shape_match", reading.shape_match},
                                          {"agreement", reading.agreement},
                                          {"streak_length", shape.streak},
                                          {"angle", shape.angle},
                                          {"sigma", shape.sigma},
                                          {"code", {code[0], code[1], code[2]}}};
                  if (!kernel_file.empty()) entry["kernel_file"] = kernel_file;
                  list.push_back(entry);
                } else if (o->verbose) {
                  const std::string estimated = imaging::describe_blur(imaging::blur_shape(imaging::blur_code(reading.estimated)));
                  std::printf("%s: %s  (%s, %dx%d; code %.3f %.3f %.3f; shape match %.2f, agreement %.2f; estimator %s)\n",
                              file.string().c_str(), spec.c_str(), source.c_str(), reading.kernel.cols, reading.kernel.rows,
                              static_cast<double>(code[0]), static_cast<double>(code[1]), static_cast<double>(code[2]),
                              reading.shape_match, reading.agreement, estimated.c_str());
                } else {
                  std::printf("%s: %s  (%s)\n", file.string().c_str(), spec.c_str(), source.c_str());
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
