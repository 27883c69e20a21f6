#pragma once
// The one list of elementwise activations: the layers name theirs with it (nn), a conv
// plan applies one while writing its output (conv_plan.hpp), and the kernels switch on it
// (x86/tap_conv.hpp). Without includes, so the per-instruction-set kernel files can take
// it as they are.
#include <cstdint>

namespace upsample::ops {

// PRelu scales x ≤ 0 by a slope (one per channel, or one shared); None passes x through.
enum class Activation : int32_t { None, Relu, PRelu, Tanh, Sigmoid };

}  // namespace upsample::ops
