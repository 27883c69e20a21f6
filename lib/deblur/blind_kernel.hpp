#pragma once
// Reading the whole blur kernel off a blurred image, for blurs that no three-number code
// describes (camera shake, bent or long streaks). Coarse to fine over an image pyramid;
// each level alternates two least-squares steps in the Fourier domain:
//   - a sharp image with sparse gradients, min ‖k∗x − y‖² + λ‖∇x‖₀ by half-quadratic
//     splitting (Xu, Zheng & Jia 2013; Pan et al. 2014): only the strong edges survive,
//     and they are what tells the blur apart from the image;
//   - the kernel that blurs those edges' gradients into the blurred image's, with a ridge
//     relative to their power, then cut: taps below a tenth of the peak and groups of
//     taps with little of the mass go (no real blur has them), and the kernel is
//     re-centred on its centroid (to the nearest pixel; imaging::centred_on_mass moves it
//     the rest of the way) so that deconvolving with it does not shift the image.
// λ shrinks over the iterations, so finer edges join once the kernel is roughly right.
#include <opencv2/core.hpp>

namespace upsample::deblur {

constexpr int kMinBlindSide = 32;
constexpr int kBlindSearchArea = 1024;  // the region is looked for within the central area of this side

struct BlindKernelOptions {
  int max_size = 31;         // odd: the widest kernel looked for (a 25 px streak fits with room)
  int region = 320;          // read over the region of at most region² pixels with the most edges
  int iterations = 5;        // of the two steps, per pyramid level
  double lambda = 4e-3;      // the L0 weight at the coarsest level, divided by 1.1 per iteration
  double min_lambda = 1e-4;  // down to this
  double ridge = 0.02;       // the kernel step's ridge, as a share of the edges' mean power
  double keep = 0.1;         // taps below keep × the peak are dropped,
  double speck = 0.1;        // and 8-connected groups of taps with less than this share of the mass
};

// The blur kernel of `y` (CV_32FC1 in [0, 1], at least kMinBlindSide on each side): odd, square, centred,
// non-negative, summing to 1, at most max_size wide (zero outer rings trimmed).
cv::Mat estimate_blur_kernel(const cv::Mat& y, const BlindKernelOptions& options = {});

// The parts, exposed for tests. Both work on periodic images (what the FFT assumes).
// The sharp image with sparse gradients under `kernel`, for weight `lambda`.
cv::Mat sparse_gradient_image(const cv::Mat& blurred, const cv::Mat& kernel, double lambda);
// The size×size kernel that blurs `sharp`'s gradients into `blurred`'s, read where
// `window` (same size, 0..1) is non-zero; cut and re-centred as above.
cv::Mat kernel_from_gradients(const cv::Mat& sharp, const cv::Mat& blurred, const cv::Mat& window, int size,
                              const BlindKernelOptions& options = {});

}  // namespace upsample::deblur
