#pragma once
// Upscaling that adapts to the damage of its input (--denoise): a damage-aware model told
// each image's JPEG quality, noise level and aliasing (damage_condition.hpp), and the
// choice between it and the clean model.
#include <memory>

#include "models/model.hpp"
#include "pipeline/method_registry.hpp"

namespace upsample::pipeline {

// The noise σ (8-bit levels, as estimate_noise_sigma reads R, G and B) below which `auto`
// takes an image without JPEG tables for clean: fine texture (fur, gravel) and the grain
// of old scans read up to about this much without added noise.
constexpr double kCleanNoiseSigma = 4.0;
// The aliasing (imaging/aliasing_level.hpp) below which an image is taken for properly
// shrunk: nine in ten images shrunk by MATLAB's bicubic read below it.
constexpr double kAliasedAbove = 0.45;

// Runs a model with damage condition planes, told the damage `setting` fixes, or (auto)
// the JPEG quality of the image's file and the noise level estimated from its pixels.
std::unique_ptr<Upscaler> damage_aware_upscaler(std::shared_ptr<const models::Model> model, int tile,
                                                DenoiseSetting setting = parse_denoise("auto"));

// `clean` for clean images and with --denoise off; the damage-aware model otherwise.
std::unique_ptr<Upscaler> denoising_upscaler(std::unique_ptr<Upscaler> clean,
                                             std::shared_ptr<const models::Model> damage_model, int tile,
                                             const DenoiseSetting& setting);

}  // namespace upsample::pipeline
