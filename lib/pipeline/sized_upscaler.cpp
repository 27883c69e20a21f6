#include "pipeline/sized_upscaler.hpp"

#include <algorithm>
#include <cstdio>

#include "imaging/matlab_imresize.hpp"
#include "models/model.hpp"
#include "pipeline/self_ensemble.hpp"
#include "tensor/error.hpp"

namespace upsample::pipeline {

namespace {

std::string list_scales(const std::vector<int>& scales) {
  std::string text;
  for (int s : scales) text += (text.empty() ? "×" : ", ×") + std::to_string(s);
  return text;
}

std::string size_text(cv::Size size) { return std::to_string(size.width) + "x" + std::to_string(size.height); }

}  // namespace

std::vector<int> learned_scales(const std::string& method) {
  std::string base;
  if (is_learned_self_ensemble(method, base)) return learned_scales(base);
  if (method.ends_with(".safetensors")) return {models::load_model(method)->scale()};
  if (method.starts_with("opencv:"))
    throw Error("'" + method + "': an OpenCV model runs at the one scale it was made for: give it as a whole -s");
  const MethodInfo* info = MethodRegistry::builtin().find(method);
  if (info == nullptr) {
    create_upscaler(method, 2);  // throws, naming the known methods and the closest one
    throw Error("unknown method '" + method + "'");
  }
  return info->learned ? info->scales : std::vector<int>{};
}

namespace {

// The smallest of `scales` at or above `needed`; Error saying `what` asked for it.
int smallest_scale_reaching(const std::vector<int>& scales, double needed, const std::string& what) {
  std::vector<int> sorted = scales;
  std::sort(sorted.begin(), sorted.end());
  for (int s : sorted)
    if (s >= needed) return s;
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.4g", needed);
  throw Error(what + " is ×" + ratio + ", more than this method's largest scale (" + list_scales(sorted) +
              "): ask for less, or use a classical method (lanczos, bicubic)");
}

}  // namespace

int working_scale(const std::vector<int>& scales, cv::Size input, cv::Size output) {
  const double needed = std::max(static_cast<double>(output.width) / input.width,
                                 static_cast<double>(output.height) / input.height);
  return smallest_scale_reaching(scales, needed, size_text(input) + " to " + size_text(output));
}

SizedUpscaler::SizedUpscaler(const std::string& method, const TargetSize& target, const UpscalerOptions& options)
    : method_(method), target_(target), options_(options) {
  const MethodInfo* info = MethodRegistry::builtin().find(method);
  if (info != nullptr && !info->learned && info->resize_to) {
    resize_to_ = &info->resize_to;
    return;
  }
  scales_ = learned_scales(method);
  if (scales_.empty()) throw Error("method '" + method + "' cannot resample to a size");
  if (target.factor > 0) {
    // One scale serves every image: round(side × f) / side never passes the first whole
    // scale at or above f. Created now, so a missing weights file is said before any work.
    learned_at(smallest_scale_reaching(scales_, target.factor, "-s " + scale_text(target)));
  }
}

cv::Size SizedUpscaler::output_size(cv::Size input) const {
  const cv::Size out = target_output_size(input, target_);
  if (out.width < input.width || out.height < input.height)
    throw Error(size_text(input) + " would become " + size_text(out) + " (" + scale_text(target_) +
                "), smaller than it is: this tool only enlarges");
  return out;
}

int SizedUpscaler::working_scale_for(cv::Size input) const {
  return learned() ? working_scale(scales_, input, output_size(input)) : 0;
}

const Upscaler& SizedUpscaler::learned_at(int scale) const {
  std::lock_guard lock(mutex_);
  auto& slot = learned_[scale];
  if (!slot) slot = create_upscaler(method_, scale, options_);
  return *slot;
}

cv::Mat SizedUpscaler::shrink(const cv::Mat& image, cv::Size size) const {
  if (image.size() == size) return image;
  return imaging::matlab_resize_to(image, size.height, size.width, image.depth());
}

cv::Mat SizedUpscaler::upscale(const cv::Mat& image) const { return upscale_photo(image, {}, nullptr); }

cv::Mat SizedUpscaler::upscale_photo(const cv::Mat& image, const ImageFacts& facts, UpscaleNotes* notes) const {
  const cv::Size out = output_size(image.size());
  if (!learned()) return (*resize_to_)(image, out);
  const Upscaler& up = learned_at(working_scale(scales_, image.size(), out));
  return shrink(up.upscale_photo(image, facts, notes), out);
}

cv::Mat SizedUpscaler::upscale_y(const cv::Mat& y) const {
  const cv::Size out = output_size(y.size());
  if (!learned()) return (*resize_to_)(y, out);
  return shrink(learned_at(working_scale(scales_, y.size(), out)).upscale_y(y), out);
}

}  // namespace upsample::pipeline
