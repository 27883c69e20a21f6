#pragma once
// The options every file-to-file command shares (main job, deblur): inputs, output
// naming, formats, safety, parallelism and reporting; and running such a batch.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "pipeline/batch.hpp"
#include "pipeline/memory_estimate.hpp"

namespace upsample::app {

struct BatchCliOptions {
  std::vector<std::string> inputs;
  std::string files_from;                 // a list of inputs, "-" = stdin
  bool null_separated = false;            // -0: the list is NUL-separated
  std::optional<std::string> shard;       // --shard I/N
  std::optional<int> shards;              // --shards N, with a scheduler's index
  std::optional<double> claim_timeout;    // seconds after which any claim is stale
  std::string report;                     // --report FILE: JSON lines, appended
  std::vector<std::string> command_line;  // argv, for the command that resumes
  std::string output;
  bool recursive = false;
  std::string name_template = "{stem}_{method}_x{scale}.{ext}";
  std::string format;
  std::optional<int> quality;
  std::optional<int> png_level;         // --png-level 0..9
  std::string background = "white";     // --background: what alpha is flattened onto
  bool overwrite = false;
  bool skip_existing = false;
  bool accept_damaged = false;
  std::string max_memory;  // empty: kDefaultMemoryShare of the machine's
  bool strip = false;
  bool dry_run = false;
  bool json = false;
  int jobs = 1;
  bool quiet = false;
  int verbose = 0;
};

// Declares the shared options on `cmd`; `default_name` is the --name default.
void add_batch_options(CLI::App& cmd, BatchCliOptions& o, const std::string& default_name);

// How a batch scales its images: what fills {scale} and "scale" in --report lines, and
// each image's peak memory (from its header) with the words that say what was asked.
struct BatchScale {
  pipeline::ScaleText text = 2;
  nlohmann::json report = 2;
  std::function<std::uint64_t(const io::ImageHeader&, const std::string& output_extension)> peak_bytes;
  std::function<std::string(const io::ImageHeader&)> describe;  // "640x480 x2", "640x480 x1.5", "640x480 to w1920"
};
// A whole scale, estimated by pipeline::estimated_peak_bytes.
BatchScale whole_batch_scale(int scale, pipeline::MethodKind kind);

// Plans and runs the batch: `step` turns one loaded image into its result. `label` and
// `scale` fill the name template; `scale` estimates each image's memory; `extra` goes
// into the --json document; `after_save` runs after each output is written; `rows_step`,
// when given, makes a result band by band as it is written instead of `step` where it can.
int run_batch_command(const BatchCliOptions& o, const std::string& label, const BatchScale& scale,
                      const pipeline::ImageStep& step, const nlohmann::json& extra,
                      const pipeline::AfterSave& after_save = {}, const pipeline::RowsStep& rows_step = {});
int run_batch_command(const BatchCliOptions& o, const std::string& label, int scale, pipeline::MethodKind kind,
                      const pipeline::ImageStep& step, const nlohmann::json& extra,
                      const pipeline::AfterSave& after_save = {}, const pipeline::RowsStep& rows_step = {});

// --denoise as the main job, compare and eval take it (checked when parsed).
void add_denoise_option(CLI::App& cmd, std::string& denoise);
// --tile: 0 (automatic) or an edge of at least kMinTile input pixels.
void add_tile_option(CLI::App& cmd, int& tile, const std::string& description);

// -s of a command that takes whole scales only (eval, compare): refuses "1.5" saying so,
// before the range check would call it out of range.
CLI::Validator whole_scale_only(const std::string& command);

// Applies -q / -v to the logger.
void apply_verbosity(bool quiet, int verbose);

}  // namespace upsample::app
