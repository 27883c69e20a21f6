#include "train/trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <numbers>
#include <sstream>

#include <nlohmann/json.hpp>

#include "analysis/evaluation.hpp"
#include "deblur/blur_estimate.hpp"
#include "deblur/evaluation.hpp"
#include "deblur/told_network.hpp"
#include "io/safetensors.hpp"
#include "ops/losses.hpp"
#include "pipeline/learned_methods.hpp"
#include "tensor/error.hpp"
#include "train/adam.hpp"
#include "deblur/blur_code_planes.hpp"
#include "train/deblur_data.hpp"
#include "train/patch_dataset.hpp"

namespace upsample::train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

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

// Copies every tensor of `source` whose name and shape match into `model` (a conv that
// reads more planes takes the source's taps for the planes it had); returns how many
// parameters were taken.
size_t take_matching_weights(models::Model& model, const models::Model& source) {
  size_t taken = 0;
  const auto from = source.net().parameters();
  for (nn::Parameter* p : model.net().parameters())
    for (const nn::Parameter* q : from) {
      if (q->name != p->name) continue;
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

// What identifies a run: resuming with other settings would silently mix two runs.
std::string run_signature(const TrainOptions& o) {
  nlohmann::json j = {{"model", o.model}, {"batch", o.batch}, {"lr_patch", o.lr_patch}, {"steps", o.steps},
                      {"learning_rate", o.learning_rate}, {"final_learning_rate", o.final_learning_rate},
                      {"loss", o.loss}, {"seed", o.seed}, {"last_layer_only", o.train_last_layer_only}};
  // Only when not the default, so the checkpoints of earlier deblurring runs still resume.
  if (o.motion_fraction != TrainOptions{}.motion_fraction) j["motion_fraction"] = o.motion_fraction;
  if (!o.fixed_blur.empty()) j["fixed_blur"] = o.fixed_blur;
  if (!o.code_estimator.empty()) j["code_estimator"] = o.code_estimator.string();
  std::vector<std::string> folders;
  for (const auto& f : o.train_folders) folders.push_back(f.string());
  j["train_folders"] = folders;
  if (o.loss_border > 0) j["loss_border"] = o.loss_border;  // (absent in older checkpoints)
  for (const auto& [index, multiplier] : o.layer_lr_multipliers) j["layer_lr"][std::to_string(index)] = multiplier;
  j.erase("steps");  // a run may be extended: resume with more steps
  return j.dump();
}

struct Checkpoint {
  int64_t step = 0;
  double seconds = 0;
  double validation_psnr = 0;
  std::string rng_state;
};

void save_checkpoint(const fs::path& path, const models::Model& model, const Adam& adam, const TrainOptions& o,
                     const Checkpoint& c) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const nn::Parameter* p : model.net().parameters()) tensors.emplace_back(p->name, p->value);
  for (auto& t : adam.state()) tensors.push_back(std::move(t));
  models::Metadata meta = model.metadata();
  meta["checkpoint.step"] = std::to_string(c.step);
  meta["checkpoint.seconds"] = std::to_string(c.seconds);
  meta["checkpoint.validation_psnr"] = std::to_string(c.validation_psnr);
  meta["checkpoint.rng"] = c.rng_state;
  meta["checkpoint.run"] = run_signature(o);
  io::write_safetensors(path, tensors, meta);
}

Checkpoint load_checkpoint(const fs::path& path, models::Model& model, Adam& adam, const TrainOptions& o) {
  const io::SafetensorsContent file = io::read_safetensors(path);
  const auto& meta = file.metadata;
  auto get = [&](const std::string& key) {
    const auto it = meta.find(key);
    if (it == meta.end()) throw Error(path.string() + ": not a training checkpoint (no '" + key + "')");
    return it->second;
  };
  if (get("checkpoint.run") != run_signature(o))
    throw Error(path.string() + ": this checkpoint belongs to a run with other settings; resume with the same "
                                "options, or choose another --checkpoint");
  for (nn::Parameter* p : model.net().parameters()) {
    const Tensor& t = file.get(p->name);
    check_shape(t.shape(), p->value.shape(), path.string() + ": tensor " + p->name);
    std::copy_n(t.data(), t.numel(), p->value.data());
  }
  Checkpoint c;
  c.step = std::stoll(get("checkpoint.step"));
  c.seconds = std::stod(get("checkpoint.seconds"));
  c.validation_psnr = std::stod(get("checkpoint.validation_psnr"));
  c.rng_state = get("checkpoint.rng");
  adam.restore(file.tensors, c.step);
  model.net().weights_changed();
  return c;
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

TrainResult train_model(const TrainOptions& o, const std::function<void(const TrainProgress&)>& on_progress,
                        const std::function<void(const std::string&)>& log) {
  if (o.output.empty()) throw Error("train: no output file given");
  if (o.batch < 1 || o.lr_patch < 4 || o.steps < 1) throw Error("train: batch ≥ 1, patch ≥ 4 and steps ≥ 1 please");
  if (o.loss_border < 0 || 2 * o.loss_border >= o.lr_patch)
    throw Error("train: the loss border (" + std::to_string(o.loss_border) + ") must leave some of the " +
                std::to_string(o.lr_patch) + "-pixel patch: 0 ≤ border < patch / 2");
  compute_loss(o.loss, Tensor::zeros(Shape{1, 1, 1, 1}), Tensor::zeros(Shape{1, 1, 1, 1}));  // validates the name
  const fs::path checkpoint_path = o.checkpoint.empty() ? fs::path(o.output.string() + ".ckpt") : o.checkpoint;

  auto model_owner = models::build_model(o.model, o.seed);
  models::Model& model = *model_owner;
  for (const fs::path& init : o.init) {
    const auto source = models::load_model(init);
    const size_t taken = take_matching_weights(model, *source);
    log("initialised " + std::to_string(taken) + " of " + std::to_string(model.net().parameters().size()) +
        " parameter tensors from " + init.string());
  }
  if (o.train_last_layer_only) {
    for (nn::Parameter* p : model.net().parameters()) p->trainable = false;
    // The papers' slower last layer balances it against the body; with the body frozen
    // that would only slow the fine-tune down.
    for (nn::Parameter* p : last_layer_parameters(model)) {
      p->trainable = true;
      p->lr_multiplier = 1.0f;
    }
  }
  for (const auto& [index, multiplier] : o.layer_lr_multipliers) {
    const size_t layers = model.net().size();
    if (index < 0 || static_cast<size_t>(index) >= layers || model.net()[static_cast<size_t>(index)].parameters().empty()) {
      std::string with_parameters;
      for (size_t i = 0; i < layers; ++i)
        if (!model.net()[i].parameters().empty()) with_parameters += (with_parameters.empty() ? "" : ", ") + std::to_string(i);
      throw Error("train: layer " + std::to_string(index) + " of " + model.arch() +
                  " has no parameters; the layers that have are " + with_parameters);
    }
    if (!(multiplier > 0.0f)) throw Error("train: the learning-rate multiplier of layer " + std::to_string(index) + " must be > 0");
    for (nn::Parameter* p : model.net()[static_cast<size_t>(index)].parameters()) p->lr_multiplier = multiplier;
  }
  const int scale = model.scale();
  if (model.channels() != 1) throw Error("train: only Y-channel models can be trained for now");

  // The task picks the training pairs and the validation: (input, target) batches of
  // o.batch patches of o.lr_patch pixels (input size).
  const bool deblur = o.task == "deblur", estimate = o.task == "blur-estimate";
  if (!deblur && !estimate && o.task != "sr")
    throw Error("train: the task must be sr, deblur or blur-estimate, not '" + o.task + "'");
  const auto model_task = model.metadata().find("task");
  if ((model_task == model.metadata().end() ? std::string("sr") : model_task->second) != o.task)
    throw Error("train: a " + model.arch() + " model is not trained for the " + o.task + " task");
  // A deblurring network told the blur (condition=3, prefilter=wiener) is given each
  // patch's blur code, as planes or as the kernel its input is Wiener-deconvolved with.
  const bool told_blur = deblur && deblur::is_told_blur(model);
  std::shared_ptr<const models::Model> code_estimator;
  if (!o.code_estimator.empty()) {
    if (!told_blur)
      throw Error("train: a blur estimator is for a deblurring network told the blur (--task deblur with --set "
                  "condition=3 or --set prefilter=wiener)");
    code_estimator = models::load_model(o.code_estimator);
    const auto task = code_estimator->metadata().find("task");
    if (task == code_estimator->metadata().end() || task->second != "blur-estimate")
      throw Error("train: " + o.code_estimator.string() + " is not a blur estimator (its arch is '" +
                  code_estimator->arch() + "')");
  }
  std::function<void(std::mt19937&, Tensor&, Tensor&)> sample_batch;
  const auto data_start = Clock::now();
  if (deblur || estimate) {
    DeblurDataOptions data_options;
    data_options.folders = o.train_folders;
    data_options.blur.motion_fraction = o.motion_fraction;
    if (!o.fixed_blur.empty()) data_options.fixed_kernel = imaging::parse_blur_kernel(o.fixed_blur);
    auto data = std::make_shared<const DeblurPatchSampler>(DeblurPatchSampler::build(data_options, log));
    log("training data: " + std::to_string(data->files()) + " images, " + std::to_string(data->images()) +
        " sharp images with down-scaling augmentation, blurred on the fly");
    if (estimate) {
      // The estimator's target: every output cell holds the patch's blur code.
      const Shape out = model.net().output_shape(Shape{o.batch, 1, o.lr_patch, o.lr_patch});
      sample_batch = [data, &o, out](std::mt19937& rng, Tensor& in, Tensor& target) {
        Tensor sharp;
        std::vector<imaging::BlurCode> codes;
        data->sample(rng, o.batch, o.lr_patch, in, sharp, &codes);
        target = deblur::blur_code_planes(codes, out.h(), out.w());
      };
    } else if (told_blur) {
      sample_batch = [data, &o, code_estimator, &model](std::mt19937& rng, Tensor& in, Tensor& target) {
        Tensor blurred;
        std::vector<imaging::BlurCode> codes;
        data->sample(rng, o.batch, o.lr_patch, blurred, target, &codes);
        if (code_estimator) codes = deblur::estimate_blur_codes(*code_estimator, blurred);
        in = deblur::told_network_input(model, blurred, codes);
      };
    } else {
      sample_batch = [data, &o](std::mt19937& rng, Tensor& in, Tensor& target) {
        data->sample(rng, o.batch, o.lr_patch, in, target);
      };
    }
  } else {
    PatchDatasetOptions data_options;
    data_options.folders = o.train_folders;
    data_options.scale = scale;
    auto data = std::make_shared<const PatchDataset>(PatchDataset::build(data_options, log));
    log("training data: " + std::to_string(data->files()) + " images, " + std::to_string(data->pairs()) +
        " LR/HR pairs with down-scaling augmentation, prepared in " +
        std::to_string(std::chrono::duration<double>(Clock::now() - data_start).count()).substr(0, 4) + " s");
    sample_batch = [data, &o](std::mt19937& rng, Tensor& in, Tensor& target) {
      data->sample(rng, o.batch, o.lr_patch, in, target);
    };
  }

  std::vector<analysis::EvalImage> validation;
  std::vector<deblur::DeblurEvalImage> deblur_validation;
  // The blur estimator has no image to score: its loss (the code error) is its measure.
  const bool scored = !estimate;
  if (estimate && (o.validation_folder || !o.final_eval_folders.empty()))
    log("the blur estimator is measured by its loss only: no validation or final evaluation");
  if (o.validation_folder && deblur) deblur_validation = deblur::load_deblur_validation_set(*o.validation_folder);
  else if (o.validation_folder && scored) validation = analysis::load_eval_set(*o.validation_folder, scale);
  const bool has_validation = !validation.empty() || !deblur_validation.empty();
  // The model being trained, seen as an upscaler (no ownership: it lives in model_owner).
  const std::shared_ptr<const models::Model> model_view(&model, [](const models::Model*) {});
  // A told network is scored told the true blur, or, if it learns from an estimator's
  // codes, told what the estimator reads off each image (as `upsample deblur` runs it).
  const bool scored_told_true = told_blur && !code_estimator;
  std::unique_ptr<pipeline::Upscaler> validator;
  if (code_estimator)
    validator = deblur::told_network_restorer(
        model_view, 0, [code_estimator](const cv::Mat& y) { return deblur::estimate_blur_code(*code_estimator, y); });
  else if (scored && !scored_told_true)
    validator = pipeline::upscaler_for_model(model_view, 0);
  auto deblur_scores = [&](const std::vector<deblur::DeblurEvalImage>& set) {
    return scored_told_true ? deblur::evaluate_told_blur(model_view, set) : deblur::evaluate_deblurrer(*validator, set);
  };
  auto validate = [&] {
    model.net().weights_changed();
    if (deblur) return analysis::average(deblur_scores(deblur_validation)).psnr;
    return validation.empty() ? 0.0 : analysis::average(analysis::evaluate_upscaler(*validator, validation, scale)).psnr;
  };

  Adam adam(model.net().parameters());
  std::mt19937 rng(o.seed);
  Checkpoint state;
  if (o.resume && fs::exists(checkpoint_path)) {
    state = load_checkpoint(checkpoint_path, model, adam, o);
    std::istringstream(state.rng_state) >> rng;
    log("resumed from " + checkpoint_path.string() + " at step " + std::to_string(state.step));
  } else if (o.resume) {
    log("no checkpoint at " + checkpoint_path.string() + " yet: starting from step 0");
  }

  Tensor lr_batch, hr_batch;
  double loss_sum = 0;
  int loss_count = 0;
  double recent_loss = 0;
  const auto run_start = Clock::now();
  const double seconds_before = state.seconds;
  auto last_report = Clock::now(), last_checkpoint = Clock::now();
  const int64_t first_step = state.step;
  auto elapsed = [&] { return seconds_before + std::chrono::duration<double>(Clock::now() - run_start).count(); };
  auto checkpoint = [&] {
    std::ostringstream rng_text;
    rng_text << rng;
    state.rng_state = rng_text.str();
    state.seconds = elapsed();
    save_checkpoint(checkpoint_path, model, adam, o, state);
    last_checkpoint = Clock::now();
  };
  auto report = [&](double lr) {
    const double run_seconds = std::chrono::duration<double>(Clock::now() - run_start).count();
    const double steps_per_second = run_seconds > 0 ? static_cast<double>(state.step - first_step) / run_seconds : 0;
    on_progress({state.step, o.steps, recent_loss, state.validation_psnr, steps_per_second * o.batch,
                 steps_per_second > 0 ? static_cast<double>(o.steps - state.step) / steps_per_second : 0, lr});
    last_report = Clock::now();
  };

  auto out_of_budget = [&] {
    if (o.max_steps_this_run > 0 && state.step - first_step >= o.max_steps_this_run) return true;
    return o.max_minutes_this_run > 0 &&
           std::chrono::duration<double>(Clock::now() - run_start).count() >= o.max_minutes_this_run * 60.0;
  };
  while (state.step < o.steps) {
    if (out_of_budget()) {
      checkpoint();
      log("stopped at step " + std::to_string(state.step) + " of " + std::to_string(o.steps) + "; checkpoint " +
          checkpoint_path.string() + " (run again with --resume to continue)");
      return {false, recent_loss, state.validation_psnr, elapsed(), state.step};
    }
    const double lr = cosine_learning_rate(o.learning_rate, o.final_learning_rate, state.step, o.steps);
    sample_batch(rng, lr_batch, hr_batch);
    model.net().zero_grad();
    const Tensor prediction = model.net().forward_train(lr_batch);
    const ops::LossResult loss = interior_loss(o.loss, prediction, hr_batch, o.loss_border * scale);
    if (!std::isfinite(loss.value))
      throw Error("training diverged at step " + std::to_string(state.step) + " (loss is " + std::to_string(loss.value) +
                  "): lower --lr");
    model.net().backward(loss.grad, /*need_input_gradient=*/false);
    adam.step(lr);
    ++state.step;
    loss_sum += loss.value;
    ++loss_count;

    const bool validate_now = o.validate_every > 0 && state.step % o.validate_every == 0;
    if (validate_now && has_validation) state.validation_psnr = validate();
    // Report the first step at once (the starting loss), then about once a second.
    if (state.step == first_step + 1 || std::chrono::duration<double>(Clock::now() - last_report).count() >= 1.0 ||
        validate_now ||
        state.step == o.steps) {
      recent_loss = loss_sum / std::max(1, loss_count);
      loss_sum = 0;
      loss_count = 0;
      report(lr);
    }
    if (std::chrono::duration<double>(Clock::now() - last_checkpoint).count() >= o.checkpoint_minutes * 60.0) {
      checkpoint();
      log("checkpoint saved at step " + std::to_string(state.step));
    }
  }
  if (has_validation) state.validation_psnr = validate();
  checkpoint();

  models::Metadata& meta = model.metadata();
  meta["training_command"] = o.command_line;
  std::string folders;
  for (const auto& f : o.train_folders) folders += (folders.empty() ? "" : ", ") + f.string();
  meta["training_data"] = folders;
  meta["training_steps"] = std::to_string(state.step);
  meta["training_seconds"] = std::to_string(static_cast<int64_t>(elapsed()));
  meta["training_loss"] = o.loss;
  if (o.loss_border > 0) meta["training_loss_border"] = std::to_string(o.loss_border);
  if (o.validation_folder) {
    meta["validation_data"] = o.validation_folder->string();
    meta["validation_psnr"] = std::to_string(state.validation_psnr);
  }
  // Scores of a network told the blur were measured telling it the true one.
  if (scored_told_true && (o.validation_folder || !o.final_eval_folders.empty())) meta["scores_told_the_blur"] = "yes";
  if (code_estimator) meta["blur_codes_from"] = o.code_estimator.filename().string();
  model.net().weights_changed();
  for (const auto& folder : scored ? o.final_eval_folders : std::vector<fs::path>{}) {
    const auto scores =
        deblur ? analysis::average(deblur_scores(deblur::load_deblur_validation_set(folder)))
               : analysis::average(analysis::evaluate_upscaler(*validator, analysis::load_eval_set(folder, scale), scale));
    const std::string name = folder.filename().empty() ? folder.parent_path().filename().string() : folder.filename().string();
    char psnr[32], ssim[32];
    std::snprintf(psnr, sizeof psnr, "%.2f", scores.psnr);
    std::snprintf(ssim, sizeof ssim, "%.4f", scores.ssim);
    meta["eval." + name + ".psnr"] = psnr;
    meta["eval." + name + ".ssim"] = ssim;
    log(name + " ×" + std::to_string(scale) + ": " + psnr + " dB / " + ssim);
  }
  models::save_model(model, o.output);
  return {true, recent_loss, state.validation_psnr, elapsed(), state.step};
}

}  // namespace upsample::train
