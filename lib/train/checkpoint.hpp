#pragma once
// Resumable training state: the weights, Adam's moments, the step, the time spent and the
// random generator, with a signature of the run's settings so that a run is never resumed
// with other ones.
#include <cstdint>
#include <filesystem>
#include <string>

#include "models/model.hpp"
#include "train/adam.hpp"

namespace upsample::train {

struct TrainOptions;

struct Checkpoint {
  int64_t step = 0;
  double seconds = 0;
  double validation_psnr = 0;
  std::string rng_state;
};

void save_checkpoint(const std::filesystem::path& path, const models::Model& model, const Adam& adam,
                     const TrainOptions& options, const Checkpoint& state);
// Restores model and Adam; throws Error if the file is not a checkpoint of this run.
Checkpoint load_checkpoint(const std::filesystem::path& path, models::Model& model, Adam& adam,
                           const TrainOptions& options);

}  // namespace upsample::train
