#pragma once
// Checkerboard artifacts (DESIGN §5): an upsampler by an integer factor s gives each of
// the s² output phases (y mod s, x mod s) a slightly different gain, which leaves a
// pattern of period s. This measures it on an upscaled image (a heatmap and its scores,
// no reference needed) and on a model (its response to a constant input, and the DC gain
// of each polyphase sub-kernel of a linear last layer).
//
// Every strength is in 8-bit levels of luma: Y (BT.601, as MATLAB's rgb2ycbcr, unrounded)
// for colour images, the grey value itself for grey images; 16-bit images are divided
// by 257 so that their levels mean the same thing.
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "ops/conv_transpose2d.hpp"
#include "tensor/tensor.hpp"

namespace upsample::models {
class Model;
}
namespace upsample::pipeline {
class Upscaler;
}

namespace upsample::analysis {

// Luma in 8-bit levels as CV_32FC1. Takes CV_8U or CV_16U with 1, 3 (BGR) or 4 (BGRA,
// alpha ignored) channels; a CV_32FC1 image is taken to be luma levels already.
cv::Mat luma_levels(const cv::Mat& image);

// The image minus its content: y − L(y), where L averages exactly one period in each
// direction (a box of length s; [½, 1, …, 1, ½]/s of length s + 1 for even s). L keeps
// ramps and turns any period-s pattern into its mean, so the residual holds the pattern
// (minus its mean) and the finest texture. CV_32FC1; the outer s/2 pixels see a mirrored
// border and mean little.
cv::Mat period_residual(const cv::Mat& luma, int scale);

// How the window weighs its blocks in the phase means. Box: all equally, as DESIGN §5
// words it. Hann: tapered to 0 at the window's edges. Both read a uniform pattern of
// standard deviation A as A, but a box window lets strong content near the grid
// frequencies leak in through its side lobes (at ×2, a sinusoid near the low-resolution
// Nyquist frequency reads several levels) and draws bands where an edge crosses the
// window's border; the Hann window suppresses both, so its maps show the pattern only.
enum class WindowShape { Hann, Box };

// "hann" or "box", as reports and options spell it.
inline std::string window_shape_name(WindowShape shape) { return shape == WindowShape::Box ? "box" : "hann"; }

struct CheckerboardOptions {
  int window = 8;  // w: the sliding window is w·s × w·s pixels (w periods each way)
  WindowShape shape = WindowShape::Hann;
};

// The local artifact strength over an image upscaled by `scale`: for the window around
// each s×s block, the (weighted) mean of the residual in each of the s² phases, and the
// standard deviation (population) of those s² means. A pattern whose s² phase offsets
// have standard deviation A reads A. Windows are centred on their block (an even w gets
// half-weight end blocks, as the one-period filter does) and stay one block inside the
// image, where the residual is exact; blocks nearer the edge take the nearest window's value.
struct CheckerboardMap {
  int scale = 1;
  int window = 8;      // periods per window side actually used (fewer on small images)
  cv::Size image_size;
  cv::Mat blocks;      // CV_32FC1, (rows/s) × (cols/s): strength at each s×s block, 8-bit levels

  // The map at image resolution: each block value fills its s×s pixels; rows and
  // columns beyond the last whole block repeat it. CV_32FC1 of image_size.
  cv::Mat per_pixel() const;
};

// Throws upsample::Error when the image is smaller than 3 periods each way, or the scale
// is below 2.
CheckerboardMap checkerboard_map(const cv::Mat& image, int scale, const CheckerboardOptions& options = {});

// Energy of the residual's spectrum at the grid frequencies (k/s, l/s), DC excluded,
// over the mean energy of the bins around each of them (Chebyshev distance 1 to 3), each
// bin counting at least the energy of 8-bit rounding noise. About 1 (or below) when
// nothing repeats with period s over the whole image; a coherent pattern, such as a
// transposed conv's uneven gains, makes it ≫ 1. It measures coherence, not strength: a
// faint but perfectly regular pattern reads high, content-modulated blockiness low.
double spectral_ratio(const cv::Mat& image, int scale);

// How to read the scores, for reports and --help: which first, and what each says.
inline constexpr const char* kCheckerboardReading =
    "Read the checkerboard mean first: how strong the pattern of period s is, in 8-bit levels of luma (p99: "
    "where it is worst; bicubic on a photo reads a few hundredths). The spectral ratio then says how regular it "
    "is: far above 1, one fixed pattern tiles the whole image (a network's uneven phase gains); about 1, nothing "
    "repeats; well below 1 (nearest, area), blocks that null the grid frequencies, a pattern that changes with "
    "the content, so only the mean sees it.";

struct CheckerboardScore {
  double mean = 0.0;            // mean of the map, 8-bit levels
  double p99 = 0.0;             // its 99th percentile, 8-bit levels
  double spectral_ratio = 1.0;  // see spectral_ratio()
};

struct CheckerboardAnalysis {
  CheckerboardMap map;
  CheckerboardScore score;
};

// The map and all the scores of one image upscaled by `scale`.
CheckerboardAnalysis analyse_checkerboard(const cv::Mat& image, int scale, const CheckerboardOptions& options = {});

// Mean and 99th percentile of a map (spectral_ratio left at 1).
CheckerboardScore summarise(const CheckerboardMap& map);

// ---- Model diagnostic -----------------------------------------------------------------

// The s×s phase means of an image inside a border, relative to their own mean.
struct PhasePattern {
  int scale = 1;
  std::vector<double> offsets;  // row-major [y mod s][x mod s], 8-bit levels
  double amplitude = 0.0;       // max − min of the offsets: 0 for a perfect upsampler
  double at(int phase_y, int phase_x) const { return offsets[static_cast<size_t>(phase_y * scale + phase_x)]; }
};

// Phase means of `image` (see luma_levels for types) over the pixels at least `border`
// from every edge. Phases are those of the whole image (y mod s, x mod s).
PhasePattern phase_pattern(const cv::Mat& image, int scale, int border);

// DC gain (sum of the taps) of each polyphase sub-kernel of a linear upscaling layer:
// the taps that feed output phase (a, b), for each input/output channel pair. A linear
// upsampler leaves no checkerboard on a constant input iff, for every channel pair, all
// s² gains are equal (Sugawara et al.).
struct PolyphaseGains {
  int scale = 1;
  int in_channels = 0, out_channels = 0;
  std::vector<double> gains;  // [in][out][a][b]

  double at(int in, int out, int a, int b) const;
  // Σ over input channels for one output channel: the response to all-ones features. s×s.
  std::vector<double> summed_over_inputs(int out) const;
  // Largest max − min over the s² phases of one channel pair.
  double largest_spread() const;
  // Largest |gain|, to judge the spread against.
  double largest_gain() const;
  // True when every channel pair's gains agree within `relative_tolerance` × largest_gain().
  bool equal_dc_gains(double relative_tolerance = 1e-3) const;
};

// For a transposed convolution (weight [Cin, Cout/groups, kH, kW]): output row
// y = i·stride − pad + ky·dilation, so tap ky feeds phase (ky·dilation − pad) mod stride.
// Needs equal strides in both directions.
PolyphaseGains transposed_conv_dc_gains(const Tensor& weight, const ops::ConvTranspose2dParams& params);

// For a convolution followed by a pixel shuffle by `scale` (weight [C·s², Cin, kH, kW]):
// output channel c·s² + a·s + b becomes phase (a, b) of channel c.
PolyphaseGains pixel_shuffle_dc_gains(const Tensor& conv_weight, int scale);

struct ModelDiagnostic {
  double level = 128.0;                 // the constant input, 8-bit levels
  PhasePattern pattern;                 // the model's response to it, inside the border
  std::string last_layer;               // describe() of the upscaling end of the network
  std::optional<PolyphaseGains> gains;  // when that end is linear: transposed conv, or conv + pixel shuffle
};

// Runs the model on a constant image of `level` (8-bit levels; equal RGB for RGB models,
// whose output is then measured on Y) in float, large enough that the border — every
// pixel the zero padding can reach — is left out.
ModelDiagnostic diagnose_model(const models::Model& model, double level = 128.0);

// The same constant-input test through any upscaler (classical methods): a 16-bit
// constant image, so the pattern is measured to 1/257 of a level.
PhasePattern constant_response(const pipeline::Upscaler& upscaler, double level = 128.0);

}  // namespace upsample::analysis
