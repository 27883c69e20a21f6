#pragma once
// Upscaling to an asked size instead of by a whole factor (-s 1.5, --width 1920). A
// classical method resamples straight to the size. A learned method runs at the smallest
// of its trained scales that reaches the size, then its result is shrunk to the exact
// size (Real-ESRGAN's --outscale scheme), here with MATLAB's antialiased bicubic
// (imaging::matlab_resize_to) rather than its Lanczos-4: the kernel widens with the
// shrink, so the network's fine detail is averaged rather than aliased, and it is the
// kernel the SR data sets are made with.
// A size beyond a learned method's largest scale is refused (an interpolated enlargement
// of its result would only pretend); so is an output smaller than its input.
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "pipeline/method_registry.hpp"
#include "pipeline/target_size.hpp"

namespace upsample::pipeline {

// The whole scales a learned `method` runs at: a registered one's (and its "+"), a model
// file's own. Empty for a classical method (any size). Throws Error for an unknown method,
// the "+" of a classical one, and an OpenCV model (opencv:…), whose scale only its caller knows.
std::vector<int> learned_scales(const std::string& method);

// The scale out of `scales` a learned method runs at to reach `output` from `input`: the
// smallest at or above the larger of the two sides' ratios. Throws Error naming the ratio
// and the scales when none reaches it.
int working_scale(const std::vector<int>& scales, cv::Size input, cv::Size output);

class SizedUpscaler final : public Upscaler {
 public:
  // Throws Error as create_upscaler does (unknown method, missing weights), and for a
  // factor beyond the method's largest scale.
  SizedUpscaler(const std::string& method, const TargetSize& target, const UpscalerOptions& options = {});

  // The size `input` becomes; Error if it is smaller than the input on a side.
  cv::Size output_size(cv::Size input) const;
  // The whole scale the method runs at for `input` before the shrink; 0 for a classical
  // method. Error as working_scale.
  int working_scale_for(cv::Size input) const;
  bool learned() const { return resize_to_ == nullptr; }

  // Images of output_size(image.size()).
  cv::Mat upscale(const cv::Mat& image) const override;
  cv::Mat upscale_photo(const cv::Mat& image, const ImageFacts& facts, UpscaleNotes* notes) const override;
  cv::Mat upscale_y(const cv::Mat& y) const override;
  // 0: the result's size depends on the input (output_size).
  int scale() const override { return 0; }

 private:
  // The method's upscaler at `scale`, created on first use (a --width batch may need
  // several); safe from several threads.
  const Upscaler& learned_at(int scale) const;
  cv::Mat shrink(const cv::Mat& image, cv::Size size) const;

  std::string method_;
  TargetSize target_;
  UpscalerOptions options_;
  const std::function<cv::Mat(const cv::Mat&, cv::Size)>* resize_to_ = nullptr;  // a classical method's
  std::vector<int> scales_;
  mutable std::mutex mutex_;
  mutable std::map<int, std::unique_ptr<Upscaler>> learned_;
};

}  // namespace upsample::pipeline
