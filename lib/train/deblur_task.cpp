// Deblurring: sharp patches blurred on the fly (deblur_data.hpp). A network told the blur
// (condition planes or a Wiener prefilter) is given each patch's blur code: the true one,
// or what a blur estimator reads off the patch, as `upsample deblur` will.
#include <memory>

#include "analysis/evaluation.hpp"
#include "deblur/blur_estimate.hpp"
#include "deblur/blur_reading.hpp"
#include "deblur/evaluation.hpp"
#include "deblur/kernel_spec.hpp"
#include "deblur/told_network.hpp"
#include "imaging/blur_kernels.hpp"
#include "pipeline/learned_methods.hpp"
#include "tensor/error.hpp"
#include "train/blur_reading_bank.hpp"
#include "train/deblur_data.hpp"
#include "train/trainer.hpp"
#include "train/training_task.hpp"

namespace upsample::train {

namespace {

std::shared_ptr<const models::Model> load_code_estimator(const TrainOptions& o, bool told_blur) {
  if (o.code_estimator.empty()) return nullptr;
  if (!told_blur)
    throw Error("train: a blur estimator is for a deblurring network told the blur (--task deblur with --set "
                "condition=3 or --set prefilter=wiener)");
  std::shared_ptr<const models::Model> estimator = models::load_model(o.code_estimator);
  const auto task = estimator->metadata().find("task");
  if (task == estimator->metadata().end() || task->second != "blur-estimate")
    throw Error("train: " + o.code_estimator.string() + " is not a blur estimator (its arch is '" + estimator->arch() +
                "')");
  return estimator;
}

class DeblurTask final : public TrainingTask {
 public:
  DeblurTask(models::Model& model, const TrainOptions& o, const Log& log)
      : model_(model), options_(o), told_blur_(deblur::is_told_blur(model)),
        estimator_(load_code_estimator(o, told_blur_)), data_(load_deblur_data(o, log)) {
    if (o.validation_folder) validation_ = deblur::load_deblur_validation_set(*o.validation_folder);
    if (o.reading_regions > 0) {
      const double nsr = model.wiener_prefilter_nsr();
      if (!estimator_ || nsr <= 0 || model.condition_planes() > 0)
        throw Error("train: --read-regions is for a network told the blur through a Wiener pre-filter alone (--set "
                    "prefilter=wiener, no condition planes), with --estimator");
      if (o.reading_side < o.lr_patch)
        throw Error("train: --read-side " + std::to_string(o.reading_side) + " is smaller than the patches (" +
                    std::to_string(o.lr_patch) + ")");
      BlurReadingBankOptions bank;
      bank.regions = o.reading_regions;
      bank.side = o.reading_side;
      bank.nsr = nsr;
      bank.seed = o.seed;
      reading_bank_ = std::make_unique<BlurReadingBank>(BlurReadingBank::build(*data_, *estimator_, bank, log));
    }
    // A told network learning from an estimator is scored as `upsample deblur` runs it
    // (told the kernel read off the image when it learns from such readings); one
    // learning from the true blur is scored told the true blur.
    if (reading_bank_)
      validator_ = deblur::kernel_told_restorer(borrowed(model), 0, [estimator = estimator_](const cv::Mat& y) {
        return deblur::read_blur(*estimator, y).kernel;
      });
    else if (estimator_)
      validator_ = deblur::told_network_restorer(borrowed(model), 0, [estimator = estimator_](const cv::Mat& y) {
        return deblur::estimate_blur_code(*estimator, y);
      });
    else if (!told_blur_)
      validator_ = pipeline::upscaler_for_model(borrowed(model), 0);
  }

  void sample(std::mt19937& rng, Tensor& input, Tensor& target) override {
    if (!told_blur_) return data_->sample(rng, options_.batch, options_.lr_patch, input, target);
    if (reading_bank_) return reading_bank_->sample(rng, options_.batch, options_.lr_patch, input, target);
    Tensor blurred;
    std::vector<imaging::BlurCode> codes;
    data_->sample(rng, options_.batch, options_.lr_patch, blurred, target, &codes);
    if (estimator_) codes = deblur::estimate_blur_codes(*estimator_, blurred);
    input = deblur::told_network_input(model_, blurred, codes);
  }

  bool has_validation() const override { return !validation_.empty(); }
  double validate() override { return analysis::average(scores(validation_)).psnr; }

  void finish(models::Metadata& meta, const std::vector<std::filesystem::path>& folders, const Log& log) override {
    if (told_blur_ && !estimator_ && (options_.validation_folder || !folders.empty()))
      meta["scores_told_the_blur"] = "yes";
    if (estimator_)
      meta[reading_bank_ ? "blur_read_with" : "blur_codes_from"] = options_.code_estimator.filename().string();
    for (const auto& folder : folders) {
      const auto mean = analysis::average(scores(deblur::load_deblur_validation_set(folder)));
      record_scores(meta, folder, 1, mean.psnr, mean.ssim, log);
    }
  }

 private:
  static std::shared_ptr<const DeblurPatchSampler> load_deblur_data(const TrainOptions& o, const Log& log) {
    DeblurDataOptions data_options = deblur_data_options(o);
    if (!o.fixed_blur.empty()) data_options.fixed_kernel = deblur::load_blur_kernel(o.fixed_blur);
    auto data = std::make_shared<const DeblurPatchSampler>(DeblurPatchSampler::build(data_options, log));
    log("training data: " + std::to_string(data->files()) + " images, " + std::to_string(data->images()) +
        " sharp images with down-scaling augmentation, blurred on the fly");
    return data;
  }

  std::vector<analysis::ImageScore> scores(const std::vector<deblur::DeblurEvalImage>& set) const {
    model_.net().weights_changed();
    if (told_blur_ && !estimator_) return deblur::evaluate_told_blur(borrowed(model_), set);
    return deblur::evaluate_deblurrer(*validator_, set);
  }

  models::Model& model_;
  const TrainOptions& options_;
  bool told_blur_;
  std::shared_ptr<const models::Model> estimator_;
  std::shared_ptr<const DeblurPatchSampler> data_;
  std::unique_ptr<BlurReadingBank> reading_bank_;
  std::vector<deblur::DeblurEvalImage> validation_;
  std::unique_ptr<pipeline::Upscaler> validator_;
};

}  // namespace

std::unique_ptr<TrainingTask> make_deblur_task(models::Model& model, const TrainOptions& options, const Log& log) {
  return std::make_unique<DeblurTask>(model, options, log);
}

}  // namespace upsample::train
