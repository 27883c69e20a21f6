#include "train/trainer.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>

#include "ops/losses.hpp"
#include "imaging/degradations.hpp"
#include "nn/layers.hpp"
#include "tensor/error.hpp"
#include "train/training_loop.hpp"
#include "train/training_task.hpp"

namespace upsample::train {

namespace fs = std::filesystem;

double cosine_learning_rate(double start, double end, int64_t step, int64_t total) {
  if (total <= 1) return start;
  const double t = std::min(1.0, static_cast<double>(step) / static_cast<double>(total));
  return end + 0.5 * (start - end) * (1.0 + std::cos(std::numbers::pi * t));
}

namespace {

ops::LossResult compute_loss(const std::string& loss, const Tensor& prediction, const Tensor& target) {
  if (loss == "mse") return ops::mse_loss(prediction, target);
  if (loss == "l1") return ops::l1_loss(prediction, target);
  if (loss == "charbonnier") return ops::charbonnier_loss(prediction, target);
  throw Error("unknown loss '" + loss + "' (mse, l1, charbonnier)");
}

// A conv weight [out, in, kh, kw] reading more input planes than the source's: a network
// told extra condition planes, started from one that was not.
bool reads_more_planes(const Shape& target, const Shape& source) {
  return target.rank() == 4 && source.rank() == 4 && target.n() == source.n() && target.h() == source.h() &&
         target.w() == source.w() && target.c() > source.c();
}

// A source tensor's name in the model being trained: "N.weight" becomes "M.weight" when
// the layer moves from N to M.
std::string moved_name(const std::string& name, const std::map<int, int>& moves) {
  const size_t dot = name.find('.');
  int index = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + std::min(dot, name.size()), index);
  if (dot == std::string::npos || ec != std::errc() || end != name.data() + dot) return name;
  const auto move = moves.find(index);
  return move == moves.end() ? name : std::to_string(move->second) + name.substr(dot);
}

// Copies every tensor of `source` whose name (after `moves`) and shape match into `model`
// (a conv that reads more planes takes the source's taps for the planes it had); returns
// how many parameters were taken.
size_t take_matching_weights(models::Model& model, const models::Model& source, const std::map<int, int>& moves) {
  size_t taken = 0;
  const auto from = source.net().parameters();
  for (nn::Parameter* p : model.net().parameters())
    for (const nn::Parameter* q : from) {
      if (moved_name(q->name, moves) != p->name) continue;
      const Shape &to = p->value.shape(), &have = q->value.shape();
      if (have == to) {
        std::copy_n(q->value.data(), q->value.numel(), p->value.data());
        ++taken;
      } else if (reads_more_planes(to, have)) {
        // The source's taps for its planes, zero for the new ones: the model starts out
        // computing exactly what the source did, and learns to use the new planes.
        p->value.fill(0.0f);
        const int64_t taps = have.h() * have.w();
        for (int64_t o = 0; o < to.n(); ++o)
          std::copy_n(q->value.data() + o * have.c() * taps, have.c() * taps, p->value.data() + o * to.c() * taps);
        ++taken;
      }
    }
  return taken;
}

// The parameters of the last layer that has any (the upsampling layer in all our SR models).
std::vector<nn::Parameter*> last_layer_parameters(models::Model& model) {
  for (size_t i = model.net().size(); i-- > 0;) {
    auto params = model.net()[i].parameters();
    if (!params.empty()) return params;
  }
  return {};
}

// Makes layer `index` a pass-through: its conv copies each input plane to the same output
// plane, and a PReLU right after it gets slope 1.
void start_as_identity(models::Model& model, int index) {
  nn::Sequential& net = model.net();
  for (size_t i = 0; i < net.size(); ++i) {
    if (net[i].parameters().empty() || net.parameter_index(i) != index) continue;
    auto* conv = dynamic_cast<nn::Conv2d*>(&net[i]);
    Tensor* w = conv ? &conv->weight().value : nullptr;
    const ops::Conv2dParams* cp = conv ? &conv->params() : nullptr;
    if (w == nullptr || w->shape().n() != w->shape().c() || w->shape().h() != w->shape().w() ||
        w->shape().h() % 2 == 0 || cp->groups != 1 || cp->stride_h != 1 || cp->stride_w != 1 ||
        cp->dilation_h != 1 || cp->dilation_w != 1)
      throw Error("train: layer " + std::to_string(index) + " of " + model.arch() +
                  " cannot start as the identity: it is not a stride-1 convolution with an odd square kernel "
                  "and as many outputs as inputs");
    const int64_t planes = w->shape().n(), k = w->shape().h();
    w->fill(0.0f);
    for (int64_t o = 0; o < planes; ++o) w->data()[((o * planes + o) * k + k / 2) * k + k / 2] = 1.0f;
    conv->bias().value.fill(0.0f);
    if (i + 1 < net.size())
      if (auto* prelu = dynamic_cast<nn::PRelu*>(&net[i + 1])) prelu->parameters().front()->value.fill(1.0f);
    return;
  }
  throw Error("train: " + model.arch() + " has no layer " + std::to_string(index) + " to start as the identity");
}

}  // namespace

ops::LossResult interior_loss(const std::string& loss, const Tensor& prediction, const Tensor& target, int border) {
  if (border == 0) return compute_loss(loss, prediction, target);
  const Shape& s = prediction.shape();
  const int64_t rows = s.h() - 2 * border, cols = s.w() - 2 * border;
  auto interior = [&](const Tensor& t) {
    Tensor out(Shape{s.n(), s.c(), rows, cols});
    for (int64_t n = 0; n < s.n(); ++n)
      for (int64_t c = 0; c < s.c(); ++c)
        for (int64_t y = 0; y < rows; ++y) std::copy_n(t.row(n, c, y + border) + border, cols, out.row(n, c, y));
    return out;
  };
  ops::LossResult inner = compute_loss(loss, interior(prediction), interior(target));
  Tensor grad(s);  // zeros outside the interior
  for (int64_t n = 0; n < s.n(); ++n)
    for (int64_t c = 0; c < s.c(); ++c)
      for (int64_t y = 0; y < rows; ++y) std::copy_n(inner.grad.row(n, c, y), cols, grad.row(n, c, y + border) + border);
  inner.grad = std::move(grad);
  return inner;
}

namespace {

void check_options(const TrainOptions& o) {
  if (o.output.empty()) throw Error("train: no output file given");
  if (o.batch < 1 || o.lr_patch < 4 || o.steps < 1) throw Error("train: batch ≥ 1, patch ≥ 4 and steps ≥ 1 please");
  if (o.loss_border < 0 || 2 * o.loss_border >= o.lr_patch)
    throw Error("train: the loss border (" + std::to_string(o.loss_border) + ") must leave some of the " +
                std::to_string(o.lr_patch) + "-pixel patch: 0 ≤ border < patch / 2");
  compute_loss(o.loss, Tensor::zeros(Shape{1, 1, 1, 1}), Tensor::zeros(Shape{1, 1, 1, 1}));  // validates the name
  if (o.damage) imaging::check_random_damage(*o.damage);
  if (o.damage && o.task != TaskKind::super_resolution) throw Error("train: --damage is for super-resolution (--task sr)");
}

void apply_layer_learning_rates(models::Model& model, const std::map<int, float>& multipliers) {
  nn::Sequential& net = model.net();
  for (const auto& [index, multiplier] : multipliers) {
    // INDEX is the one in the layer's tensor names: a resize-conv, one layer for two
    // PyTorch modules, makes it differ from the layer's position.
    nn::Layer* layer = nullptr;
    std::string with_parameters;
    for (size_t i = 0; i < net.size(); ++i) {
      if (net[i].parameters().empty()) continue;
      if (net.parameter_index(i) == index) layer = &net[i];
      with_parameters += (with_parameters.empty() ? "" : ", ") + std::to_string(net.parameter_index(i));
    }
    if (layer == nullptr)
      throw Error("train: layer " + std::to_string(index) + " of " + model.arch() +
                  " has no parameters; the layers that have are " + with_parameters);
    if (!(multiplier > 0.0f)) throw Error("train: the learning-rate multiplier of layer " + std::to_string(index) + " must be > 0");
    for (nn::Parameter* p : layer->parameters()) p->lr_multiplier = multiplier;
  }
}

// The model to train: built from the options, started from --init models, with the
// layers that learn and their learning rates set.
std::unique_ptr<models::Model> prepare_model(const TrainOptions& o, const Log& log) {
  auto model = models::build_model(o.model, o.seed);
  for (const fs::path& init : o.init) {
    const size_t taken = take_matching_weights(*model, *models::load_model(init), o.init_layer_moves);
    log("initialised " + std::to_string(taken) + " of " + std::to_string(model->net().parameters().size()) +
        " parameter tensors from " + init.string());
  }
  for (int index : o.identity_layers) start_as_identity(*model, index);
  if (o.train_last_layer_only) {
    for (nn::Parameter* p : model->net().parameters()) p->trainable = false;
    // The papers' slower last layer balances it against the body; with the body frozen
    // that would only slow the fine-tune down.
    for (nn::Parameter* p : last_layer_parameters(*model)) {
      p->trainable = true;
      p->lr_multiplier = 1.0f;
    }
  }
  apply_layer_learning_rates(*model, o.layer_lr_multipliers);
  if (model->channels() != 1) throw Error("train: only Y-channel models can be trained for now");
  return model;
}

void record_training(models::Metadata& meta, const TrainOptions& o, const TrainResult& r) {
  meta["training_command"] = o.command_line;
  std::string folders;
  for (const auto& f : o.train_folders) folders += (folders.empty() ? "" : ", ") + f.string();
  meta["training_data"] = folders;
  meta["training_steps"] = std::to_string(r.steps);
  meta["training_seconds"] = std::to_string(static_cast<int64_t>(r.seconds));
  meta["training_loss"] = o.loss;
  if (o.loss_border > 0) meta["training_loss_border"] = std::to_string(o.loss_border);
  if (o.validation_folder) {
    meta["validation_data"] = o.validation_folder->string();
    meta["validation_psnr"] = std::to_string(r.validation_psnr);
  }
}

}  // namespace

TrainResult train_model(const TrainOptions& o, const std::function<void(const TrainProgress&)>& on_progress,
                        const Log& log) {
  check_options(o);
  const auto model = prepare_model(o, log);
  const auto task = make_training_task(*model, o, log);
  const TrainResult result = run_training_loop(*model, *task, o, on_progress, log);
  if (!result.finished) return result;
  record_training(model->metadata(), o, result);
  const bool scored = o.task != TaskKind::blur_estimate;
  task->finish(model->metadata(), scored ? o.final_eval_folders : std::vector<fs::path>{}, log);
  models::save_model(*model, o.output);
  return result;
}

}  // namespace upsample::train
