#pragma once
// The size an upscale is asked for: a factor (-s 2, -s 1.5) or a width and/or height
// (--width 1920), and the exact output size it gives an image.
#include <optional>
#include <string>

#include <opencv2/core.hpp>

namespace upsample::pipeline {

struct TargetSize {
  double factor = 0;  // > 0: each side times this
  int width = 0;      // factor 0: the asked width and/or height; a side left 0 keeps the aspect ratio
  int height = 0;
};

// The largest factor and side the tool is asked for (-s, --width, --height).
inline constexpr double kMaxScaleFactor = 16;
inline constexpr int kMaxSide = 1 << 20;

// -s as typed: a number from 1 to 16 ("2", "1.5"); Error naming the text otherwise.
double parse_scale_factor(const std::string& text);

// The factor as a whole number (-s 2, -s 2.0), for the integer path; nullopt for -s 1.5
// and for a width/height.
std::optional<int> whole_scale(const TargetSize& target);

// What {scale} prints and --json/--report say: "2", "1.5" (the shortest decimal that reads
// back as the factor), "w1920", "h1080", "1920x1080".
std::string scale_text(const TargetSize& target);

// The output size for an input of `input`: each side round(side × factor), half up; for
// a width alone the height is round(height × width / input width) (and the other way
// round); both given, both as asked. Each side at least 1. Throws Error when a side would
// exceed kMaxSide.
cv::Size target_output_size(cv::Size input, const TargetSize& target);

}  // namespace upsample::pipeline
