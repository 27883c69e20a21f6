#include "train/training_task.hpp"

#include <cstdio>

#include "tensor/error.hpp"
#include "train/trainer.hpp"

namespace upsample::train {

TaskKind parse_task_kind(const std::string& name) {
  if (name == "sr") return TaskKind::super_resolution;
  if (name == "deblur") return TaskKind::deblur;
  if (name == "blur-estimate") return TaskKind::blur_estimate;
  throw Error("train: the task must be sr, deblur or blur-estimate, not '" + name + "'");
}

std::string task_kind_name(TaskKind kind) {
  switch (kind) {
    case TaskKind::super_resolution: return "sr";
    case TaskKind::deblur: return "deblur";
    case TaskKind::blur_estimate: return "blur-estimate";
  }
  return "sr";
}

std::unique_ptr<TrainingTask> make_training_task(models::Model& model, const TrainOptions& options, const Log& log) {
  const auto model_task = model.metadata().find("task");
  const std::string made_for = model_task == model.metadata().end() ? "sr" : model_task->second;
  if (made_for != task_kind_name(options.task))
    throw Error("train: a " + model.arch() + " model is not trained for the " + task_kind_name(options.task) + " task");
  switch (options.task) {
    case TaskKind::super_resolution: return make_super_resolution_task(model, options, log);
    case TaskKind::deblur: return make_deblur_task(model, options, log);
    case TaskKind::blur_estimate: return make_blur_estimate_task(model, options, log);
  }
  throw Error("train: unknown task");
}

void record_scores(models::Metadata& meta, const std::filesystem::path& folder, int scale, double psnr, double ssim,
                   const Log& log) {
  const std::string name =
      folder.filename().empty() ? folder.parent_path().filename().string() : folder.filename().string();
  char psnr_text[32], ssim_text[32];
  std::snprintf(psnr_text, sizeof psnr_text, "%.2f", psnr);
  std::snprintf(ssim_text, sizeof ssim_text, "%.4f", ssim);
  meta["eval." + name + ".psnr"] = psnr_text;
  meta["eval." + name + ".ssim"] = ssim_text;
  log(name + " ×" + std::to_string(scale) + ": " + psnr_text + " dB / " + ssim_text);
}

std::shared_ptr<const models::Model> borrowed(const models::Model& model) {
  return std::shared_ptr<const models::Model>(&model, [](const models::Model*) {});
}

}  // namespace upsample::train
