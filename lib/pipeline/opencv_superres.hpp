#pragma once
#include <filesystem>
#include <memory>

#include "pipeline/method_registry.hpp"

namespace upsample::pipeline {

// An upscaler running an OpenCV dnn_superres .pb model; its algorithm and scale are
// read from the file name (FSRCNN_x2.pb, ...). Throws Error naming the file otherwise.
std::unique_ptr<Upscaler> opencv_superres_upscaler(const std::filesystem::path& path, int scale);

}  // namespace upsample::pipeline
