#include "checkerboard_options.hpp"

#include <sstream>

namespace upsample::app {

void add_checkerboard_options(CLI::App& cmd, CheckerboardCliOptions& o) {
  cmd.add_option("-w,--window", o.window, "Checkerboard window side in periods (w*s pixels)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd.add_option("--window-shape", o.window_shape,
                 "hann: tapered window, no leakage from strong content; box: plain mean (DESIGN section 5)")
      ->check(CLI::IsMember({"hann", "box"}))
      ->capture_default_str();
  cmd.add_option("--max-level", o.max_level, "Top of the fixed colour scale, 8-bit levels")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

std::string checkerboard_reading_help() {
  constexpr size_t kWidth = 88;
  std::string text, line;
  std::istringstream words(analysis::kCheckerboardReading);
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > kWidth) {
      text += line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return text + line + "\n";
}

analysis::CheckerboardOptions checkerboard_options(const CheckerboardCliOptions& o) {
  return {o.window, o.window_shape == "box" ? analysis::WindowShape::Box : analysis::WindowShape::Hann};
}

}  // namespace upsample::app
