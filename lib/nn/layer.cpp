#include "nn/layer.hpp"

namespace upsample::nn {

namespace {

// A layer with nothing to prepare runs as it is: the step calls its forward().
class LayerStep final : public InferenceStep {
 public:
  explicit LayerStep(const Layer& layer) : layer_(layer) {}
  Tensor forward(const Tensor& input) const override { return layer_.forward(input); }

 private:
  const Layer& layer_;
};

}  // namespace

PlannedStep Layer::plan(std::span<const LayerPtr> /*next*/) const { return {std::make_unique<LayerStep>(*this), 1}; }

}  // namespace upsample::nn
