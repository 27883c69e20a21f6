// `upsample deblur`: remove blur from image files and folders, with our network (it reads
// the blur off the image itself) or a classical deconvolution told the blur; the same batch behaviour as the main job.
#include <memory>

#include "batch_options.hpp"
#include "cli_tree.hpp"
#include "commands.hpp"
#include "deblur/deblurrer.hpp"
#include "imaging/blur_kernels.hpp"
#include "pipeline/upscale_image.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

namespace {
struct DeblurCliOptions {
  BatchCliOptions batch;
  std::string method = "deblur";
  deblur::DeblurOptions deblur;
};
}  // namespace

namespace {

// The names deblur_method_names() lists before its note in parentheses, for the shell.
std::vector<std::string> deblur_method_words() {
  const std::string text = deblur::deblur_method_names();
  std::vector<std::string> words;
  std::string word;
  for (const char c : text.substr(0, text.find(" ("))) {
    if (c == ',' || c == ' ') {
      if (!word.empty()) words.push_back(word);
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) words.push_back(word);
  return words;
}

}  // namespace

Command add_deblur_command(CLI::App& app, int argc, char** argv) {
  auto o = std::make_shared<DeblurCliOptions>();
  CLI::App* cmd = app.add_subcommand("deblur", "Remove blur from images (our network, Wiener, Richardson-Lucy)");
  cmd->add_option("-m,--method", o->method, "Method: " + deblur::deblur_method_names())
      ->check(suggested_values(deblur_method_words()))
      ->capture_default_str();
  cmd->add_option("--psf", o->deblur.psf,
                  "The blur to undo: " + imaging::blur_spec_forms() +
                      " (an image of the kernel, e.g. from `upsample blur-kernel`). Needed by wiener and "
                      "richardson-lucy; a network told the blur uses it instead of estimating the blur");
  cmd->add_option("--estimator", o->deblur.estimator,
                  "Blur-estimator model for a network told the blur (default: weights/blur-estimator_x1.safetensors)");
  cmd->add_option("--nsr", o->deblur.nsr, "Wiener noise-to-signal ratio (larger = smoother)")->capture_default_str();
  cmd->add_option("--iterations", o->deblur.iterations, "Richardson-Lucy iterations")->capture_default_str();
  add_tile_option(*cmd, o->deblur.tile, "Tile size in pixels for the network");
  add_batch_options(*cmd, o->batch, "{stem}_{method}.{ext}");
  o->batch.command_line.assign(argv, argv + argc);
  cmd->footer(R"(
Our network needs no --psf: the blur estimator reads the blur off the image (`upsample
estimate-blur` prints what it reads), Wiener deconvolution with that blur comes first,
and the network removes what Wiener leaves: ringing, noise, and the error of the
estimate. Both were trained on Gaussian (sigma 0.5-3) and motion (3-15 px, any angle)
blurs with a little noise. Give --psf when you know the blur: told the true blur it
restores more of a motion blur (README, Deblurring). A model file trained with
--set condition=3 or --set prefilter=wiener is told the blur the same ways; a blind one
(e.g. weights/deblur-blind_x1.safetensors) refuses --psf. Wiener and Richardson-Lucy
must be told the blur.

Examples:
  upsample deblur photo.jpg -o sharp.png
  upsample deblur photo.jpg -m deblur+ -o sharp.png      self-ensemble: 8 orientations averaged, 8x slower
  upsample deblur shots/ -r -o sharp/ -j 2
  upsample deblur photo.jpg -m wiener --psf gaussian:1.6 --nsr 0.01
  upsample deblur photo.jpg -m richardson-lucy --psf motion:9,30 --iterations 30
  upsample deblur photo.jpg --psf motion:9,30               our network, told the blur you know)");
  return {cmd, [o, cmd]() {
            apply_verbosity(o->batch.quiet, o->batch.verbose);
            if (!o->deblur.psf.empty() && o->method == "none") throw UsageError("--psf does not apply to -m none");
            if (!o->deblur.estimator.empty() && (deblur::needs_psf(o->method) || o->method == "none"))
              throw UsageError("--estimator is for a network told the blur, not -m " + o->method);
            if (cmd->count("--nsr") && o->method != "wiener") throw UsageError("--nsr is for -m wiener");
            if (cmd->count("--iterations") && o->method != "richardson-lucy")
              throw UsageError("--iterations is for -m richardson-lucy");
            const std::unique_ptr<pipeline::Upscaler> deblurrer = deblur::create_deblurrer(o->method, o->deblur);
            const pipeline::Upscaler& restore = *deblurrer;
            nlohmann::json extra = {{"command", "deblur"}, {"method", o->method}};
            if (!o->deblur.psf.empty()) extra["psf"] = o->deblur.psf;
            if (o->method == "wiener") extra["nsr"] = o->deblur.nsr;
            if (o->method == "richardson-lucy") extra["iterations"] = o->deblur.iterations;
            const std::string label =
                o->method.ends_with(".safetensors") ? std::filesystem::path(o->method).stem().string() : o->method;
            return run_batch_command(o->batch, label, 1, pipeline::MethodKind::learned,
                                     [&restore](const cv::Mat& image, pipeline::FileTask&) { return pipeline::upscale_image(image, restore); },
                                     extra);
          }};
}

}  // namespace upsample::app
