#pragma once
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "pipeline/method_registry.hpp"

namespace upsample::pipeline {

// Folders searched for weights, in order: $UPSAMPLE_WEIGHTS, beside the binary, the
// source tree's weights/.
std::vector<std::filesystem::path> weights_search_path();
// weights/<arch>_x<scale>.safetensors from the first folder that has it.
std::filesystem::path find_weights(const std::string& arch, int scale);
// The damage-aware model of an architecture (pipeline/denoise.hpp) is <arch>-real_x<scale>.
inline constexpr const char* kDamageModelSuffix = "-real";
// Its weights, if installed.
std::optional<std::filesystem::path> find_damage_weights(const std::string& arch, int scale);
// An upscaler running the model in `path` (Y or RGB as its metadata says).
std::unique_ptr<Upscaler> upscaler_from_model_file(const std::filesystem::path& path, int scale,
                                                   const UpscalerOptions& options);
// For a model told condition planes (Model::condition_planes()): their values for one
// image, given the image's whole Y plane ([0, 1] float); each plane is constant.
using ConditionSource = std::function<std::vector<float>(const cv::Mat& y)>;
// An upscaler running `model` (which may still be training: call its net's
// weights_changed() after updating weights). A model with condition planes needs
// `condition`; Error otherwise.
std::unique_ptr<Upscaler> upscaler_for_model(std::shared_ptr<const models::Model> model, int tile = 0,
                                             ConditionSource condition = {});
// Registers fsrcnn, espcn and resizeconv (×2, ×3, ×4, weights from find_weights).
void register_learned_methods(MethodRegistry& registry);

}  // namespace upsample::pipeline
