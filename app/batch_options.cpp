#include "batch_options.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>

#include <spdlog/spdlog.h>

#include "batch_report.hpp"
#include "cli_tree.hpp"
#include "io/formats.hpp"
#include "interrupt_watch.hpp"
#include "io/background_colour.hpp"
#include "io/json_path.hpp"
#include "pipeline/method_registry.hpp"
#include "pipeline/path_list.hpp"
#include "pipeline/report_log.hpp"
#include "pipeline/shard.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

void add_batch_options(CLI::App& cmd, BatchCliOptions& o, const std::string& default_name) {
  o.name_template = default_name;
  // Not ->required(): CLI11 would then demand inputs even for `upsample bench`; the batch
  // planner reports a missing input as a usage error instead.
  cmd.add_option("inputs", o.inputs, "Image files and/or folders (folders: every image inside)");
  cmd.add_option("--files-from", o.files_from,
                 "Also take the inputs listed in FILE, one per line ('-' = stdin); the work list is always sorted "
                 "byte-wise, so every worker sees the same one")
      ->type_name("FILE");
  cmd.add_flag("-0,--null", o.null_separated, "The --files-from list is NUL-separated (find -print0)");
  cmd.add_option("-o,--output", o.output,
                 "Output file (one input) or folder (created if missing); default: beside each input");
  cmd.add_flag("-r,--recursive", o.recursive, "Also take images in sub-folders (mirrored under -o)");
  cmd.add_option("--name", o.name_template,
                 "Output file name template; fields {stem} {method} {scale} {ext}, and {dir} {relpath} (the "
                 "input's folder / path without extension, below the folder given or the current one) to keep a "
                 "tree under -o, e.g. --name '{dir}/{stem}_x2.{ext}'")
      ->capture_default_str();
  cmd.add_option("-f,--format", o.format, "Output format (png, jpg, tif, webp, ...); default: the input's");
  // How outputs are encoded: --quality, --png-level, --background.
  cmd.add_option("--quality", o.quality,
                 "Quality of lossy formats, 1-100. Default: JPEG from a JPEG the input's own (read from its "
                 "tables), else 95; WebP 90 (lossless from a lossless WebP); HEIC, AVIF, JPEG XL 90")
      ->check(CLI::Range(1, 100));
  cmd.add_option("--png-level", o.png_level,
                 "PNG zlib compression level, 0 (fastest, biggest) to 9 (slowest, smallest; about a fifth "
                 "smaller than the default at 4-13x its time). Default: level 1 with "
                 "run-length matching, the fast one")
      ->check(CLI::Range(0, 9));
  cmd.add_option("--background", o.background,
                 "Colour that transparent areas are flattened onto in formats without alpha (JPEG, BMP, PNM): "
                 "white, black, grey or RRGGBB in hex ('#336699')")
      ->type_name("COLOUR")
      ->check([](const std::string& text) {
        if (io::parse_background_colour(text)) return std::string();
        return "'" + text + "' is not a colour (use white, black, grey or RRGGBB in hex, e.g. '#336699')";
      })
      ->capture_default_str();
  auto* overwrite = cmd.add_flag("--overwrite", o.overwrite, "Replace outputs that already exist");
  auto* skip = cmd.add_flag("--skip-existing", o.skip_existing, "Keep outputs that already exist (resume a batch)");
  overwrite->excludes(skip);
  cmd.add_option("--claim-timeout", o.claim_timeout,
                 "With --skip-existing, workers sharing a folder claim each output (a hidden .NAME.upsample-claim "
                 "file beside it); a claim left by a dead process of this host is taken over at once, one of "
                 "another host only once older than this many seconds (set it well above the slowest image)")
      ->type_name("SECONDS")
      ->check(CLI::PositiveNumber);
  cmd.add_flag("--accept-damaged", o.accept_damaged,
               "Process inputs that are cut short (a JPEG or PNG from a broken download or copy) with a warning "
               "instead of failing them; their missing part comes out as filler");
  cmd.add_option("--max-memory", o.max_memory,
                 "Fail an image whose upscale would need more memory than this (estimated from its header, before "
                 "it is decoded), e.g. 8G or 500M; 0 = no limit. Default: 3/4 of this machine's memory, per image")
      ->type_name("SIZE")
      ->check([](const std::string& text) {
        try {
          pipeline::parse_byte_size(text);
          return std::string();
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      });
  cmd.add_option("--shard", o.shard,
                 "Process shard I of N (I/N, counted from 1): every N-th file of the sorted list. Default: from "
                 "a Slurm job array (SLURM_ARRAY_TASK_ID) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, "
                 "with --shards); --shard 1/1 processes everything")
      ->type_name("I/N");
  cmd.add_option("--shards", o.shards,
                 "The number of shards, when the scheduler's 0-based task index is the shard: JOB_COMPLETION_INDEX "
                 "(needed), or SLURM_ARRAY_TASK_ID (so a resubmitted --array=1 redoes shard 2/N)")
      ->type_name("N");
  cmd.add_flag("--strip", o.strip,
               "Write outputs without the input's metadata (EXIF, XMP, IPTC) and colour profile; by default "
               "they are kept, fitted to the new size");
  cmd.add_flag("--dry-run", o.dry_run, "Print what would be written (this shard's files), write nothing");
  cmd.add_flag("--json", o.json, "Print a machine-readable summary on stdout");
  cmd.add_option("--report", o.report,
                 "Append one JSON line per finished file to FILE as it finishes (survives a killed run; several "
                 "local workers may share one file); 'upsample report FILE...' merges them")
      ->type_name("FILE");
  cmd.add_option("-j,--jobs", o.jobs, "Images processed in parallel")->check(CLI::Range(1, 256))->capture_default_str();
  cmd.add_flag("-q,--quiet", o.quiet, "Only print errors");
  cmd.add_flag("-v,--verbose", o.verbose, "Print more (repeat for debug output)");
  // What the shell completions offer after -f (cli_tree.hpp).
  std::vector<std::string> writable;
  for (const io::ImageFormat& format : io::image_formats())
    if (format.write) writable.emplace_back(format.extensions.front());
  cmd.get_option("--format")->check(suggested_values(writable));
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
      ->check(suggested_values({"auto", "off", "low", "medium", "high"}))
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

CLI::Validator whole_scale_only(const std::string& command) {
  return CLI::Validator(
      [command](std::string& text) -> std::string {
        double value = 0;
        try {
          std::size_t used = 0;
          value = std::stod(text, &used);
          if (used != text.size()) return "";  // not a number: the range check says so
        } catch (const std::exception&) {
          return "";
        }
        if (value == std::floor(value)) return "";
        return "-s " + text + ": " + command +
               " takes whole scales (its HR is cropped to a multiple of the scale and shrunk by it); the main job "
               "upscales by " + text + " (upsample IMAGE -s " + text + ")";
      },
      "");
}

void apply_verbosity(bool quiet, int verbose) {
  if (quiet) spdlog::set_level(spdlog::level::err);
  else if (verbose >= 2) spdlog::set_level(spdlog::level::trace);
  else if (verbose == 1) spdlog::set_level(spdlog::level::debug);
  else spdlog::set_level(spdlog::level::info);
}

namespace {

std::vector<std::filesystem::path> listed_inputs(const BatchCliOptions& o) {
  const char separator = o.null_separated ? '\0' : '\n';
  if (o.files_from == "-") return pipeline::read_path_list(std::cin, separator);
  std::ifstream list(o.files_from, std::ios::binary);
  if (!list) throw UsageError("--files-from " + o.files_from + ": cannot open the list");
  auto paths = pipeline::read_path_list(list, separator);
  if (list.bad()) throw UsageError("--files-from " + o.files_from + ": cannot read the list");
  return paths;
}

// --max-memory as a check of each input's size: refuses an image whose estimated peak is
// over the limit, naming both.
std::function<void(const io::ImageHeader&, const std::filesystem::path&)> memory_check(const std::string& max_memory,
                                                                                     const std::string& format,
                                                                                     const BatchScale& scale) {
  const std::uint64_t limit =
      max_memory.empty() ? pipeline::physical_memory_bytes() / 4 * 3 : pipeline::parse_byte_size(max_memory);
  if (limit == 0) return {};
  const std::string source = max_memory.empty() ? "3/4 of this machine's memory; --max-memory sets it" : "--max-memory";
  return [limit, scale, source, format](const io::ImageHeader& header, const std::filesystem::path& output) {
    const std::uint64_t need = scale.peak_bytes(header, io::output_extension(output, format));
    const std::string what = scale.describe(header);
    if (need > limit)
      throw Error("needs about " + pipeline::describe_bytes(need) + " of memory for " + what + ", over the limit of " +
                  pipeline::describe_bytes(limit) + " (" + source + ")");
    spdlog::debug("{}: about {} of memory at its peak", what, pipeline::describe_bytes(need));
  };
}

}  // namespace

BatchScale whole_batch_scale(int scale, pipeline::MethodKind kind) {
  return {scale, scale,
          [scale, kind](const io::ImageHeader& header, const std::string& output_extension) {
            return pipeline::estimated_peak_bytes(header, scale, kind, output_extension);
          },
          [scale](const io::ImageHeader& header) {
            return std::to_string(header.width) + "x" + std::to_string(header.height) + " x" + std::to_string(scale);
          }};
}

int run_batch_command(const BatchCliOptions& o, const std::string& label, int scale, pipeline::MethodKind kind,
                      const pipeline::ImageStep& step, const nlohmann::json& extra,
                      const pipeline::AfterSave& after_save, const pipeline::RowsStep& rows_step) {
  return run_batch_command(o, label, whole_batch_scale(scale, kind), step, extra, after_save, rows_step);
}

int run_batch_command(const BatchCliOptions& o, const std::string& label, const BatchScale& scale,
                      const pipeline::ImageStep& step, const nlohmann::json& extra,
                      const pipeline::AfterSave& after_save, const pipeline::RowsStep& rows_step) {
  if (o.null_separated && o.files_from.empty()) throw UsageError("-0 is for the list of --files-from");
  if (o.claim_timeout && !o.skip_existing) throw UsageError("--claim-timeout is for workers sharing a folder: add --skip-existing");
  const auto shard = pipeline::resolve_shard(o.shard, o.shards, [](const char* name) { return std::getenv(name); });
  pipeline::BatchOptions batch;
  for (const auto& in : o.inputs) batch.inputs.emplace_back(in);
  if (!o.files_from.empty()) {
    const auto listed = listed_inputs(o);
    if (listed.empty() && o.inputs.empty()) throw UsageError("--files-from " + o.files_from + ": the list is empty");
    batch.inputs.insert(batch.inputs.end(), listed.begin(), listed.end());
  }
  batch.recursive = o.recursive;
  if (!o.output.empty()) batch.output = std::filesystem::path(o.output);
  batch.name_template = o.name_template;
  batch.method_label = label;
  batch.scale = scale.text;
  batch.format = o.format;
  batch.existing = o.overwrite ? pipeline::ExistingOutput::Overwrite
                   : o.skip_existing ? pipeline::ExistingOutput::Skip
                                     : pipeline::ExistingOutput::Refuse;
  if (o.output == "-" && o.json) throw UsageError("-o - writes the image to standard output: it cannot also take --json");
  pipeline::BatchPlan plan = pipeline::plan_batch(batch);
  for (const auto& note : plan.notes) spdlog::info("{}", note);
  for (const auto& warning : plan.warnings) spdlog::warn("{}", warning);
  for (const auto& note : plan.verbose_notes) spdlog::debug("{}", note);
  if (shard) {
    const size_t all = plan.tasks.size();
    plan.tasks = pipeline::select_shard(std::move(plan.tasks), *shard);
    spdlog::info("shard {} (from {}): {} of {} files", pipeline::to_string(*shard), shard->source, plan.tasks.size(), all);
  }

  if (o.dry_run) {
    if (o.json) {
      nlohmann::json doc = batch_json(plan.tasks, extra);
      doc["dry_run"] = true;
      std::printf("%s\n", io::json_text(doc).c_str());
    } else {
      print_plan(plan.tasks);
    }
    return batch_exit_status(plan.tasks);
  }

  bool report_failed = false;
  pipeline::RunOptions run;
  run.jobs = o.jobs;
  run.quality = o.quality;
  run.png_level = o.png_level;
  run.background = io::parse_background_colour(o.background).value_or(io::BackgroundColour{});
  run.format = o.format;
  run.existing = batch.existing;
  run.accept_damaged = o.accept_damaged;
  run.check_size = memory_check(o.max_memory, o.format, scale);
  run.keep_metadata = !o.strip;
  run.after_save = after_save;
  run.rows_step = rows_step;
  run.claim_outputs = o.skip_existing;
  run.claim_timeout_seconds = o.claim_timeout;
  std::unique_ptr<pipeline::ReportLog> report_log;
  if (!o.report.empty()) report_log = std::make_unique<pipeline::ReportLog>(o.report);
  const pipeline::ReportContext context{label, scale.report, shard};
  BatchReport report(plan.tasks.size(), o.quiet);
  std::mutex report_mutex;  // run_batch calls on_done one at a time; the interrupt watch reads the report too
  InterruptWatch watch([&] {
    std::unique_lock lock(report_mutex, std::defer_lock);
    for (int i = 0; i < 100 && !lock.try_lock(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    report.print_interrupted(resume_command(o.command_line));
  });
  run.stop_requested = [&watch] { return watch.interrupted(); };
  run.on_start = [&](const pipeline::FileTask& t) {
    std::lock_guard lock(report_mutex);
    report.on_start(t);
  };
  pipeline::run_batch(plan.tasks, step, run, [&](const pipeline::FileTask& t) {
    std::lock_guard lock(report_mutex);
    report.on_done(t);
    if (report_log) {
      try {
        report_log->append(pipeline::report_line(t, context));
      } catch (const Error& e) {
        spdlog::error("{}", e.what());
        report_log.reset();  // said once; the batch goes on
        report_failed = true;
      }
    }
  });
  report.print_summary();
  if (o.json) std::printf("%s\n", io::json_text(batch_json(plan.tasks, extra)).c_str());
  else if (!o.quiet && plan.tasks.size() == 1 && plan.tasks[0].status == pipeline::FileStatus::Written && o.output != "-")
    std::printf("%s\n", plan.tasks[0].output.string().c_str());
  return report_failed ? 1 : batch_exit_status(plan.tasks);
}

}  // namespace upsample::app
