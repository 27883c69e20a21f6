#pragma once
// Same convolutions one after another, for inference, run depth-first in one pass
// (FSRCNN's mapping layers): only the first one's input and the last one's output are in
// memory (ops/x86/conv_chain.hpp). On Isa::Ref they run one by one through the reference
// ops.
#include <memory>
#include <vector>

#include "ops/conv_plan.hpp"

namespace upsample::ops {

class ConvChainPlan {
 public:
  // Each link suits ops::same_conv_within_tile.
  struct Link {
    Tensor weight, bias;
    Conv2dParams params;
    ConvEpilogue epilogue;
  };
  // Two or more links, each one's output channels the next one's input. `strip_tiles`
  // bounds the width of the strips the fast path walks down (0: its cache budget decides;
  // tests ask for narrow ones).
  explicit ConvChainPlan(const std::vector<Link>& links, int64_t strip_tiles = 0);

  Shape output_shape(const Shape& input) const;
  Tensor forward(const Tensor& input) const;

 private:
  struct State;
  std::shared_ptr<const State> state_;
};

}  // namespace upsample::ops
