#pragma once
#include <filesystem>
#include <memory>
#include <vector>

#include "pipeline/method_registry.hpp"

namespace upsample::pipeline {

// Folders searched for weights, in order: $UPSAMPLE_WEIGHTS, beside the binary, the
// source tree's weights/.
std::vector<std::filesystem::path> weights_search_path();
// weights/<arch>_x<scale>.safetensors from the first folder that has it.
std::filesystem::path find_weights(const std::string& arch, int scale);
// An upscaler running the model in `path` (Y or RGB as its metadata says).
std::unique_ptr<Upscaler> upscaler_from_model_file(const std::filesystem::path& path, int scale,
                                                   const UpscalerOptions& options);
// Registers fsrcnn, espcn and resizeconv (×2, ×3, ×4, weights from find_weights).
void register_learned_methods(MethodRegistry& registry);

}  // namespace upsample::pipeline
