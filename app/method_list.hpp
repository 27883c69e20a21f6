#pragma once
// Turning a -m list ("bicubic,fsrcnn", "all", model paths) into upscalers, shared by the
// commands that compare several methods.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/method_registry.hpp"

namespace upsample::app {

// (label, upscaler) for each method at `scale`. "all" expands to every registered
// method that can run at this scale (learned ones only where weights are installed, the
// others skipped with a note). "{scale}" in a name is replaced by the scale, so one
// list can name per-scale model files. Unknown names and unusable files are usage errors.
std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>> create_methods(
    const std::vector<std::string>& methods, int scale, const pipeline::UpscalerOptions& options = {});

// The same at a scale that is not whole (eval -s 1.5): each method as a
// pipeline::SizedUpscaler at `factor` ("all": every registered method that reaches it).
std::vector<std::pair<std::string, std::unique_ptr<pipeline::Upscaler>>> create_sized_methods(
    const std::vector<std::string>& methods, double factor, const pipeline::UpscalerOptions& options = {});

}  // namespace upsample::app
