#pragma once
// The loop every training task shares: batches, loss, Adam on a cosine schedule,
// validation, progress reports, checkpoints and the time and step budgets of one run.
#include "models/model.hpp"
#include "train/trainer.hpp"
#include "train/training_task.hpp"

namespace upsample::train {

// Trains `model` on `task` from the checkpoint (when resuming) up to options.steps, or
// until this run's budget ends (then saved to the checkpoint, finished = false).
TrainResult run_training_loop(models::Model& model, TrainingTask& task, const TrainOptions& options,
                              const std::function<void(const TrainProgress&)>& on_progress, const Log& log);

}  // namespace upsample::train
