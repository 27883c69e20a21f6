#include "deblur/blind_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "deblur/classical.hpp"
#include "tensor/error.hpp"

namespace upsample::deblur {

namespace {

cv::Mat forward(const cv::Mat& plane) {
  cv::Mat spectrum;
  cv::dft(plane, spectrum, cv::DFT_COMPLEX_OUTPUT);
  return spectrum;
}

cv::Mat inverse(const cv::Mat& spectrum) {
  cv::Mat plane;
  cv::idft(spectrum, plane, cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
  return plane;
}

// Forward differences with wrap-around: gx(p) = x(p + 1 column) − x(p), likewise gy.
void periodic_gradients(const cv::Mat& x, cv::Mat& gx, cv::Mat& gy) {
  gx.create(x.size(), CV_32F);
  gy.create(x.size(), CV_32F);
  const int rows = x.rows, cols = x.cols;
  for (int r = 0; r < rows; ++r) {
    const float* row = x.ptr<float>(r);
    const float* below = x.ptr<float>((r + 1) % rows);
    float* ox = gx.ptr<float>(r);
    float* oy = gy.ptr<float>(r);
    for (int c = 0; c < cols; ++c) {
      ox[c] = row[(c + 1) % cols] - row[c];
      oy[c] = below[c] - row[c];
    }
  }
}

// The adjoint of periodic_gradients applied to (gx, gy): gx(p − 1) − gx(p) + gy(p − 1 row) − gy(p).
void gradient_adjoint(const cv::Mat& gx, const cv::Mat& gy, cv::Mat& out) {
  out.create(gx.size(), CV_32F);
  const int rows = gx.rows, cols = gx.cols;
  for (int r = 0; r < rows; ++r) {
    const float* hx = gx.ptr<float>(r);
    const float* vy = gy.ptr<float>(r);
    const float* above = gy.ptr<float>((r + rows - 1) % rows);
    float* o = out.ptr<float>(r);
    for (int c = 0; c < cols; ++c) o[c] = hx[(c + cols - 1) % cols] - hx[c] + above[c] - vy[c];
  }
}

// |F(∇)|² of the two forward differences on a rows×cols grid.
cv::Mat gradient_power(int rows, int cols) {
  cv::Mat power(rows, cols, CV_32F);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      const double wy = 2 * CV_PI * r / rows, wx = 2 * CV_PI * c / cols;
      power.at<float>(r, c) = static_cast<float>(2 - 2 * std::cos(wx) + 2 - 2 * std::cos(wy));
    }
  return power;
}

// |z|² of each complex value.
cv::Mat power_of(const cv::Mat& spectrum) {
  std::vector<cv::Mat> parts;
  cv::split(spectrum, parts);
  return parts[0].mul(parts[0]) + parts[1].mul(parts[1]);
}

// Complex `spectrum` divided by the real `denominator`, value by value, in place; `parts`
// is scratch.
void divide_in_place(cv::Mat& spectrum, const cv::Mat& denominator, std::vector<cv::Mat>& parts) {
  cv::split(spectrum, parts);
  cv::divide(parts[0], denominator, parts[0]);
  cv::divide(parts[1], denominator, parts[1]);
  cv::merge(parts, spectrum);
}

// conj(a)·b, value by value.
cv::Mat conj_times(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat out;
  cv::mulSpectrums(b, a, out, 0, /*conjB=*/true);
  return out;
}

// Zero outer rings dropped, the kernel staying centred and odd.
cv::Mat trim_zero_rings(const cv::Mat& kernel) {
  const int c = kernel.rows / 2;
  int r = c;
  while (r > 0) {
    const cv::Rect inner(c - r + 1, c - r + 1, 2 * r - 1, 2 * r - 1);
    if (cv::countNonZero(kernel) != cv::countNonZero(kernel(inner))) break;
    --r;
  }
  return kernel(cv::Rect(c - r, c - r, 2 * r + 1, 2 * r + 1)).clone();
}

// Drops the 8-connected groups of taps holding less than `share` of the kernel's mass:
// the scattered taps noise leaves, which no real blur has.
void drop_specks(cv::Mat& kernel, double share) {
  cv::Mat labels;
  const int groups = cv::connectedComponents(kernel > 0, labels, 8, CV_32S);
  std::vector<double> mass(static_cast<size_t>(groups), 0.0);
  for (int y = 0; y < kernel.rows; ++y)
    for (int x = 0; x < kernel.cols; ++x) mass[static_cast<size_t>(labels.at<int>(y, x))] += static_cast<double>(kernel.at<float>(y, x));
  const double total = cv::sum(kernel)[0];
  for (int y = 0; y < kernel.rows; ++y)
    for (int x = 0; x < kernel.cols; ++x)
      if (mass[static_cast<size_t>(labels.at<int>(y, x))] < share * total) kernel.at<float>(y, x) = 0;
}

// Moves the kernel by whole pixels so that its centroid is the centre tap.
cv::Mat recentred(const cv::Mat& kernel) {
  const cv::Moments m = cv::moments(kernel);
  if (!(m.m00 > 0)) return kernel;
  const int r = kernel.rows / 2;
  const int dx = static_cast<int>(std::lround(m.m10 / m.m00)) - r, dy = static_cast<int>(std::lround(m.m01 / m.m00)) - r;
  if (dx == 0 && dy == 0) return kernel;
  cv::Mat out = cv::Mat::zeros(kernel.size(), CV_32F);
  const cv::Rect all(0, 0, kernel.cols, kernel.rows);
  const cv::Rect source = all & (all + cv::Point(dx, dy));
  kernel(source).copyTo(out(source - cv::Point(dx, dy)));
  return out;
}

// The kernel resized to size×size, non-negative and summing to 1.
cv::Mat resized_kernel(const cv::Mat& kernel, int size) {
  cv::Mat out;
  if (kernel.rows == size) out = kernel.clone();
  else cv::resize(kernel, out, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
  out = cv::max(out, 0.0f);
  const double total = cv::sum(out)[0];
  if (total > 0) out /= total;
  return out;
}

// 1 inside, rising as a raised cosine over `ramp` pixels from `start` on each side.
std::vector<float> taper(int length, int start, int end, int ramp) {
  std::vector<float> w(static_cast<size_t>(length), 0.0f);
  for (int i = 0; i < length; ++i) {
    const int d = std::min(i - start, end - 1 - i);
    if (d < 0) continue;
    w[static_cast<size_t>(i)] = d >= ramp ? 1.0f : static_cast<float>(0.5 - 0.5 * std::cos(CV_PI * (d + 1) / (ramp + 1)));
  }
  return w;
}

// The at most side×side window of `y` with the most gradient energy, on a grid
// of 16 px steps.
cv::Rect busiest_region(const cv::Mat& y, int side) {
  const int h = std::min(side, y.rows), w = std::min(side, y.cols);
  cv::Mat gx, gy, energy, sums;
  cv::Sobel(y, gx, CV_32F, 1, 0);
  cv::Sobel(y, gy, CV_32F, 0, 1);
  energy = gx.mul(gx) + gy.mul(gy);
  cv::integral(energy, sums, CV_64F);
  cv::Rect best(0, 0, w, h);
  double most = -1;
  for (int top = 0;; top = std::min(top + 16, y.rows - h)) {
    for (int left = 0;; left = std::min(left + 16, y.cols - w)) {
      const double e = sums.at<double>(top + h, left + w) - sums.at<double>(top, left + w) -
                       sums.at<double>(top + h, left) + sums.at<double>(top, left);
      if (e > most) {
        most = e;
        best = cv::Rect(left, top, w, h);
      }
      if (left == y.cols - w) break;
    }
    if (top == y.rows - h) break;
  }
  return best;
}

// The size×size block of a periodic plane around (0, 0), as a centred kernel.
cv::Mat centred_block(const cv::Mat& plane, int size) {
  const int r = size / 2;
  cv::Mat block(size, size, CV_32F);
  for (int y = -r; y <= r; ++y)
    for (int x = -r; x <= r; ++x)
      block.at<float>(y + r, x + r) = plane.at<float>((y + plane.rows) % plane.rows, (x + plane.cols) % plane.cols);
  return block;
}

}  // namespace

cv::Mat sparse_gradient_image(const cv::Mat& blurred, const cv::Mat& kernel, double lambda) {
  const cv::Mat k_spectrum = psf_spectrum(kernel, blurred.rows, blurred.cols);
  const cv::Mat data = conj_times(k_spectrum, forward(blurred));
  const cv::Mat k_power = power_of(k_spectrum);
  const cv::Mat grad_power = gradient_power(blurred.rows, blurred.cols);
  // Every buffer is allocated once and reused over the steps (large blocks cost page
  // faults, most of all under AddressSanitizer, which maps each one anew).
  cv::Mat x = blurred.clone(), gx, gy, adjoint, spectrum, numerator, denominator;
  std::vector<cv::Mat> parts;
  constexpr double kMaxBeta = 1e5, kBetaGrowth = 2;
  for (double beta = 2 * lambda; beta < kMaxBeta; beta *= kBetaGrowth) {
    // The auxiliary gradients: kept where strong enough to pay their L0 cost λ/β.
    periodic_gradients(x, gx, gy);
    const double threshold = lambda / beta;
    for (int r = 0; r < x.rows; ++r) {
      float* hx = gx.ptr<float>(r);
      float* vy = gy.ptr<float>(r);
      for (int c = 0; c < x.cols; ++c)
        if (static_cast<double>(hx[c] * hx[c] + vy[c] * vy[c]) < threshold) hx[c] = vy[c] = 0;
    }
    // x minimising ‖k∗x − y‖² + β‖∇x − g‖²: diagonal in frequency.
    gradient_adjoint(gx, gy, adjoint);
    cv::dft(adjoint, spectrum, cv::DFT_COMPLEX_OUTPUT);
    numerator = data + spectrum * beta;
    denominator = k_power + grad_power * beta;
    divide_in_place(numerator, denominator, parts);
    cv::idft(numerator, x, cv::DFT_SCALE | cv::DFT_REAL_OUTPUT);
  }
  return x;
}

cv::Mat kernel_from_gradients(const cv::Mat& sharp, const cv::Mat& blurred, const cv::Mat& window, int size,
                              const BlindKernelOptions& o) {
  cv::Mat sx, sy, bx, by;
  periodic_gradients(sharp, sx, sy);
  periodic_gradients(blurred, bx, by);
  const cv::Mat SX = forward(sx.mul(window)), SY = forward(sy.mul(window));
  const cv::Mat BX = forward(bx.mul(window)), BY = forward(by.mul(window));
  const cv::Mat power = power_of(SX) + power_of(SY);
  // k = Σ conj(S)·B / (Σ |S|² + ridge), read off around the origin.
  const double ridge = o.ridge * cv::mean(power)[0] + 1e-12;
  cv::Mat quotient = conj_times(SX, BX) + conj_times(SY, BY);
  std::vector<cv::Mat> parts;
  divide_in_place(quotient, power + ridge, parts);
  cv::Mat kernel = centred_block(inverse(quotient), size);
  kernel = cv::max(kernel, 0.0f);
  double peak = 0;
  cv::minMaxLoc(kernel, nullptr, &peak);
  if (!(peak > 0)) {  // no edges to read: no blur
    kernel.setTo(0);
    kernel.at<float>(size / 2, size / 2) = 1;
    return kernel;
  }
  kernel.setTo(0, kernel < static_cast<float>(o.keep * peak));
  drop_specks(kernel, o.speck);
  kernel = recentred(kernel);
  kernel /= cv::sum(kernel)[0];
  return kernel;
}

cv::Mat estimate_blur_kernel(const cv::Mat& y, const BlindKernelOptions& o) {
  if (y.type() != CV_32FC1) throw Error("blur kernel estimate: expects one CV_32F plane");
  if (y.rows < kMinBlindSide || y.cols < kMinBlindSide)
    throw Error("blur kernel estimate: the image must be at least " + std::to_string(kMinBlindSide) + " pixels on each side");
  if (o.max_size < 3 || o.max_size % 2 == 0 || o.max_size > 101)
    throw Error("blur kernel estimate: the kernel size must be odd, 3..101");
  // Looked for within the central area of a large photo, which bounds time and memory.
  const int area_rows = std::min(y.rows, kBlindSearchArea), area_cols = std::min(y.cols, kBlindSearchArea);
  const cv::Mat central = y(cv::Rect((y.cols - area_cols) / 2, (y.rows - area_rows) / 2, area_cols, area_rows));
  const cv::Mat region = central(busiest_region(central, o.region));
  // Kernel sizes from the finest level down, each level 1/√2 of the next finer.
  std::vector<int> sizes{o.max_size};
  while (sizes.back() > 5) sizes.push_back(std::max(3, static_cast<int>(std::lround(sizes.back() / std::sqrt(2.0))) | 1));
  cv::Mat kernel = cv::Mat::zeros(3, 3, CV_32F);
  kernel.at<float>(1, 1) = 1;
  double lambda = o.lambda;
  for (auto level = sizes.rbegin(); level != sizes.rend(); ++level) {
    const int size = *level;
    cv::Mat small;
    if (size == o.max_size) small = region;
    else {
      const double scale = static_cast<double>(size) / o.max_size;
      cv::resize(region, small, cv::Size(), scale, scale, cv::INTER_AREA);
    }
    kernel = resized_kernel(kernel, size);
    // Mirrored margins of a kernel's width make the blurred image nearly periodic; the
    // kernel step reads only the image itself, tapered in over half a kernel.
    const int margin = size;
    const int rows = cv::getOptimalDFTSize(small.rows + 2 * margin), cols = cv::getOptimalDFTSize(small.cols + 2 * margin);
    cv::Mat padded;
    cv::copyMakeBorder(small, padded, margin, rows - small.rows - margin, margin, cols - small.cols - margin,
                       cv::BORDER_REFLECT);
    const int ramp = size / 2 + 1;
    const std::vector<float> wr = taper(rows, margin, margin + small.rows, ramp);
    const std::vector<float> wc = taper(cols, margin, margin + small.cols, ramp);
    const cv::Mat window = cv::Mat(wr, true) * cv::Mat(wc, true).t();
    for (int i = 0; i < o.iterations; ++i) {
      kernel = kernel_from_gradients(sparse_gradient_image(padded, kernel, lambda), padded, window, size, o);
      lambda = std::max(lambda / 1.1, o.min_lambda);
    }
  }
  return trim_zero_rings(kernel);
}

}  // namespace upsample::deblur
