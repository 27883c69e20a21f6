#include "ops/conv_chain_plan.hpp"

#include <string>

#include "ops/x86/conv_chain.hpp"
#include "tensor/error.hpp"

namespace upsample::ops {

struct ConvChainPlan::State {
  x86::Isa isa = x86::Isa::Ref;
  int64_t out_channels = 0, strip_tiles = 0;
  std::vector<ConvPlan> one_by_one;  // the reference path only
  std::vector<x86::RowPassConv> layers;
};

ConvChainPlan::ConvChainPlan(const std::vector<Link>& links, int64_t strip_tiles) {
  if (links.size() < 2) throw Error("conv chain plan: needs two convs or more, got " + std::to_string(links.size()));
  for (size_t i = 0; i < links.size(); ++i) {
    const Shape& w = links[i].weight.shape();
    if (!same_conv_within_tile(w, links[i].params) || (i > 0 && links[i - 1].weight.shape()[0] != w[1]))
      throw Error("conv chain plan: conv " + std::to_string(i) + " " + w.str() +
                  " is not a same conv that follows the one before it");
  }
  auto s = std::make_shared<State>();
  s->isa = x86::active_isa();
  s->out_channels = links.back().weight.shape()[0];
  s->strip_tiles = strip_tiles;
  for (const Link& link : links) {
    if (s->isa == x86::Isa::Ref) {
      s->one_by_one.emplace_back(link.weight, link.bias, link.params, link.epilogue);
      continue;
    }
    const Shape& w = link.weight.shape();
    const x86::Epilogue epilogue = x86::make_epilogue(link.epilogue.activation, link.epilogue.prelu_weight, w[0]);
    s->layers.push_back(x86::pack_row_pass_conv(link.weight, link.bias, winograd_suits(w, link.params), epilogue, s->isa));
  }
  state_ = std::move(s);
}

Shape ConvChainPlan::output_shape(const Shape& input) const {
  return Shape{input.n(), state_->out_channels, input.h(), input.w()};
}

Tensor ConvChainPlan::forward(const Tensor& input) const {
  const State& s = *state_;
  if (s.isa == x86::Isa::Ref) {
    Tensor x = input;
    for (const ConvPlan& plan : s.one_by_one) x = plan.forward(x);
    return x;
  }
  Tensor output = Tensor::uninitialized(output_shape(input.shape()));
  x86::run_conv_chain(s.layers, input, output, s.strip_tiles);
  return output;
}

}  // namespace upsample::ops
