#pragma once
// The checkerboard-map options that `artifacts` and `compare` share: the window the
// strength is measured over and the colour scale of the heatmaps.
#include <string>

#include <CLI/CLI.hpp>

#include "analysis/checkerboard.hpp"

namespace upsample::app {

struct CheckerboardCliOptions {
  int window = 8;                     // -w: side in periods
  std::string window_shape = "hann";  // --window-shape: hann or box
  double max_level = 4.0;             // --max-level: top of the colour scale, 8-bit levels
};

// Declares -w/--window, --window-shape and --max-level on `cmd`, bound to `o`.
void add_checkerboard_options(CLI::App& cmd, CheckerboardCliOptions& o);

// analysis::kCheckerboardReading wrapped for a --help footer, ending in a newline.
std::string checkerboard_reading_help();

// The window options as the analysis library takes them.
analysis::CheckerboardOptions checkerboard_options(const CheckerboardCliOptions& o);

}  // namespace upsample::app
