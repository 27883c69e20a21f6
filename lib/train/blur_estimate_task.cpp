// Blur estimation: the network reads a blurred patch and answers its blur code in every
// output cell. It has no image to score: its loss (the code error) is its measure.
#include <memory>

#include "deblur/blur_code_planes.hpp"
#include "tensor/error.hpp"
#include "train/deblur_data.hpp"
#include "train/trainer.hpp"
#include "train/training_task.hpp"

namespace upsample::train {

namespace {

class BlurEstimateTask final : public TrainingTask {
 public:
  BlurEstimateTask(models::Model& model, const TrainOptions& o, const Log& log) : options_(o) {
    if (!o.code_estimator.empty()) throw Error("train: --estimator is for --task deblur");
    data_ = std::make_shared<const DeblurPatchSampler>(DeblurPatchSampler::build(deblur_data_options(o), log));
    log("training data: " + std::to_string(data_->files()) + " images, " + std::to_string(data_->images()) +
        " sharp images with down-scaling augmentation, blurred on the fly");
    if (o.validation_folder || !o.final_eval_folders.empty())
      log("the blur estimator is measured by its loss only: no validation or final evaluation");
    output_ = model.net().output_shape(Shape{o.batch, 1, o.lr_patch, o.lr_patch});
  }

  void sample(std::mt19937& rng, Tensor& input, Tensor& target) override {
    Tensor sharp;
    std::vector<imaging::BlurCode> codes;
    data_->sample(rng, options_.batch, options_.lr_patch, input, sharp, &codes);
    target = deblur::blur_code_planes(codes, output_.h(), output_.w());
  }

  bool has_validation() const override { return false; }
  double validate() override { return 0; }
  void finish(models::Metadata&, const std::vector<std::filesystem::path>&, const Log&) override {}

 private:
  const TrainOptions& options_;
  std::shared_ptr<const DeblurPatchSampler> data_;
  Shape output_;
};

}  // namespace

std::unique_ptr<TrainingTask> make_blur_estimate_task(models::Model& model, const TrainOptions& options,
                                                      const Log& log) {
  return std::make_unique<BlurEstimateTask>(model, options, log);
}

}  // namespace upsample::train
