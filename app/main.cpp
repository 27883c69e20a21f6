// upsample: upscale images with classical and learned upsamplers, and see their artifacts.
#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "format_list.hpp"
#include "usage_hints.hpp"
#include "version.hpp"
#include "io/atomic_file.hpp"
#include "tensor/error.hpp"
#include "tensor/huge_pages.hpp"

namespace {

constexpr const char* kExamples = R"(
Examples:
  upsample photo.jpg -s 2 -o photo_x2.png          upscale one file (our FSRCNN, the default)
  upsample photo.jpg -s 2 -m espcn --heatmap        another network, and where it leaves checkerboard
  upsample photo.jpg -s 3 -m fsrcnn+                the self-ensemble: 8 orientations averaged, 8x slower
  upsample shots/ -r -s 3 -m lanczos -o big/        a folder tree, mirrored under big/
  upsample photo.jpg -s 1.5                         any factor: FSRCNN x2, shrunk to 1.5 (photo_fsrcnn_x1.5.jpg)
  upsample photo.jpg --width 1920                   a width, the height in proportion (photo_fsrcnn_w1920.jpg)
  upsample a.png b.png -s 4 --name '{stem}@4x.{ext}' name the outputs yourself
  upsample shots/ -s 2 -o big/ --skip-existing -j 2 resume a batch, two images at once
  upsample shots/ -s 2 -o big/ --dry-run            see what would be written
  upsample shots/ -r -s 2 -o big/ --shard 2/4 --skip-existing --report r2.jsonl
                                                    one of four workers (Slurm and Kubernetes
                                                    arrays are read by themselves; README)
  upsample report r*.jsonl                          the workers' reports merged
  upsample photo.jpg -s 2 --json                    machine-readable summary on stdout
  upsample IMG_0001.HEIC -s 2 -o big.jpg            a phone photo; its EXIF, XMP and colour profile go along
  cat in.png | upsample - -s 2 -o - > out.png       standard input to standard output
  upsample --formats                                what is read and written, and what each format keeps

Exit status: 0 everything done, 1 some inputs failed (the rest are done) or no image was
found in the inputs, 2 bad usage.
Existing files are never replaced unless you pass --overwrite.)";

// The heap is grown once by a stretch of address space advised for huge pages
// (tensor/huge_pages.hpp) and handed back, untouched (no memory used), to malloc, which
// carves later blocks from it: decoded planes, layer maps and the encoded file then fault
// 2 MB at a time. If the stretch cannot be had, nothing changes.
void advise_huge_page_heap() {
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer's allocator is not the heap, and would poison the whole stretch.
  return;
#else
  constexpr size_t kStretch = size_t{1} << 30;
  void* block = std::malloc(kStretch);
  if (block == nullptr) return;
  upsample::advise_huge_pages(block, kStretch);
  std::free(block);
#endif
}

}  // namespace

int main(int argc, char** argv) {
  // https://no-color.org: any non-empty NO_COLOR turns colour off.
  const char* no_color = std::getenv("NO_COLOR");
  const bool colour = no_color == nullptr || *no_color == '\0';
  auto logger = spdlog::stderr_color_st("upsample", colour ? spdlog::color_mode::automatic : spdlog::color_mode::never);
  logger->set_pattern("%^%l%$: %v");
  spdlog::set_default_logger(logger);
  upsample::io::install_interrupt_cleanup();
  // Layer outputs are large and short-lived: served from fresh mmap()s, or from heap top
  // that was handed back to the kernel, each one costs page faults and kernel zeroing on
  // every use. Keeping them in the heap, never trimmed, reuses the pages; the peak is
  // the same either way.
  mallopt(M_MMAP_MAX, 0);
  mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
  advise_huge_page_heap();

  CLI::App app{"upsample: upscale images with classical and learned upsamplers, and see their artifacts", "upsample"};
  app.set_version_flag("--version", upsample::app::version_text());
  bool list_formats = false;
  app.add_flag("--formats", list_formats, "List the image formats this build reads and writes, and what each keeps");
  app.footer(kExamples);
  app.require_subcommand(0, 1);
  // The main job first, then one subcommand per file in app/.
  const std::vector<upsample::app::Command> commands = {
      upsample::app::add_upscale_command(app, argc, argv),
      upsample::app::add_eval_command(app),
      upsample::app::add_deblur_command(app, argc, argv),
      upsample::app::add_estimate_blur_command(app),
      upsample::app::add_blur_kernel_command(app),
      upsample::app::add_compare_command(app),
      upsample::app::add_artifacts_command(app),
      upsample::app::add_bench_command(app),
      upsample::app::add_models_command(app),
      upsample::app::add_report_command(app),
      upsample::app::add_train_command(app, argc, argv),
      upsample::app::add_completion_command(app),
      upsample::app::add_man_command(app),
  };

  try {
    if (upsample::app::print_help_command(app, argc, argv)) return 0;
    upsample::app::check_command_typo(app, argc, argv);
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // One style for every usage error: the tool's "error: …" line, then where to look.
    std::string message = e.what();
    const std::string hint = upsample::app::option_hint(app, argc, argv);
    if (!hint.empty() && !message.ends_with('.')) message += '.';
    spdlog::error("{}{}", message, hint);
    std::fputs("Run 'upsample --help' for usage and examples.\n", stderr);
    return 2;
  } catch (const upsample::UsageError& e) {
    spdlog::error("{}", e.what());
    std::fputs("Run 'upsample --help' for usage and examples.\n", stderr);
    return 2;
  }
  if (list_formats) {
    std::fputs(upsample::app::format_table().c_str(), stdout);
    return 0;
  }
  try {
    for (auto it = commands.rbegin(); it != commands.rend(); ++it)
      if (it->cli == &app || it->cli->parsed()) return it->run();
    return 2;
  } catch (const upsample::UsageError& e) {
    spdlog::error("{}", e.what());
    std::fputs("Run 'upsample --help' for usage and examples.\n", stderr);
    return 2;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
