#include "method_list.hpp"

#include <functional>

#include <spdlog/spdlog.h>

#include "pipeline/sized_upscaler.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

namespace {

using MethodList = std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>>;
using UpscalerFactory = std::function<std::unique_ptr<pipeline::Upscaler>(const std::string& method)>;

// `named` may hold "{scale}", replaced by `scale_word` in what is created (the label keeps
// it, so tables show one column for a family of per-scale files); "all" expands to every
// registered method `create` accepts, the others skipped with a note.
MethodList create_each(const std::vector<std::string>& methods, const std::string& scale_word,
                       const UpscalerFactory& create) {
  MethodList out;
  for (const std::string& named : methods) {
    std::string method = named;
    for (size_t at = method.find("{scale}"); at != std::string::npos; at = method.find("{scale}"))
      method.replace(at, 7, scale_word);
    if (method == "all") {
      for (const auto& info : pipeline::MethodRegistry::builtin().all()) {
        try {
          out.emplace_back(info.name, create(info.name));
        } catch (const Error& e) {
          spdlog::info("{}: skipped ({})", info.name, e.what());
        }
      }
      continue;
    }
    try {
      out.emplace_back(pipeline::method_label(named), create(method));
    } catch (const UsageError&) {
      throw;
    } catch (const Error& e) {
      std::string why = e.what();
      if (why.starts_with("unknown method")) why += " Or 'all': every installed method.";  // these commands take it
      throw UsageError(why);
    }
  }
  if (out.empty()) throw UsageError("no method to run");
  return out;
}

}  // namespace

MethodList create_methods(const std::vector<std::string>& methods, int scale, const pipeline::UpscalerOptions& options) {
  return create_each(methods, std::to_string(scale),
                     [&](const std::string& method) { return pipeline::create_upscaler(method, scale, options); });
}

MethodList create_sized_methods(const std::vector<std::string>& methods, double factor,
                                const pipeline::UpscalerOptions& options) {
  const pipeline::TargetSize target{factor, 0, 0};
  return create_each(methods, pipeline::scale_text(target), [&](const std::string& method) {
    return std::make_unique<pipeline::SizedUpscaler>(method, target, options);
  });
}

}  // namespace upsample::app
