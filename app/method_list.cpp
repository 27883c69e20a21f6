#include "method_list.hpp"

#include <spdlog/spdlog.h>

#include "pipeline/sized_upscaler.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>> create_methods(
    const std::vector<std::string>& methods, int scale, const pipeline::UpscalerOptions& options) {
  std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>> out;
  for (const std::string& named : methods) {
    // "{scale}" in a path picks the file for each scale: opencv:FSRCNN_x{scale}.pb. The
    // label keeps "{scale}", so tables show one column for the family.
    std::string method = named;
    for (size_t at = method.find("{scale}"); at != std::string::npos; at = method.find("{scale}"))
      method.replace(at, 7, std::to_string(scale));
    if (method == "all") {
      for (const auto& info : pipeline::MethodRegistry::builtin().all()) {
        try {
          out.emplace_back(info.name, pipeline::create_upscaler(info.name, scale, options));
        } catch (const Error& e) {
          spdlog::info("{}: skipped ({})", info.name, e.what());
        }
      }
      continue;
    }
    try {
      out.emplace_back(pipeline::method_label(named), pipeline::create_upscaler(method, scale, options));
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
  }
  if (out.empty()) throw UsageError("no method to run");
  return out;
}

std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>> create_sized_methods(
    const std::vector<std::string>& methods, double factor, const pipeline::UpscalerOptions& options) {
  std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>> out;
  const pipeline::TargetSize target{factor, 0, 0};
  for (const std::string& named : methods) {
    if (named == "all") {
      for (const auto& info : pipeline::MethodRegistry::builtin().all()) {
        try {
          out.emplace_back(info.name, std::make_unique<pipeline::SizedUpscaler>(info.name, target, options));
        } catch (const Error& e) {
          spdlog::info("{}: skipped ({})", info.name, e.what());
        }
      }
      continue;
    }
    try {
      out.emplace_back(pipeline::method_label(named), std::make_unique<pipeline::SizedUpscaler>(named, target, options));
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      throw UsageError(e.what());
    }
  }
  if (out.empty()) throw UsageError("no method to run");
  return out;
}

}  // namespace upsample::app
