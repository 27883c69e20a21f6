#pragma once
// Geometric self-ensemble (Timofte et al. 2016, "Seven ways to improve example-based
// single image super resolution"; the "+" models of EDSR): the input is run through a
// method in all eight flips and 90° rotations, each result is turned back, and the eight
// are averaged. A learned network is not exactly equivariant to these transforms, so
// its errors partly cancel: better PSNR for 8× the time. Named by a trailing "+" on the
// method: fsrcnn+, deblur+, model.safetensors+.
#include <functional>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include "pipeline/method_registry.hpp"

namespace upsample::pipeline {

// "fsrcnn+" → true, with `base` = "fsrcnn"; otherwise false and `base` = method.
bool is_self_ensemble(const std::string& method, std::string& base);

// Wraps `method` (any upscaler, also a scale-1 deblurrer) into its self-ensemble.
std::unique_ptr<Upscaler> self_ensemble(std::unique_ptr<Upscaler> method);

constexpr int kDihedralTransforms = 8;  // the flips and 90° rotations of an image

// Transform `t` of the eight (bit 2: transpose, then bit 0: flip left-right, bit 1:
// flip up-down), and its inverse.
cv::Mat dihedral_transform(const cv::Mat& image, int t);
cv::Mat inverse_dihedral_transform(const cv::Mat& image, int t);

// The mean (CV_32F) of run(transform t of `image`, t), each result turned back, over the
// eight transforms.
cv::Mat dihedral_average(const cv::Mat& image, const std::function<cv::Mat(const cv::Mat& turned, int t)>& run);

}  // namespace upsample::pipeline
