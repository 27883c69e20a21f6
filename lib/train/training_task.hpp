#pragma once
// What one kind of training brings to the shared loop (training_loop.hpp): its batches,
// its validation score and what it records in the trained model. One implementation per
// kind: super-resolution (clean or damaged inputs), deblurring, blur estimation.
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "models/model.hpp"
#include "tensor/tensor.hpp"

namespace upsample::train {

struct TrainOptions;
using Log = std::function<void(const std::string&)>;

enum class TaskKind { super_resolution, deblur, blur_estimate };
// "sr", "deblur", "blur-estimate" (as --task and a model's "task" metadata spell them).
TaskKind parse_task_kind(const std::string& name);
std::string task_kind_name(TaskKind kind);

class TrainingTask {
 public:
  virtual ~TrainingTask() = default;
  // One batch: the network's input and the target its output is compared with.
  virtual void sample(std::mt19937& rng, Tensor& input, Tensor& target) = 0;
  virtual bool has_validation() const = 0;
  // PSNR of the model as it is now on the validation set (call only if has_validation()).
  virtual double validate() = 0;
  // Scores the model on `folders` and records the scores (eval.<set>.psnr / .ssim) and
  // what the task wants kept about its training in `meta`.
  virtual void finish(models::Metadata& meta, const std::vector<std::filesystem::path>& folders, const Log& log) = 0;
};

// The task of `options.task` for `model` (which must be made for it); loads its data.
std::unique_ptr<TrainingTask> make_training_task(models::Model& model, const TrainOptions& options, const Log& log);

std::unique_ptr<TrainingTask> make_super_resolution_task(models::Model& model, const TrainOptions& options,
                                                         const Log& log);
std::unique_ptr<TrainingTask> make_deblur_task(models::Model& model, const TrainOptions& options, const Log& log);
std::unique_ptr<TrainingTask> make_blur_estimate_task(models::Model& model, const TrainOptions& options,
                                                      const Log& log);

// "eval.<set>.psnr" and ".ssim" for a folder's mean scores, and the log line.
void record_scores(models::Metadata& meta, const std::filesystem::path& folder, int scale, double psnr, double ssim,
                   const Log& log);

// The model being trained as a shared pointer that does not own it (validators take one).
std::shared_ptr<const models::Model> borrowed(const models::Model& model);

}  // namespace upsample::train
