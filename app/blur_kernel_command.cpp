// `upsample blur-kernel`: a blur spec drawn as an image, to look at the blur a deblurrer
// is told or to hand it to another tool; `kernel:FILE` reads it back.
#include <cstdio>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

#include "batch_options.hpp"
#include "commands.hpp"
#include "deblur/kernel_spec.hpp"
#include "imaging/blur_kernels.hpp"
#include "io/image_io.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

namespace {

struct BlurKernelOptions {
  std::string spec, output;
  bool quiet = false;
  int verbose = 0;
};

}  // namespace

Command add_blur_kernel_command(CLI::App& app) {
  auto o = std::make_shared<BlurKernelOptions>();
  CLI::App* cmd = app.add_subcommand("blur-kernel", "Write a blur kernel (a --psf or --blur spec) as a 16-bit PNG");
  cmd->add_option("spec", o->spec, "The blur: " + imaging::blur_spec_forms())->required();
  cmd->add_option("-o,--output", o->output, "The PNG file to write (replaced if it exists)")->required();
  cmd->add_flag("-q,--quiet", o->quiet, "Only errors on stderr");
  cmd->add_flag("-v,--verbose", o->verbose, "Print more");
  cmd->footer(R"(
The kernel is written as a grey 16-bit PNG, scaled so that its largest tap is 65535;
kernel:FILE reads it back normalised to sum 1 (equal to the spec within 16-bit
quantisation). Prints the kernel's size and the file.

Examples:
  upsample blur-kernel shake:7 -o shake7.png
  upsample blur-kernel disc:3 -o disc3.png && upsample deblur photo.jpg -m wiener --psf kernel:disc3.png)");
  return {cmd, [o]() {
            apply_verbosity(o->quiet, o->verbose);
            if (io::extension_of(o->output) != "png") throw UsageError(o->output + ": the kernel is written as a PNG (.png)");
            cv::Mat kernel;
            try {
              kernel = deblur::load_blur_kernel(o->spec);
            } catch (const Error& e) {
              throw UsageError(e.what());
            }
            deblur::save_kernel_image(o->output, kernel);
            if (!o->quiet) std::printf("%s: %d×%d kernel of %s\n", o->output.c_str(), kernel.cols, kernel.rows, o->spec.c_str());
            return 0;
          }};
}

}  // namespace upsample::app
