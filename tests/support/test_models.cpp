#include "test_models.hpp"

#include <algorithm>
#include <random>

#include "nn/layers.hpp"
#include "ops/losses.hpp"
#include "train/adam.hpp"

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

std::pair<double, double> fit_one_batch(models::Model& model, const Tensor& input, const Tensor& target, int steps,
                                        double learning_rate) {
  const double before = ops::mse_loss(model.forward(input), target).value;
  train::Adam adam(model.net().parameters());
  for (int step = 0; step < steps; ++step) {
    model.net().zero_grad();
    const ops::LossResult loss = ops::mse_loss(model.net().forward_train(input), target);
    model.net().backward(loss.grad);
    adam.step(learning_rate);
  }
  model.net().weights_changed();
  return {before, ops::mse_loss(model.forward(input), target).value};
}

void randomise(models::Model& model, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, 0.3f);
  for (nn::Parameter* p : model.net().parameters())
    for (float& v : p->value.values()) v = dist(rng);
  model.net().weights_changed();
}

train::TrainOptions tiny_training_run(const std::filesystem::path& dir) {
  train::TrainOptions o;
  o.model = {{"arch", "fsrcnn"}, {"scale", "2"}, {"d", "8"}, {"s", "4"}, {"m", "1"}};
  o.train_folders = {dir / "train"};
  o.batch = 4;
  o.lr_patch = 10;
  o.steps = 60;
  o.learning_rate = 3e-3;
  o.final_learning_rate = 3e-3;
  o.output = dir / "tiny.safetensors";
  o.checkpoint_minutes = 1e9;
  return o;
}

train::TrainOptions tiny_deblur_run(const models::Metadata& model, const std::filesystem::path& folder, int steps) {
  train::TrainOptions o;
  o.task = train::TaskKind::deblur;
  o.model = model;
  o.train_folders = {folder};
  o.validation_folder = folder;
  o.validate_every = 100;
  o.steps = steps;
  o.batch = 2;
  o.lr_patch = 32;
  return o;
}

}  // namespace upsample::testing
