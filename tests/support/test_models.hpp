#pragma once
// Models with known answers, built in code for the tests.
#include <array>
#include <memory>

#include "models/model.hpp"

namespace upsample::testing {

// FSRCNN shrunk to one channel with identity convolutions, zero biases and PReLU slopes
// of 1, so that the whole ×2 model is exactly its last layer: a k = 3 stride-2 transposed
// conv with these taps (row-major).
std::unique_ptr<models::Model> fsrcnn_as_one_transposed_conv(const std::array<float, 9>& taps);

}  // namespace upsample::testing
