#include "test_models.hpp"

#include <algorithm>

#include "nn/layers.hpp"

namespace upsample::testing {

std::unique_ptr<models::Model> fsrcnn_as_one_transposed_conv(const std::array<float, 9>& taps) {
  auto model = models::build_model(
      {{"arch", "fsrcnn"}, {"scale", "2"}, {"channels", "y"}, {"d", "1"}, {"s", "1"}, {"m", "0"}, {"deconv_kernel", "3"}});
  for (nn::Parameter* p : model->net().parameters()) p->value.fill(p->name.ends_with("bias") ? 0.0f : 1.0f);
  auto& first = dynamic_cast<nn::Conv2d&>(model->net()[0]);
  first.weight().value.fill(0.0f);
  first.weight().value.at(0, 0, 2, 2) = 1.0f;  // the 5×5 conv passes its input through
  auto& last = dynamic_cast<nn::ConvTranspose2d&>(model->net().back());
  std::copy(taps.begin(), taps.end(), last.weight().value.data());
  model->net().weights_changed();
  return model;
}

}  // namespace upsample::testing
