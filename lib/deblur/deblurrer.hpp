#pragma once
// Deblurring methods by name, as image-to-image steps with the Upscaler interface at
// scale 1, so batches, the luma evaluation path and `--deblur` before upscaling reuse
// everything the upscalers have (colour, alpha, 16-bit, tiling):
//   deblur            our trained network (weights/deblur_x1.safetensors). A network told
//                     the blur (deblur/told_network.hpp; ours is) takes it from --psf
//                     when the user knows it, else from the blur estimator
//                     (weights/blur-estimator_x1.safetensors); a blind one needs neither
//   PATH.safetensors  a deblurring model file
//   wiener            Wiener deconvolution with a known PSF and noise-to-signal ratio
//   richardson-lucy   Richardson–Lucy with a known PSF and a number of iterations
//   none              the input unchanged (the baseline of the evaluation)
//   deblur+, PATH+    the network's geometric self-ensemble (pipeline/self_ensemble.hpp)
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/model.hpp"
#include "pipeline/method_registry.hpp"

namespace upsample::deblur {

struct DeblurOptions {
  std::string psf;        // blur kernel spec (deblur/kernel_spec.hpp): needed by wiener and
                          // richardson-lucy, optional for a network told the blur
  std::string estimator;  // blur-estimator model file (default: weights/blur-estimator_x1.safetensors)
  double nsr = 0.01;      // Wiener's noise-to-signal power ratio
  int iterations = 30;    // Richardson–Lucy iterations
  int tile = 0;           // tile edge for the network (0 = automatic)
};

// "deblur, wiener, richardson-lucy, none" (plus PATH.safetensors).
std::string deblur_method_names();
// True for the methods that need options.psf.
bool needs_psf(const std::string& method);

// Throws UsageError for an unknown name, a missing PSF, a PSF for a blind network, or a
// model file that is not a deblurring model; Error when our weights are not installed.
std::unique_ptr<pipeline::Upscaler> create_deblurrer(const std::string& method, const DeblurOptions& options);

// A blur-estimator model file (default: our weights); UsageError naming the file if it
// is not one, Error when our weights are not installed.
std::shared_ptr<const models::Model> load_blur_estimator(const std::string& file = "");

// Our trained network (-m deblur), e.g. to deblur before upscaling.
std::unique_ptr<pipeline::Upscaler> deblurring_network(int tile = 0);

// `image` deblurred, then upscaled (as pipeline::upscale_image, told `facts`). The image
// between the two steps has 16 bits (an 8-bit input is widened first), so its rounding is
// 1/257 of an 8-bit level; the result has the input's depth.
cv::Mat deblur_then_upscale(const cv::Mat& image, const pipeline::Upscaler& deblurrer, const pipeline::Upscaler& upscaler,
                            const pipeline::ImageFacts& facts = {}, pipeline::UpscaleNotes* notes = nullptr);

// One restorer per method for comparisons: wiener once per NSR in `nsrs` (labelled
// "wiener nsr=0.005") and richardson-lucy once per count in `iterations` ("richardson-lucy
// 30 it"), so a sweep is one command; model files are labelled by their stem. Networks
// are not told `psf`: a network told the blur estimates it (with `estimator`, or our
// weights); with `tell` it is also run told the true `psf`, labelled "<name> told".
std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>> create_deblurrers(
    const std::vector<std::string>& methods, const std::string& psf, const std::vector<double>& nsrs,
    const std::vector<int>& iterations, int tile = 0, const std::string& estimator = "", bool tell = false);

}  // namespace upsample::deblur
