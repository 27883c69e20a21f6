// Sequential's inference plan: made once from the weights (fusions decided, convs packed,
// resize-convs folded), reused by every forward, rebuilt by weights_changed(), and safe
// to build and run from several threads at once.
#include <doctest/doctest.h>

#include <atomic>
#include <cstring>
#include <latch>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fast_test_util.hpp"
#include "models/model.hpp"
#include "nn/layers.hpp"
#include "nn/sequential.hpp"
#include "test_values.hpp"

namespace upsample {
using upsample::testing::same_bits;

namespace {

using fast_test::random_tensor;
// The identity, counting how often a plan asks it for its step.
class CountingLayer final : public nn::Layer {
 public:
  explicit CountingLayer(std::atomic<int>& plans) : plans_(plans) {}
  std::string describe() const override { return "counting"; }
  Shape output_shape(const Shape& input) const override { return input; }
  Tensor forward(const Tensor& input) const override { return input; }
  Tensor forward_train(const Tensor& input) override { return input; }
  Tensor backward(const Tensor& grad_output) override { return grad_output; }
  nn::PlannedStep plan(std::span<const nn::LayerPtr> next) const override {
    ++plans_;
    return Layer::plan(next);
  }

 private:
  std::atomic<int>& plans_;
};

// conv, PReLU, resize-conv, counting: a fused conv, a folded resize-conv and a plain step.
nn::Sequential counted_net(std::atomic<int>& plans, std::mt19937& rng) {
  nn::Sequential net;
  net.add(std::make_unique<nn::Conv2d>(1, 4, 3));
  net.add(std::make_unique<nn::PRelu>(4));
  net.add(std::make_unique<nn::ResizeConv2d>(ops::ResizeMode::Nearest, 2, 4, 1, 5));
  net.add(std::make_unique<CountingLayer>(plans));
  for (nn::Parameter* p : net.parameters()) p->value = random_tensor(p->value.shape(), rng, 0.3f);
  return net;
}

std::unique_ptr<models::Model> small_model(const std::string& arch, int scale) {
  models::Metadata meta = {{"arch", arch}, {"scale", std::to_string(scale)}};
  if (arch == "espcn") meta.insert({{"features1", "16"}, {"features2", "8"}});
  else meta.insert({{"d", "16"}, {"s", "8"}, {"m", "1"}});
  auto model = models::build_model(meta, 3);
  std::mt19937 rng(11);
  for (nn::Parameter* p : model->net().parameters()) p->value = random_tensor(p->value.shape(), rng, 0.2f);
  return model;
}

// A second model with the same weights, planned afresh.
std::unique_ptr<models::Model> copy_of(const models::Model& model) {
  auto copy = models::build_model(model.metadata(), 3);
  const auto from = model.net().parameters();
  const auto to = copy->net().parameters();
  REQUIRE(from.size() == to.size());
  for (size_t i = 0; i < from.size(); ++i) to[i]->value = from[i]->value.clone();
  copy->net().weights_changed();
  return copy;
}

TEST_CASE("Sequential plans once and reuses the plan until the weights or the instruction set change") {
  std::mt19937 rng(1);
  std::atomic<int> plans = 0;
  nn::Sequential net = counted_net(plans, rng);
  const Tensor input = random_tensor(Shape{1, 1, 9, 7}, rng);
  const Tensor first = net.forward(input);
  const Tensor second = net.forward(input);
  CHECK(plans.load() == 1);
  CHECK(same_bits(first, second));

  net.weights_changed();
  CHECK(plans.load() == 2);
  CHECK(same_bits(net.forward(input), first));
  CHECK(plans.load() == 2);

  // A plan's convs run the instruction set they were packed for: another one replans.
  const ops::x86::Isa other = ops::x86::active_isa() == ops::x86::Isa::Ref ? ops::x86::Isa::Avx2 : ops::x86::Isa::Ref;
  if (ops::x86::cpu_supports(other)) {
    const ops::x86::ScopedIsa forced(other);
    fast_test::check_close(net.forward(input), first, "the same net replanned for another instruction set");
    CHECK(plans.load() == 3);
  }
}

TEST_CASE("a plan keeps the weights it was built from, and after weights_changed() follows the new ones") {
  std::mt19937 rng(2);
  for (const auto& [arch, scale] : {std::pair{"fsrcnn", 3}, std::pair{"espcn", 2}, std::pair{"resizeconv", 3}}) {
    CAPTURE(arch);
    auto model = small_model(arch, scale);
    const Tensor input = random_tensor(Shape{1, 1, 8, 11}, rng, 0.3f);
    const Tensor before = model->forward(input);
    for (nn::Parameter* p : model->net().parameters())
      for (float& v : p->value.values()) v *= 1.5f;  // e.g. an optimiser step

    // The plan still computes with the weights it packed: weights_changed() is the contract.
    CHECK(same_bits(model->forward(input), before));

    model->net().weights_changed();
    const Tensor after = model->forward(input);
    CHECK_FALSE(same_bits(after, before));
    CHECK(same_bits(after, copy_of(*model)->forward(input)));
  }
}

TEST_CASE("forward from two threads at once builds one plan and gives the single-thread result") {
  std::mt19937 rng(3), weights(4), same_weights(4);
  std::atomic<int> plans = 0, twin_plans = 0;
  nn::Sequential net = counted_net(plans, weights);
  const nn::Sequential twin = counted_net(twin_plans, same_weights);
  const std::vector<Tensor> inputs = {random_tensor(Shape{1, 1, 13, 10}, rng), random_tensor(Shape{2, 1, 6, 9}, rng)};
  std::vector<Tensor> outputs(inputs.size());
  std::latch start(static_cast<std::ptrdiff_t>(inputs.size()));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < inputs.size(); ++i)
    threads.emplace_back([&, i] {
      start.arrive_and_wait();  // both ask for the (not yet built) plan together
      outputs[i] = net.forward(inputs[i]);
    });
  for (auto& t : threads) t.join();
  CHECK(plans.load() == 1);
  for (size_t i = 0; i < inputs.size(); ++i) CHECK(same_bits(outputs[i], twin.forward(inputs[i])));

  // Whole models: every thread's images come out as they do one at a time.
  for (const auto& [arch, scale] : {std::pair{"fsrcnn", 2}, std::pair{"espcn", 3}, std::pair{"resizeconv", 4}}) {
    CAPTURE(arch);
    auto model = small_model(arch, scale);
    const auto alone = copy_of(*model);
    std::vector<Tensor> results(4);
    std::vector<Tensor> images;
    for (size_t i = 0; i < results.size(); ++i)
      images.push_back(random_tensor(Shape{1, 1, 12, 9 + static_cast<int64_t>(i)}, rng));
    std::latch go(2);
    std::thread a([&] {
      go.arrive_and_wait();
      for (size_t i = 0; i < results.size(); i += 2) results[i] = model->forward(images[i]);
    });
    std::thread b([&] {
      go.arrive_and_wait();
      for (size_t i = 1; i < results.size(); i += 2) results[i] = model->forward(images[i]);
    });
    a.join();
    b.join();
    for (size_t i = 0; i < results.size(); ++i) CHECK(same_bits(results[i], alone->forward(images[i])));
  }
}

TEST_CASE("a resize-conv is one layer with the parameter names of PyTorch's upsample and conv") {
  const auto model = models::build_model({{"arch", "resizeconv"}, {"scale", "3"}});
  const nn::Sequential& net = model->net();
  // The FSRCNN body (conv and PReLU, ×7) then the resize-conv, which stands for entries 14 and 15.
  CHECK(net.size() == 15);
  CHECK(net.parameter_index(13) == 13);
  CHECK(net.parameter_index(14) == 15);
  const auto params = net.parameters();
  CHECK(params[params.size() - 2]->name == "15.weight");
  CHECK(params.back()->name == "15.bias");
  CHECK(net.upscale() == 3);
  CHECK(net[14].describe() == "nearest resize ×3, conv 7×7 56→1");

  // A chain after it counts on from there, under a prefix too.
  nn::Sequential chain;
  chain.add(std::make_unique<nn::ResizeConv2d>(ops::ResizeMode::Bilinear, 2, 3, 3, 3));
  chain.add(std::make_unique<nn::Conv2d>(3, 1, 1));
  CHECK(chain.parameters()[0]->name == "1.weight");
  CHECK(chain.parameters()[2]->name == "2.weight");
  chain.set_name_prefix("up.0.");
  CHECK(chain.parameters()[0]->name == "up.0.1.weight");
  CHECK(chain.parameters()[3]->name == "up.0.2.bias");
}

}  // namespace
}  // namespace upsample
