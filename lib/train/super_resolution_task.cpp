// Super-resolution: LR/HR patch pairs, either by the papers' protocol (clean HR shrunk
// with MATLAB's bicubic, patch_dataset.hpp) or, with damage options, each LR made on the
// fly with its own blur, downscale kernel, noise and JPEG (damaged_patches.hpp). A model
// with condition planes is told each patch's damage (pipeline/damage_condition.hpp).
#include <chrono>
#include <memory>

#include "analysis/evaluation.hpp"
#include "pipeline/damage_condition.hpp"
#include "pipeline/denoise.hpp"
#include "pipeline/learned_methods.hpp"
#include "tensor/error.hpp"
#include "train/damaged_patches.hpp"
#include "train/patch_dataset.hpp"
#include "train/trainer.hpp"
#include "train/training_task.hpp"

namespace upsample::train {

namespace {

using Clock = std::chrono::steady_clock;

// [B, 1 + planes, H, W]: each Y patch followed by the constant planes of its damage.
Tensor with_damage_planes(const Tensor& y, const std::vector<imaging::DamageDrawn>& drawn, int planes) {
  const Shape& s = y.shape();
  Tensor out(Shape{s.n(), 1 + planes, s.h(), s.w()});
  const int64_t area = s.h() * s.w();
  for (int64_t b = 0; b < s.n(); ++b) {
    std::copy_n(y.plane(b, 0), area, out.plane(b, 0));
    const auto& d = drawn[static_cast<size_t>(b)];
    const std::vector<float> values = pipeline::damage_condition(
        d.jpeg_quality, pipeline::luma_noise_sigma(d.noise_sigma, d.grey_noise), d.aliasing, planes);
    for (int k = 0; k < planes; ++k) std::fill_n(out.plane(b, 1 + k), area, values[static_cast<size_t>(k)]);
  }
  return out;
}

class SuperResolutionTask final : public TrainingTask {
 public:
  SuperResolutionTask(models::Model& model, const TrainOptions& o, const Log& log) : model_(model), options_(o) {
    const int condition = model.condition_planes();
    if (condition != 0 && !pipeline::is_damage_condition(condition))
      throw Error("train: a super-resolution model is told 0, " +
                  std::to_string(pipeline::kFewestDamageConditionPlanes) + " or " +
                  std::to_string(pipeline::kDamageConditionPlanes) +
                  " condition planes (JPEG, noise, aliasing), not " + std::to_string(condition));
    if (condition > 0 && !o.damage)
      throw Error("train: a model told its damage (--set condition=3) learns from damaged patches: add --damage");
    if (o.damage) load_damaged_data(log);
    else load_clean_data(log);
    if (o.validation_folder) validation_ = analysis::load_eval_set(*o.validation_folder, model.scale(), validation_damage());
    validator_ = validator();
  }

  void sample(std::mt19937& rng, Tensor& input, Tensor& target) override {
    if (clean_) return clean_->sample(rng, options_.batch, options_.lr_patch, input, target);
    std::vector<imaging::DamageDrawn> drawn;
    damaged_->sample(rng, options_.batch, options_.lr_patch, input, target, &drawn);
    if (model_.condition_planes() > 0) input = with_damage_planes(input, drawn, model_.condition_planes());
  }

  bool has_validation() const override { return !validation_.empty(); }
  double validate() override {
    model_.net().weights_changed();
    return analysis::average(analysis::evaluate_upscaler(*validator_, validation_, model_.scale())).psnr;
  }

  void finish(models::Metadata& meta, const std::vector<std::filesystem::path>& folders, const Log& log) override {
    if (options_.damage) meta["training_damage"] = imaging::random_damage_text(*options_.damage);
    if (!options_.validation_damage.empty()) meta["validation_damage"] = validation_damage()->text();
    model_.net().weights_changed();
    for (const auto& folder : folders) {
      const auto set = analysis::load_eval_set(folder, model_.scale(), validation_damage());
      const auto mean = analysis::average(analysis::evaluate_upscaler(*validator_, set, model_.scale()));
      record_scores(meta, folder, model_.scale(), mean.psnr, mean.ssim, log);
    }
  }

 private:
  void load_clean_data(const Log& log) {
    const auto start = Clock::now();
    PatchDatasetOptions data_options;
    data_options.folders = options_.train_folders;
    data_options.scale = model_.scale();
    clean_ = std::make_shared<const PatchDataset>(PatchDataset::build(data_options, log));
    log("training data: " + std::to_string(clean_->files()) + " images, " + std::to_string(clean_->pairs()) +
        " LR/HR pairs with down-scaling augmentation, prepared in " +
        std::to_string(std::chrono::duration<double>(Clock::now() - start).count()).substr(0, 4) + " s");
  }

  void load_damaged_data(const Log& log) {
    DamagedPatchOptions data_options;
    data_options.folders = options_.train_folders;
    data_options.scale = model_.scale();
    data_options.damage = *options_.damage;
    damaged_ = std::make_shared<const DamagedPatchSampler>(DamagedPatchSampler::build(data_options, log));
    log("training data: " + std::to_string(damaged_->files()) + " images, " + std::to_string(damaged_->images()) +
        " HR images with down-scaling augmentation, damaged on the fly: " +
        imaging::random_damage_text(*options_.damage));
  }

  const imaging::DamageSpec* validation_damage() const {
    if (options_.validation_damage.empty()) return nullptr;
    if (!parsed_validation_damage_) parsed_validation_damage_ = imaging::parse_damage_specs(options_.validation_damage);
    return &*parsed_validation_damage_;
  }

  // A model told its damage is told what the validation image's file says (or nothing,
  // on the clean protocol): the JPEG quality read from it, no noise.
  std::unique_ptr<pipeline::Upscaler> validator() const {
    if (model_.condition_planes() == 0) return pipeline::upscaler_for_model(borrowed(model_), 0);
    return pipeline::damage_aware_upscaler(borrowed(model_), 0);
  }

  models::Model& model_;
  const TrainOptions& options_;
  std::shared_ptr<const PatchDataset> clean_;
  std::shared_ptr<const DamagedPatchSampler> damaged_;
  mutable std::optional<imaging::DamageSpec> parsed_validation_damage_;
  std::vector<analysis::EvalImage> validation_;
  std::unique_ptr<pipeline::Upscaler> validator_;
};

}  // namespace

std::unique_ptr<TrainingTask> make_super_resolution_task(models::Model& model, const TrainOptions& options,
                                                         const Log& log) {
  return std::make_unique<SuperResolutionTask>(model, options, log);
}

}  // namespace upsample::train
