#pragma once
// A deblurring network told the blur, in either or both of two ways its metadata names:
//   condition=3        the blur code (imaging::blur_code) as three constant input planes;
//   prefilter=wiener   its input is the Wiener deconvolution (noise-to-signal ratio
//                      prefilter_nsr) with the kernel the code describes
//                      (imaging::kernel_from_blur_code), so it refines a deconvolution
//                      instead of inverting the blur itself.
// The code comes from the user's --psf, the true blur (training, `eval --tell`) or the
// blur estimator. Training and inference build the network's input here, the same way.
#include <functional>
#include <memory>
#include <vector>

#include <opencv2/core.hpp>

#include "models/model.hpp"
#include "pipeline/method_registry.hpp"
#include "imaging/blur_kernels.hpp"

namespace upsample::deblur {

// The blur of an image, given its whole Y plane (CV_32FC1 in [0, 1]): as a code, or as
// the kernel itself (the code is then its moments).
using BlurCodeSource = std::function<imaging::BlurCode(const cv::Mat& y)>;
using BlurKernelSource = std::function<cv::Mat(const cv::Mat& y)>;

// True when the network needs to be told the blur (condition planes or a pre-filter).
bool is_told_blur(const models::Model& model);

// The network's input for a batch of blurred patches [B, 1, H, W] with their codes: the
// Wiener pre-filter applied to each (if the model has one), then the code planes (if it
// is told them).
Tensor told_network_input(const models::Model& model, const Tensor& blurred, const std::vector<imaging::BlurCode>& codes);

// The network as a scale-1 restorer: whole images get their code from `code` once, then
// the pre-filter over the whole Y plane and the network in tiles. Colour images are
// restored on Y; Cb and Cr are kept.
std::unique_ptr<pipeline::Upscaler> told_network_restorer(std::shared_ptr<const models::Model> model, int tile,
                                                          BlurCodeSource code);
// The same told the whole kernel: the pre-filter deconvolves with that kernel rather than
// with the one its code describes.
std::unique_ptr<pipeline::Upscaler> kernel_told_restorer(std::shared_ptr<const models::Model> model, int tile,
                                                         BlurKernelSource kernel);
// Its geometric self-ensemble (deblur+): the blur is read once per image and turned with
// it, so each of the eight orientations is told the kernel of its own view.
std::unique_ptr<pipeline::Upscaler> kernel_told_ensemble(std::shared_ptr<const models::Model> model, int tile,
                                                         BlurKernelSource kernel);

}  // namespace upsample::deblur
