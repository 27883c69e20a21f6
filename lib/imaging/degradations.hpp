#pragma once
// The damage real photos carry — optical blur, a careless downscale, sensor noise, JPEG —
// applied to clean images: randomly per patch to train networks that clean it up (as
// BSRGAN and Real-ESRGAN synthesise their training inputs), and deterministically to
// evaluate on damaged inputs.
//
// Every step takes and returns an 8-bit image (grey or BGR, channels kept), rounded and
// saturated as an image file would be between the programs that made it.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace upsample::imaging {

// How an image is shrunk. Only MATLAB's bicubic and area average the pixels they drop;
// the others alias when shrinking, as many web and app pipelines do.
enum class DownscaleKernel {
  matlab_bicubic,  // uint8(imresize(double(HR), 1/s, 'bicubic')): antialiased, the SR benchmarks' LR
  bilinear,        // cv::resize INTER_LINEAR: two taps per axis whatever the scale, no antialiasing
  area,            // cv::resize INTER_AREA: the mean of each s×s block
  plain_cubic,     // cv::resize INTER_CUBIC: a = -0.75, four taps, no antialiasing
  nearest,         // cv::resize INTER_NEAREST_EXACT: Pillow's nearest (pixel-centre sampling)
};
// Names as specs use them: "bicubic", "bilinear", "area", "cubic", "nearest".
std::string downscale_kernel_name(DownscaleKernel kernel);

// One step of damage.
struct DegradationStep {
  enum class Kind { blur, downscale, noise, jpeg };
  Kind kind = Kind::downscale;
  // blur: Gaussian with σ blur_sigma_x along the direction blur_angle (degrees counter-
  // clockwise from the x axis) and blur_sigma_y across it, in pixels of its input.
  double blur_sigma_x = 0, blur_sigma_y = 0, blur_angle = 0;
  // downscale: crops to a multiple of `scale`, then shrinks by it with `kernel`.
  DownscaleKernel kernel = DownscaleKernel::matlab_bicubic;
  int scale = 1;
  // noise: Gaussian, σ in 8-bit levels; independent per channel, or (grey_noise) one
  // value added to all channels of a pixel, as luminance-only noise looks.
  double noise_sigma = 0;
  bool grey_noise = false;
  // jpeg: encoded at this quality (1..100; colour with 4:2:0 chroma) and decoded again,
  // through OpenCV's libjpeg.
  int jpeg_quality = 0;

  static DegradationStep blur(double sigma_x, double sigma_y = -1, double angle_degrees = 0);  // sigma_y < 0: = sigma_x
  static DegradationStep downscale(DownscaleKernel kernel, int scale);
  static DegradationStep noise(double sigma, bool grey = false);
  static DegradationStep jpeg(int quality);
  // "blur:1.2" (or "blur:1.2,0.6,30" when anisotropic), "downscale:area,x2", "noise:5,grey", "jpeg:75".
  std::string text() const;
};

// Steps applied in order.
struct Degradation {
  std::vector<DegradationStep> steps;
  std::string text() const;  // the steps' texts joined with '+'; "none" without steps
};

// Applies `damage` to a CV_8U image (1 or 3 channels); noise is drawn from `rng`.
// Returns CV_8U with the input's channels (smaller after a downscale).
cv::Mat apply_degradation(const cv::Mat& image_u8, const Degradation& damage, std::mt19937& rng);

// Gaussian kernel (CV_32FC1, odd, centred, sums to 1) with σ sigma_x along angle_degrees
// and sigma_y across it; size 2⌈3·max σ⌉+1. Equal sigmas give imaging::gaussian_kernel.
cv::Mat anisotropic_gaussian_kernel(double sigma_x, double sigma_y, double angle_degrees);

// ---- Evaluation: one fixed damage, as a user's damaged LR file would have. ----
//
// Specs as users type them (one per --degrade, or several joined with '+'):
//   jpeg:Q          JPEG at quality Q (1..100)
//   noise:S         Gaussian noise of σ S 8-bit levels on each channel; noise:S,grey the
//                   same value on all channels of a pixel
//   downscale:K     how the HR is shrunk: bicubic (MATLAB's, the default), bilinear, area,
//                   cubic (OpenCV's, no antialiasing), nearest
//   blur:S          Gaussian blur of σ S HR pixels before the downscale
struct DamageSpec {
  DownscaleKernel downscale = DownscaleKernel::matlab_bicubic;
  double blur_sigma = 0;   // HR pixels; 0: none
  double noise_sigma = 0;  // 8-bit levels; 0: none
  bool grey_noise = false;
  int jpeg_quality = 0;    // 0: not JPEG-compressed
  // The non-default parts in canonical form joined with '+' ("blur:1+noise:5,grey+jpeg:75"),
  // or "downscale:bicubic" when there are none; parse_damage_specs reads it back.
  std::string text() const;
};
// Throws Error naming the bad spec and listing the valid forms; a kind given twice is an error.
DamageSpec parse_damage_specs(const std::vector<std::string>& specs);
// The steps of the evaluation protocol: blur (if any), downscale by `scale`, noise, JPEG.
Degradation degradation_of(const DamageSpec& damage, int scale);
// The damaged LR of a CV_8U HR (grey or BGR): cropped to a multiple of scale, then the
// steps of degradation_of, noise drawn from `seed` so a run repeats. CV_8U, HR's channels,
// size HR/scale.
cv::Mat damaged_lr(const cv::Mat& hr_u8, int scale, const DamageSpec& damage, uint32_t seed = 1);

// ---- Training: each patch gets its own random damage. ----
struct RandomDamageOptions {
  // Blur before the downscale; σ uniform in [min, max] HR pixels at scale 2, times √(s/2)
  // at scale s (a wider downscale hides more blur). Anisotropic blurs draw both σ and an angle.
  // Mild: the model is not told the blur, so a strong one teaches it to sharpen every input
  // and costs it on sharp ones (weights/HISTORY.md, session 31).
  double blur_probability = 0.3;
  double blur_sigma_min = 0.2, blur_sigma_max = 0.6;
  double anisotropic_fraction = 0.5;
  // The downscale kernel, drawn in proportion to the weights.
  struct WeightedKernel {
    DownscaleKernel kernel;
    double weight;
  };
  std::vector<WeightedKernel> downscale_kernels = {{DownscaleKernel::matlab_bicubic, 2},
                                                   {DownscaleKernel::bilinear, 1},
                                                   {DownscaleKernel::area, 1},
                                                   {DownscaleKernel::plain_cubic, 1}};
  // Noise σ uniform in [min, max] 8-bit levels.
  double noise_probability = 0.5;
  double noise_sigma_min = 1, noise_sigma_max = 15;
  double grey_noise_fraction = 0.4;
  // JPEG quality uniform in [min, max].
  double jpeg_probability = 0.7;
  int jpeg_quality_min = 30, jpeg_quality_max = 95;
  // Noise usually comes first (the sensor, then the encoder); sometimes a JPEG is noised
  // afterwards (scans, screenshots, re-processing).
  double jpeg_before_noise_probability = 0.25;
  // A JPEG saved again (the web re-encodes uploads), quality drawn from the same range.
  double second_jpeg_probability = 0.1;
  // No noise and no JPEG at all, so the network learns to leave clean inputs alone (on
  // top of the patches whose draws happen to skip both).
  double clean_probability = 0.1;
};
// Throws Error when an option is out of range (probabilities in [0, 1], min ≤ max, ...).
void check_random_damage(const RandomDamageOptions& options);

// What was done to one patch; the network may be told it as condition planes.
struct DamageDrawn {
  double jpeg_quality = 0;  // the lowest quality it was saved at; 0: not JPEG-compressed
  double noise_sigma = 0;   // 8-bit levels (the root of the summed variances); 0: none
  bool grey_noise = false;
  double blur_sigma_x = 0, blur_sigma_y = 0;  // HR pixels; 0: no blur
  DownscaleKernel downscale = DownscaleKernel::matlab_bicubic;
  double aliasing = 1;  // downscale_aliasing (aliasing_level.hpp) of the blur and the shrink
};
DamageDrawn damage_drawn(const Degradation& damage);

// A random damage for a patch at `scale`: blur (maybe), downscale, then noise and JPEG (each
// maybe, in either order), and maybe a second JPEG.
Degradation random_degradation(int scale, const RandomDamageOptions& options, std::mt19937& rng);
// hr_u8: a CV_8U BGR or grey HR patch with a margin around what is used, so blur and
// downscale read real pixels. Cropped to a multiple of scale, then given a
// random_degradation. Returns CV_8U, same channels, HR/scale; `drawn` (if given) says what was done.
cv::Mat random_damaged_lr(const cv::Mat& hr_u8, int scale, const RandomDamageOptions& options, std::mt19937& rng,
                          DamageDrawn* drawn = nullptr);
// The LR pixels around a patch that the blur and downscale kernels of `options` read.
int random_damage_margin(int scale, const RandomDamageOptions& options);

// Training options as users type them (`upsample train --damage jpeg=30-95 --damage noise=0-15`),
// applied in order on top of the defaults:
//   blur=A-B | blur=off        blur σ range (HR pixels at scale 2); off: no blur
//   blur-probability=P         anisotropic=P
//   downscale=K[:W],...        kernels (bicubic, bilinear, area, cubic, nearest) with weights (default 1)
//   noise=A-B | noise=off      noise σ range (8-bit levels)
//   noise-probability=P        grey-noise=P
//   jpeg=A-B | jpeg=off        JPEG quality range (1..100)
//   jpeg-probability=P         jpeg-before-noise=P     second-jpeg=P
//   clean=P                    share of patches with neither noise nor JPEG
// A single number is a range of one value (jpeg=75). Throws Error naming the option and listing the forms.
RandomDamageOptions parse_random_damage(const std::vector<std::string>& specs);
// The options as a space-separated list of those forms (for logs and checkpoints);
// parse_random_damage of its words gives the options back.
std::string random_damage_text(const RandomDamageOptions& options);

}  // namespace upsample::imaging
