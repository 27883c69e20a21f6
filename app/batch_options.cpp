#include "batch_options.hpp"

#include <cstdio>

#include <spdlog/spdlog.h>

#include "batch_report.hpp"
#include "pipeline/method_registry.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

void add_batch_options(CLI::App& cmd, BatchCliOptions& o, const std::string& default_name) {
  o.name_template = default_name;
  // Not ->required(): CLI11 would then demand inputs even for `upsample bench`; the batch
  // planner reports a missing input as a usage error instead.
  cmd.add_option("inputs", o.inputs, "Image files and/or folders (folders: every image inside)");
  cmd.add_option("-o,--output", o.output,
                 "Output file (one input) or folder (created if missing); default: beside each input");
  cmd.add_flag("-r,--recursive", o.recursive, "Also take images in sub-folders (mirrored under -o)");
  cmd.add_option("--name", o.name_template, "Output file name template; fields {stem} {method} {scale} {ext}")
      ->capture_default_str();
  cmd.add_option("-f,--format", o.format, "Output format (png, jpg, tif, webp, ...); default: the input's");
  cmd.add_option("--quality", o.quality, "Quality of lossy formats (JPEG, WebP, HEIC, AVIF, JPEG XL), 1-100")
      ->check(CLI::Range(1, 100));
  auto* overwrite = cmd.add_flag("--overwrite", o.overwrite, "Replace outputs that already exist");
  auto* skip = cmd.add_flag("--skip-existing", o.skip_existing, "Keep outputs that already exist (resume a batch)");
  overwrite->excludes(skip);
  cmd.add_flag("--accept-damaged", o.accept_damaged,
               "Process inputs that are cut short (a JPEG or PNG from a broken download or copy) with a warning "
               "instead of failing them; their missing part comes out as filler");
  cmd.add_flag("--strip", o.strip,
               "Write outputs without the input's metadata (EXIF, XMP, IPTC) and colour profile; by default "
               "they are kept, fitted to the new size");
  cmd.add_flag("--dry-run", o.dry_run, "Print what would be written, write nothing");
  cmd.add_flag("--json", o.json, "Print a machine-readable summary on stdout");
  cmd.add_option("-j,--jobs", o.jobs, "Images processed in parallel")->check(CLI::Range(1, 256))->capture_default_str();
  cmd.add_flag("-q,--quiet", o.quiet, "Only print errors");
  cmd.add_flag("-v,--verbose", o.verbose, "Print more (repeat for debug output)");
}

void add_tile_option(CLI::App& cmd, int& tile, const std::string& description) {
  // Every tile recomputes the network's receptive field around it: below a few dozen
  // pixels that overlap is most of the work, and a run takes minutes instead of a second.
  constexpr int kMinTile = 32;
  cmd.add_option("--tile", tile, description + " (0 = automatic, else at least " + std::to_string(kMinTile) + ")")
      ->check(CLI::NonNegativeNumber)
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            const int value = std::stoi(text);
            if (value == 0 || value >= kMinTile) return "";
            return text + " is too small: use 0 (automatic) or at least " + std::to_string(kMinTile) +
                   "; smaller tiles redo their overlap so often that a run takes minutes";
          },
          "0|>=32"));
}

void add_denoise_option(CLI::App& cmd, std::string& denoise) {
  cmd.add_option("--denoise", denoise,
                 "How strongly learned methods clean JPEG damage and noise: auto (read each image: its JPEG "
                 "tables, its noise level; a clean image gets the clean model), off, low, medium, high, or the "
                 "JPEG quality to undo (1-100)")
      ->check([](const std::string& text) {
        try {
          pipeline::parse_denoise(text);
          return std::string();
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      })
      ->capture_default_str();
}

void apply_verbosity(bool quiet, int verbose) {
  if (quiet) spdlog::set_level(spdlog::level::err);
  else if (verbose >= 2) spdlog::set_level(spdlog::level::trace);
  else if (verbose == 1) spdlog::set_level(spdlog::level::debug);
  else spdlog::set_level(spdlog::level::info);
}

int run_batch_command(const BatchCliOptions& o, const std::string& label, int scale, const pipeline::ImageStep& step,
                      const nlohmann::json& extra, const pipeline::AfterSave& after_save) {
  pipeline::BatchOptions batch;
  for (const auto& in : o.inputs) batch.inputs.emplace_back(in);
  batch.recursive = o.recursive;
  if (!o.output.empty()) batch.output = std::filesystem::path(o.output);
  batch.name_template = o.name_template;
  batch.method_label = label;
  batch.scale = scale;
  batch.format = o.format;
  batch.existing = o.overwrite ? pipeline::ExistingOutput::Overwrite
                   : o.skip_existing ? pipeline::ExistingOutput::Skip
                                     : pipeline::ExistingOutput::Refuse;
  if (o.output == "-" && o.json) throw UsageError("-o - writes the image to standard output: it cannot also take --json");
  pipeline::BatchPlan plan = pipeline::plan_batch(batch);
  for (const auto& note : plan.notes) spdlog::info("{}", note);
  for (const auto& note : plan.verbose_notes) spdlog::debug("{}", note);

  if (o.dry_run) {
    if (o.json) {
      nlohmann::json doc = batch_json(plan.tasks, extra);
      doc["dry_run"] = true;
      std::printf("%s\n", doc.dump(2).c_str());
    } else {
      print_plan(plan.tasks);
    }
    return batch_exit_status(plan.tasks);
  }

  pipeline::RunOptions run;
  run.jobs = o.jobs;
  run.quality = o.quality;
  run.format = o.format;
  run.existing = batch.existing;
  run.accept_damaged = o.accept_damaged;
  run.keep_metadata = !o.strip;
  run.after_save = after_save;
  BatchReport report(plan.tasks.size(), o.quiet);
  pipeline::run_batch(plan.tasks, step, run, [&](const pipeline::FileTask& t) { report.on_done(t); });
  report.print_summary();
  if (o.json) std::printf("%s\n", batch_json(plan.tasks, extra).dump(2).c_str());
  else if (!o.quiet && plan.tasks.size() == 1 && plan.tasks[0].status == pipeline::FileStatus::Written && o.output != "-")
    std::printf("%s\n", plan.tasks[0].output.string().c_str());
  return batch_exit_status(plan.tasks);
}

}  // namespace upsample::app
