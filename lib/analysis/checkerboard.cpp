#include "analysis/checkerboard.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include <opencv2/imgproc.hpp>

#include "imaging/colour.hpp"
#include "models/model.hpp"
#include "nn/layers.hpp"
#include "pipeline/method_registry.hpp"
#include "tensor/error.hpp"

namespace upsample::analysis {

namespace {

// MATLAB rgb2ycbcr's luma weights for R, G, B in 8-bit levels.
constexpr double kYOffset = imaging::kLumaOffset;
constexpr double kYFromR = imaging::kLumaFromR / 255.0, kYFromG = imaging::kLumaFromG / 255.0,
                 kYFromB = imaging::kLumaFromB / 255.0;

std::string size_text(cv::Size size) { return std::to_string(size.width) + "×" + std::to_string(size.height); }

void check_scale(int scale) {
  if (scale < 2) throw Error("checkerboard analysis needs a scale of at least 2, got " + std::to_string(scale));
}

// The filter that averages exactly one period: its frequency response is zero at every
// multiple of 1/s, and being symmetric it passes straight lines unchanged.
cv::Mat one_period_kernel(int scale) {
  if (scale % 2 == 1) return cv::Mat(scale, 1, CV_32F, cv::Scalar(1.0 / scale));
  cv::Mat k(scale + 1, 1, CV_32F, cv::Scalar(1.0 / scale));
  k.at<float>(0) = k.at<float>(scale) = static_cast<float>(0.5 / scale);
  return k;
}

bool is_5_smooth(int n) {
  for (const int p : {2, 3, 5})
    while (n % p == 0) n /= p;
  return n == 1;
}

// The largest n' ≤ n whose only prime factors are 2, 3, 5: a size the DFT handles fast.
int largest_5_smooth_at_most(int n) {
  while (n > 1 && !is_5_smooth(n)) --n;
  return std::max(n, 1);
}

int positive_mod(int value, int modulus) { return ((value % modulus) + modulus) % modulus; }

// Weights of the blocks in a window w blocks wide, symmetric about the middle one so that
// each block's value is centred on it: for even w, w + 1 taps whose end taps share one
// block's weight (box: ½ each, as the one-period filter does; Hann: 0 each). Sum 1.
cv::Mat window_weights(int w, WindowShape shape) {
  const int taps = w % 2 == 1 ? w : w + 1;
  cv::Mat weights(taps, 1, CV_64F);
  for (int k = 0; k < taps; ++k) {
    const double x = w % 2 == 1 ? k + 0.5 : k;  // position across the window, 0..w
    const double hann = std::sin(std::numbers::pi * x / w);
    weights.at<double>(k) = shape == WindowShape::Hann ? hann * hann : 1.0;
  }
  if (shape == WindowShape::Box && w % 2 == 0) weights.at<double>(0) = weights.at<double>(taps - 1) = 0.5;
  return weights / cv::sum(weights)[0];
}

}  // namespace

cv::Mat luma_levels(const cv::Mat& image) {
  if (image.empty()) throw Error("cannot measure an empty image");
  if (image.type() == CV_32FC1) return image;
  double to_levels = 1.0;
  if (image.depth() == CV_16U) to_levels = 1.0 / 257.0;
  else if (image.depth() != CV_8U) throw Error("checkerboard analysis takes 8- or 16-bit images");
  const int channels = image.channels();
  if (channels == 1) {
    cv::Mat grey;
    image.convertTo(grey, CV_32F, to_levels);
    return grey;
  }
  if (channels != 3 && channels != 4)
    throw Error("checkerboard analysis takes grey, BGR or BGRA images, not " + std::to_string(channels) + " channels");
  // One row per output channel: B, G, R (and alpha, ignored) weights, then the offset.
  cv::Mat weights = cv::Mat::zeros(1, channels + 1, CV_32F);
  weights.at<float>(0) = static_cast<float>(kYFromB * to_levels);
  weights.at<float>(1) = static_cast<float>(kYFromG * to_levels);
  weights.at<float>(2) = static_cast<float>(kYFromR * to_levels);
  weights.at<float>(channels) = static_cast<float>(kYOffset);
  cv::Mat colour, luma;
  image.convertTo(colour, CV_MAKETYPE(CV_32F, channels));
  cv::transform(colour, luma, weights);
  return luma;
}

cv::Mat period_residual(const cv::Mat& luma, int scale) {
  check_scale(scale);
  if (luma.type() != CV_32FC1) throw Error("period_residual takes a CV_32FC1 luma image");
  const cv::Mat kernel = one_period_kernel(scale);
  if (luma.rows < kernel.rows || luma.cols < kernel.rows)
    throw Error("image " + size_text(luma.size()) + " is smaller than one period of " + std::to_string(scale));
  cv::Mat low;
  cv::sepFilter2D(luma, low, CV_32F, kernel, kernel, cv::Point(-1, -1), 0.0, cv::BORDER_REFLECT_101);
  return luma - low;
}

cv::Mat CheckerboardMap::per_pixel() const {
  cv::Mat pixels;
  cv::resize(blocks, pixels, cv::Size(blocks.cols * scale, blocks.rows * scale), 0, 0, cv::INTER_NEAREST);
  const int extra_rows = image_size.height - pixels.rows, extra_cols = image_size.width - pixels.cols;
  if (extra_rows > 0 || extra_cols > 0)
    cv::copyMakeBorder(pixels, pixels, 0, std::max(extra_rows, 0), 0, std::max(extra_cols, 0), cv::BORDER_REPLICATE);
  return pixels;
}

CheckerboardMap checkerboard_map(const cv::Mat& image, int scale, const CheckerboardOptions& options) {
  check_scale(scale);
  if (options.window < 1) throw Error("the checkerboard window must be at least 1 period, got " + std::to_string(options.window));
  const cv::Mat luma = luma_levels(image);
  const int s = scale;
  const int block_rows = luma.rows / s, block_cols = luma.cols / s;
  if (block_rows < 3 || block_cols < 3)
    throw Error("image " + size_text(luma.size()) + " is too small to measure a pattern of period " + std::to_string(s) +
                ": it needs at least " + std::to_string(3 * s) + "×" + std::to_string(3 * s) + " pixels");
  const cv::Mat residual = period_residual(luma, s);

  // The outer ring of blocks holds the mirrored-border part of the residual: leave it out.
  const int inner_rows = block_rows - 2, inner_cols = block_cols - 2;
  int w = std::min({options.window, inner_rows, inner_cols});
  if (w % 2 == 0 && w + 1 > std::min(inner_rows, inner_cols)) --w;  // an even window needs one more tap
  const cv::Mat weights = window_weights(w, options.shape);
  const int taps = weights.rows, half = taps / 2;

  // Each phase plane's weighted window sums: entry (i, j) is the window whose top-left
  // inner block is (i, j) (valid where the window fits).
  std::vector<cv::Mat> phase_sums(static_cast<size_t>(s * s));
  cv::Mat plane(inner_rows, inner_cols, CV_64F);
  for (int a = 0; a < s; ++a)
    for (int b = 0; b < s; ++b) {
      for (int i = 0; i < inner_rows; ++i) {
        const float* src = residual.ptr<float>((i + 1) * s + a);
        double* dst = plane.ptr<double>(i);
        for (int j = 0; j < inner_cols; ++j) dst[j] = src[(j + 1) * s + b];
      }
      cv::sepFilter2D(plane, phase_sums[static_cast<size_t>(a * s + b)], CV_64F, weights, weights, cv::Point(0, 0), 0.0,
                      cv::BORDER_CONSTANT);
    }

  CheckerboardMap map;
  map.scale = s;
  map.window = w;
  map.image_size = luma.size();
  map.blocks.create(block_rows, block_cols, CV_32F);
  const double phases = static_cast<double>(s) * s;
  std::vector<double> means(static_cast<size_t>(s * s));
  for (int bi = 0; bi < block_rows; ++bi) {
    // The window centred on block bi, in inner-block coordinates, clamped to stay inside.
    const int top = std::clamp(bi - 1 - half, 0, inner_rows - taps);
    float* out = map.blocks.ptr<float>(bi);
    for (int bj = 0; bj < block_cols; ++bj) {
      const int left = std::clamp(bj - 1 - half, 0, inner_cols - taps);
      double total = 0.0;
      for (size_t k = 0; k < means.size(); ++k) {
        means[k] = phase_sums[k].at<double>(top, left);
        total += means[k];
      }
      const double centre = total / phases;
      double variance = 0.0;
      for (const double m : means) variance += (m - centre) * (m - centre);
      out[bj] = static_cast<float>(std::sqrt(variance / phases));
    }
  }
  return map;
}

double spectral_ratio(const cv::Mat& image, int scale) {
  check_scale(scale);
  const cv::Mat luma = luma_levels(image);
  const int s = scale;
  const int block_rows = luma.rows / s, block_cols = luma.cols / s;
  if (block_rows < 3 || block_cols < 3)
    throw Error("image " + size_text(luma.size()) + " is too small to measure a pattern of period " + std::to_string(s));
  const cv::Mat residual = period_residual(luma, s);

  // A whole number of periods (so every grid frequency falls exactly on a bin), inside
  // the outer ring of blocks, and of a size the DFT is fast for.
  const int periods_y = largest_5_smooth_at_most(block_rows - 2), periods_x = largest_5_smooth_at_most(block_cols - 2);
  const int top = 1 + (block_rows - 2 - periods_y) / 2, left = 1 + (block_cols - 2 - periods_x) / 2;
  cv::Mat crop;
  residual(cv::Rect(left * s, top * s, periods_x * s, periods_y * s)).convertTo(crop, CV_64F);
  cv::Mat spectrum;
  cv::dft(crop, spectrum, cv::DFT_COMPLEX_OUTPUT);
  const int rows = spectrum.rows, cols = spectrum.cols;
  auto energy = [&](int u, int v) {
    const cv::Vec2d c = spectrum.at<cv::Vec2d>(positive_mod(u, rows), positive_mod(v, cols));
    return c[0] * c[0] + c[1] * c[1];
  };
  auto is_grid_bin = [&](int u, int v) {
    return positive_mod(u, rows) % periods_y == 0 && positive_mod(v, cols) % periods_x == 0;
  };

  constexpr int kReach = 3;
  double grid_energy = 0.0, neighbour_energy = 0.0;
  int grid_bins = 0;
  for (int k = 0; k < s; ++k)
    for (int l = 0; l < s; ++l) {
      if (k == 0 && l == 0) continue;
      const int u = k * periods_y, v = l * periods_x;
      double around = 0.0;
      int count = 0;
      for (int du = -kReach; du <= kReach; ++du)
        for (int dv = -kReach; dv <= kReach; ++dv) {
          if (is_grid_bin(u + du, v + dv)) continue;  // the bin itself, DC, or another grid bin
          around += energy(u + du, v + dv);
          ++count;
        }
      if (count == 0) continue;
      grid_energy += energy(u, v);
      neighbour_energy += around / count;
      ++grid_bins;
    }
  if (grid_bins == 0) return 1.0;
  // Every bin gets at least the energy of 8-bit rounding noise (variance 1/12 level² per
  // pixel): a pattern too faint to survive rounding to 8 bits (in a 16-bit or float
  // image) then reads about 1 rather than thousands, and a flat image 1 rather than 0/0.
  const double floor = static_cast<double>(rows) * cols / 12.0 * grid_bins;
  return (grid_energy + floor) / (neighbour_energy + floor);
}

CheckerboardScore summarise(const CheckerboardMap& map) {
  CheckerboardScore score;
  if (map.blocks.empty()) return score;
  score.mean = cv::mean(map.blocks)[0];
  std::vector<float> values(map.blocks.begin<float>(), map.blocks.end<float>());
  const auto rank = static_cast<size_t>(std::ceil(0.99 * static_cast<double>(values.size()))) - 1;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank), values.end());
  score.p99 = values[rank];
  return score;
}

CheckerboardAnalysis analyse_checkerboard(const cv::Mat& image, int scale, const CheckerboardOptions& options) {
  const cv::Mat luma = luma_levels(image);  // once, for both measurements
  CheckerboardAnalysis result;
  result.map = checkerboard_map(luma, scale, options);
  result.score = summarise(result.map);
  result.score.spectral_ratio = spectral_ratio(luma, scale);
  return result;
}

// ---- Model diagnostic -----------------------------------------------------------------

PhasePattern phase_pattern(const cv::Mat& image, int scale, int border) {
  check_scale(scale);
  const cv::Mat luma = luma_levels(image);
  const int s = scale;
  if (border < 0 || luma.rows - 2 * border < s || luma.cols - 2 * border < s)
    throw Error("image " + size_text(luma.size()) + " has no whole period inside a border of " + std::to_string(border));
  std::vector<double> sums(static_cast<size_t>(s * s), 0.0);
  std::vector<long> counts(sums.size(), 0);
  for (int y = border; y < luma.rows - border; ++y) {
    const float* row = luma.ptr<float>(y);
    for (int x = border; x < luma.cols - border; ++x) {
      const auto k = static_cast<size_t>((y % s) * s + x % s);
      sums[k] += static_cast<double>(row[x]);
      ++counts[k];
    }
  }
  PhasePattern pattern;
  pattern.scale = s;
  pattern.offsets.resize(sums.size());
  double total = 0.0;
  for (size_t k = 0; k < sums.size(); ++k) {
    pattern.offsets[k] = sums[k] / static_cast<double>(counts[k]);
    total += pattern.offsets[k];
  }
  const double centre = total / static_cast<double>(sums.size());
  for (double& o : pattern.offsets) o -= centre;
  const auto [lo, hi] = std::minmax_element(pattern.offsets.begin(), pattern.offsets.end());
  pattern.amplitude = *hi - *lo;
  return pattern;
}

double PolyphaseGains::at(int in, int out, int a, int b) const {
  return gains[static_cast<size_t>(((in * out_channels + out) * scale + a) * scale + b)];
}

std::vector<double> PolyphaseGains::summed_over_inputs(int out) const {
  std::vector<double> sum(static_cast<size_t>(scale * scale), 0.0);
  for (int in = 0; in < in_channels; ++in)
    for (int a = 0; a < scale; ++a)
      for (int b = 0; b < scale; ++b) sum[static_cast<size_t>(a * scale + b)] += at(in, out, a, b);
  return sum;
}

double PolyphaseGains::largest_spread() const {
  double spread = 0.0;
  const size_t phases = static_cast<size_t>(scale * scale);
  for (size_t pair = 0; pair * phases < gains.size(); ++pair) {
    const auto first = gains.begin() + static_cast<std::ptrdiff_t>(pair * phases);
    const auto [lo, hi] = std::minmax_element(first, first + static_cast<std::ptrdiff_t>(phases));
    spread = std::max(spread, *hi - *lo);
  }
  return spread;
}

double PolyphaseGains::largest_gain() const {
  double largest = 0.0;
  for (const double g : gains) largest = std::max(largest, std::abs(g));
  return largest;
}

bool PolyphaseGains::equal_dc_gains(double relative_tolerance) const {
  return largest_spread() <= relative_tolerance * largest_gain();
}

PolyphaseGains transposed_conv_dc_gains(const Tensor& weight, const ops::ConvTranspose2dParams& params) {
  check_rank4(weight, "transposed convolution weight");
  if (params.stride_h != params.stride_w)
    throw Error("polyphase gains need equal strides, got " + std::to_string(params.stride_h) + " and " +
                std::to_string(params.stride_w));
  const int s = params.stride_h;
  PolyphaseGains g;
  g.scale = s;
  g.in_channels = static_cast<int>(weight.shape()[0]);
  g.out_channels = static_cast<int>(weight.shape()[1]);
  const int kh = static_cast<int>(weight.shape()[2]), kw = static_cast<int>(weight.shape()[3]);
  g.gains.assign(static_cast<size_t>(g.in_channels * g.out_channels * s * s), 0.0);
  for (int in = 0; in < g.in_channels; ++in)
    for (int out = 0; out < g.out_channels; ++out)
      for (int ky = 0; ky < kh; ++ky) {
        const int a = positive_mod(ky * params.dilation_h - params.pad_h, s);
        for (int kx = 0; kx < kw; ++kx) {
          const int b = positive_mod(kx * params.dilation_w - params.pad_w, s);
          g.gains[static_cast<size_t>(((in * g.out_channels + out) * s + a) * s + b)] += static_cast<double>(weight.at(in, out, ky, kx));
        }
      }
  return g;
}

PolyphaseGains pixel_shuffle_dc_gains(const Tensor& conv_weight, int scale) {
  check_rank4(conv_weight, "convolution weight");
  const int s = scale;
  const int conv_out = static_cast<int>(conv_weight.shape()[0]);
  if (s < 1 || conv_out % (s * s) != 0)
    throw Error("a convolution with " + std::to_string(conv_out) + " output channels cannot feed a pixel shuffle by " +
                std::to_string(s));
  PolyphaseGains g;
  g.scale = s;
  g.in_channels = static_cast<int>(conv_weight.shape()[1]);
  g.out_channels = conv_out / (s * s);
  const int kh = static_cast<int>(conv_weight.shape()[2]), kw = static_cast<int>(conv_weight.shape()[3]);
  g.gains.assign(static_cast<size_t>(g.in_channels * g.out_channels * s * s), 0.0);
  for (int out = 0; out < g.out_channels; ++out)
    for (int a = 0; a < s; ++a)
      for (int b = 0; b < s; ++b) {
        const int channel = out * s * s + a * s + b;
        for (int in = 0; in < g.in_channels; ++in) {
          double sum = 0.0;
          for (int ky = 0; ky < kh; ++ky)
            for (int kx = 0; kx < kw; ++kx) sum += static_cast<double>(conv_weight.at(channel, in, ky, kx));
          g.gains[static_cast<size_t>(((in * g.out_channels + out) * s + a) * s + b)] = sum;
        }
      }
  return g;
}

namespace {

const nn::Parameter& weight_of_layer(const nn::Sequential& net, size_t index) {
  const std::string name = std::to_string(index) + ".weight";
  for (const nn::Parameter* p : net.parameters())
    if (p->name == name) return *p;
  throw Error("layer " + std::to_string(index) + " has no weight named '" + name + "'");
}

}  // namespace

ModelDiagnostic diagnose_model(const models::Model& model, double level) {
  const nn::Sequential& net = model.net();
  const int s = model.scale();
  const int channels = model.channels();
  // Enough low-resolution pixels that some outputs see no zero padding at all.
  const int margin = net.halo() + 1;
  constexpr int kMeasured = 8;
  const int size = 2 * margin + kMeasured;
  const Tensor input = Tensor::full(Shape{1, channels, size, size}, static_cast<float>(level / 255.0));
  const Tensor output = model.forward(input);

  const int rows = static_cast<int>(output.shape().h()), cols = static_cast<int>(output.shape().w());
  cv::Mat luma(rows, cols, CV_32F);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x) {
      if (channels == 1) {
        luma.at<float>(y, x) = 255.0f * output.at(0, 0, y, x);
      } else {  // RGB planes in [0, 1]
        const double r = output.at(0, 0, y, x), g = output.at(0, 1, y, x), b = output.at(0, 2, y, x);
        const double value = kYOffset + 255.0 * (kYFromR * r + kYFromG * g + kYFromB * b);
        luma.at<float>(y, x) = static_cast<float>(value);
      }
    }

  ModelDiagnostic d;
  d.level = level;
  d.pattern = phase_pattern(luma, s, margin * s);
  const size_t last = net.size() - 1;
  if (const auto* deconv = dynamic_cast<const nn::ConvTranspose2d*>(&net[last])) {
    d.last_layer = deconv->describe();
    d.gains = transposed_conv_dc_gains(weight_of_layer(net, last).value, deconv->params());
  } else if (dynamic_cast<const nn::PixelShuffle*>(&net[last]) != nullptr && last > 0 &&
             dynamic_cast<const nn::Conv2d*>(&net[last - 1]) != nullptr) {
    d.last_layer = net[last - 1].describe() + " + " + net[last].describe();
    d.gains = pixel_shuffle_dc_gains(weight_of_layer(net, last - 1).value, s);
  } else {
    d.last_layer = net[last].describe();
  }
  return d;
}

PhasePattern constant_response(const pipeline::Upscaler& upscaler, double level) {
  constexpr int kSize = 48, kBorder = 16;  // wider than any classical kernel's reach
  const cv::Mat flat(kSize, kSize, CV_16UC1, cv::Scalar(std::round(level * 257.0)));
  const int s = upscaler.scale();
  return phase_pattern(upscaler.upscale(flat), s, kBorder * s);
}

}  // namespace upsample::analysis
