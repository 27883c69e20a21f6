#pragma once
// Each command lives in its own file: it declares its options on a CLI11 (sub)command
// and returns the action to run once the command line is parsed. The action returns
// the process exit status: 0 all done, 1 some inputs failed, 2 bad usage.
#include <functional>

#include <CLI/CLI.hpp>

namespace upsample::app {

using Action = std::function<int()>;

// The main job: `upsample INPUT... -s N -m METHOD -o OUT` (options on the root app).
Action add_upscale_command(CLI::App& app);

}  // namespace upsample::app
