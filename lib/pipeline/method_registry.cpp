#include "pipeline/method_registry.hpp"

#include <algorithm>
#include <filesystem>

#include "pipeline/closest_name.hpp"
#include "pipeline/learned_methods.hpp"
#include "pipeline/opencv_superres.hpp"
#include "pipeline/self_ensemble.hpp"
#include "tensor/error.hpp"

namespace upsample::pipeline {

const MethodRegistry& MethodRegistry::builtin() {
  static const MethodRegistry registry = [] {
    MethodRegistry r;
    register_classical_methods(r);
    register_learned_methods(r);
    return r;
  }();
  return registry;
}

void MethodRegistry::add(MethodInfo method) {
  if (find(method.name) != nullptr) throw Error("method '" + method.name + "' is registered twice");
  methods_.push_back(std::move(method));
}

const MethodInfo* MethodRegistry::find(const std::string& name) const {
  const auto it = std::find_if(methods_.begin(), methods_.end(), [&](const MethodInfo& m) { return m.name == name; });
  return it == methods_.end() ? nullptr : &*it;
}

std::string MethodRegistry::names() const {
  std::string s;
  for (const auto& m : methods_) s += (s.empty() ? "" : ", ") + m.name;
  return s;
}

bool is_learned_self_ensemble(const std::string& method, std::string& base) {
  if (!is_self_ensemble(method, base)) return false;
  const MethodInfo* info = MethodRegistry::builtin().find(base);
  if (info != nullptr && !info->learned)
    throw Error("'" + method + "': the self-ensemble (+) is for learned methods; " + base +
                " gives the same result in every orientation");
  return true;
}

std::unique_ptr<Upscaler> create_upscaler(const std::string& method, int scale, const UpscalerOptions& options) {
  std::string base;
  if (is_learned_self_ensemble(method, base)) return self_ensemble(create_upscaler(base, scale, options));
  if (method.ends_with(".safetensors")) return upscaler_from_model_file(method, scale, options);
  if (method.starts_with("opencv:")) return opencv_superres_upscaler(method.substr(7), scale);
  const MethodRegistry& registry = MethodRegistry::builtin();
  const MethodInfo* info = registry.find(method);
  if (info == nullptr) {
    std::vector<std::string> names;
    for (const MethodInfo& m : registry.all()) names.push_back(m.name);
    throw Error("unknown method '" + method + "' (known: " + registry.names() +
                "; or PATH.safetensors, opencv:MODEL.pb, and a learned one with '+' for its self-ensemble)." +
                did_you_mean(method, names));
  }
  if (scale < 1) throw Error("scale must be a whole number ≥ 1, got " + std::to_string(scale));
  if (!info->scales.empty() && std::find(info->scales.begin(), info->scales.end(), scale) == info->scales.end()) {
    std::string supported;
    for (int s : info->scales) supported += (supported.empty() ? "" : ", ") + std::to_string(s);
    throw Error("method '" + method + "' supports scales " + supported + ", not " + std::to_string(scale));
  }
  return info->create(scale, options);
}

std::string method_label(const std::string& method) {
  std::string base;
  const std::string ensemble = is_self_ensemble(method, base) ? "+" : "";
  if (base.ends_with(".safetensors")) return std::filesystem::path(base).stem().string() + ensemble;
  if (base.starts_with("opencv:")) return "opencv-" + std::filesystem::path(base.substr(7)).stem().string() + ensemble;
  return method;
}

}  // namespace upsample::pipeline
