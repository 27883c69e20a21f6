#pragma once
// Models with known answers, built in code for the tests.
#include <array>
#include <filesystem>
#include <memory>
#include <utility>

#include "models/model.hpp"
#include "train/trainer.hpp"

namespace upsample::testing {

// FSRCNN shrunk to one channel with identity convolutions, zero biases and PReLU slopes
// of 1, so that the whole ×2 model is exactly its last layer: a k = 3 stride-2 transposed
// conv with these taps (row-major).
std::unique_ptr<models::Model> fsrcnn_as_one_transposed_conv(const std::array<float, 9>& taps);

// Fits `model` to one fixed batch (so the error measures fitting, not batch-to-batch
// variety) with Adam on the mean squared error; returns the error before and after.
std::pair<double, double> fit_one_batch(models::Model& model, const Tensor& input, const Tensor& target, int steps,
                                        double learning_rate);

// Random non-trivial weights (normal, σ 0.3): a trained tail starts near zero, which would
// hide most of the net.
void randomise(models::Model& model, uint32_t seed);

// A 60-step run of a tiny FSRCNN (d 8, s 4, m 1) at ×2 on 10×10 patches of `dir`/train,
// written to `dir`/tiny.safetensors, never checkpointed: seconds even under sanitizers.
train::TrainOptions tiny_training_run(const std::filesystem::path& dir);

// A few-step deblurring run of `model` on 32² patches (batch 2) of the images in
// `folder`, validated on them too.
train::TrainOptions tiny_deblur_run(const models::Metadata& model, const std::filesystem::path& folder, int steps);

}  // namespace upsample::testing
