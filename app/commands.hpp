#pragma once
// Each command lives in its own file: it declares its options on a CLI11 (sub)command
// and returns the action to run once the command line is parsed. The action returns
// the process exit status: 0 all done, 1 some inputs failed, 2 bad usage.
#include <functional>

#include <CLI/CLI.hpp>

namespace upsample::app {

using Action = std::function<int()>;

struct Command {
  CLI::App* cli;  // the subcommand (or the root app for the main job)
  Action run;
};

// The main job: `upsample INPUT... -s N -m METHOD -o OUT` (options on the root app).
// argc/argv give the command that resumes an interrupted batch.
Command add_upscale_command(CLI::App& app, int argc, char** argv);
Command add_eval_command(CLI::App& app);
Command add_deblur_command(CLI::App& app, int argc, char** argv);
Command add_report_command(CLI::App& app);
Command add_estimate_blur_command(CLI::App& app);
Command add_blur_kernel_command(CLI::App& app);
Command add_compare_command(CLI::App& app);
Command add_artifacts_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_models_command(CLI::App& app);
// argc/argv are recorded in the trained model's metadata.
Command add_train_command(CLI::App& app, int argc, char** argv);
// Shell completion scripts and the man page, made from `app`'s whole tree.
Command add_completion_command(CLI::App& app);
Command add_man_command(CLI::App& app);

}  // namespace upsample::app
