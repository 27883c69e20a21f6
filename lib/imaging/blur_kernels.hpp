#pragma once
// Blur kernels (point-spread functions) shared by the deblurring training data, the
// classical deconvolution baselines and the deblurring evaluation. Specs as users type them:
//   gaussian:SIGMA[,SIZE]   isotropic Gaussian, size 2⌈3σ⌉+1 unless given (odd)
//   motion:LENGTH,ANGLE     a line segment LENGTH pixels long at ANGLE degrees
//                           (counter-clockwise from the x axis), anti-aliased by our splat
//   line:LENGTH,ANGLE       the same segment drawn by cv::line (LINE_8, not anti-aliased;
//                           line_kernel.hpp), as other tools' motion kernels are
//   box:N                   N×N uniform average
//   disc:RADIUS             defocus: a uniform disc, anti-aliased (disc_kernel.hpp)
//   shake:SEED[,SIZE]       camera shake: a random trajectory in a SIZE×SIZE box, SIZE odd,
//                           drawn from the seed unless given (shake_kernel.hpp)
//   kernel:FILE             a kernel image; read by deblur::load_blur_kernel (deblur/
//                           kernel_spec.hpp), as imaging/ reads no files
// Every kernel is CV_32FC1, odd-sized, centred, non-negative and sums to 1.
#include <array>
#include <random>
#include <string>

#include <opencv2/core.hpp>

namespace upsample::imaging {

cv::Mat gaussian_kernel(double sigma, int size = 0);  // size 0: 2⌈3σ⌉+1
cv::Mat motion_kernel(double length, double angle_degrees);
cv::Mat box_kernel(int size);

// The spec forms above, for error and help texts: "gaussian:SIGMA[,SIZE], …, kernel:FILE".
std::string blur_spec_forms();
// Parses a spec as above but kernel:FILE; throws Error naming the spec and what is wrong.
cv::Mat parse_blur_kernel(const std::string& spec);

// `kernel` without its outer rings that are all zero, still centred and odd-sized.
cv::Mat trim_kernel(const cv::Mat& kernel);
// The full convolution of two kernels (one blur after the other), normalised and trimmed.
cv::Mat convolve_kernels(const cv::Mat& a, const cv::Mat& b);
// `kernel` moved by bilinear interpolation so that its centre of mass is the centre
// pixel's, to a fraction of a pixel: deconvolving with it then leaves the image where
// it was. Padded by the rings the move needs, trimmed, summing to 1.
cv::Mat centred_on_mass(const cv::Mat& kernel);

// A blur as three numbers, for networks that are told (or estimate) the blur: the kernel's
// second moments about its centre in pixels², (Σxx, Σyy, Σxy) / kBlurCodeScale, x to the
// right and y down. A Gaussian is isotropic and a motion streak a line, so the moments
// give the kind, width, length and direction of every training blur (a streak and its
// 180° turn are the same kernel, and have the same moments).
constexpr int kBlurCodeSize = 3;
constexpr double kBlurCodeScale = 8.0;  // keeps the code of the widest training blurs near 2
using BlurCode = std::array<float, kBlurCodeSize>;
BlurCode blur_code(const cv::Mat& kernel);
// The blur a code describes, as the training blurs are made: a motion streak along the
// major axis, as long as the spread beyond the minor axis asks, convolved with a Gaussian
// of the minor axis's variance (a Gaussian blur: no streak; a motion blur: a streak whose
// anti-aliasing is the small Gaussian). A code that is not a covariance is read as its
// nearest one; clamped to σ ≤ 5 and streaks ≤ 31 px.
struct BlurShape {
  double streak = 1;  // length in pixels, as motion_kernel takes it (1: no streak)
  double angle = 0;   // degrees counter-clockwise from the x axis, in [0, 180)
  double sigma = 0;   // of the Gaussian
};
BlurShape blur_shape(const BlurCode& code);
// That blur as a spec for --psf: "gaussian:1.6" (also when the streak spreads less than
// the Gaussian: the one with the same overall spread), "motion:9,30" (a streak with no
// more spread than its anti-aliasing), or "motion:9,30+gaussian:1.2" (both; not a
// --psf). σ and lengths to 0.1 px, angles to 1°.
std::string describe_blur(const BlurShape& shape);
// True when the shape is a streak spreading more than its Gaussian (the streak's variance
// (streak − 1)² / 12 above σ²); a shorter one is noise in the code, not a direction.
bool spreads_as_streak(const BlurShape& shape);
// Its kernel: back within a few percent of a training kernel's moments, close enough
// for Wiener deconvolution.
cv::Mat kernel_from_blur_code(const BlurCode& code);
// The kernel of a shape: the streak (none up to 1.5 px) convolved with the Gaussian (none
// when σ is 0).
cv::Mat kernel_from_blur_shape(const BlurShape& shape);

// Pixels on each side of the centre (kernel edge / 2).
int kernel_radius(const cv::Mat& kernel);

// Blurs a CV_32F image of any channel count with `kernel` (true convolution, so a motion
// kernel smears the way the PSF says); borders mirrored with the edge pixel repeated.
cv::Mat blur_image(const cv::Mat& image, const cv::Mat& kernel);

// The random blurs of the deblurring training data. The default mix: half Gaussian with σ
// uniform in [0.5, 3], half motion with length uniform in [3, 15] and any angle. The
// real-world mix (real_world_blur.hpp) also has anisotropic Gaussians, streaks by three
// rasterisers, defocus discs, camera shake and combinations, for blurs made elsewhere.
enum class BlurMix { gaussian_motion, real_world };
// What a random kernel is, for tests and logs.
enum class BlurKind { gaussian, anisotropic, motion, line, line_aa, disc, shake, combined };
struct RandomBlurOptions {
  double min_sigma = 0.5, max_sigma = 3.0;     // Gaussians (both axes of an anisotropic one)
  double min_length = 3.0, max_length = 15.0;  // streaks
  double motion_fraction = 0.5;                // gaussian_motion: the share of streaks
  BlurMix mix = BlurMix::gaussian_motion;
  // σ 0.5–3, streaks 3–25 px, the real-world mix.
  static RandomBlurOptions real_world();
};
// `kind`, when given, receives what was drawn.
cv::Mat random_blur_kernel(std::mt19937& rng, const RandomBlurOptions& options = {}, BlurKind* kind = nullptr);
// The widest kernel random_blur_kernel can return, as a radius.
int max_random_kernel_radius(const RandomBlurOptions& options = {});

}  // namespace upsample::imaging
