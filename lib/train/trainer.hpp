#pragma once
// `upsample train`: fits a model to patches of HR images with Adam, validating on a
// folder by the evaluation protocol, checkpointing every few minutes so a stopped run
// resumes where it was. The kinds of training (training_task.hpp) share one loop
// (training_loop.hpp).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "imaging/degradations.hpp"
#include "models/model.hpp"
#include "ops/losses.hpp"
#include "train/training_task.hpp"

namespace upsample::train {

struct TrainOptions {
  models::Metadata model;                         // arch, scale and hyper-parameters
  TaskKind task = TaskKind::super_resolution;     // deblur: sharp patches blurred on the fly (deblur_data.hpp)
  // sr: damage each LR patch on the fly (blur, downscale kernel, noise, JPEG) instead of
  // the clean bicubic protocol; a model with condition=2 or 3 is told each patch's damage.
  std::optional<imaging::RandomDamageOptions> damage;
  // sr: validate and score the final evaluation on LR damaged this way (imaging::parse_damage_specs).
  std::vector<std::string> validation_damage;
  double motion_fraction = 0.5;                   // deblur: share of motion blurs (the rest Gaussian)
  std::string fixed_blur;                         // deblur: one known blur for every patch (a non-blind model)
  bool real_world_blurs = false;                  // deblur: imaging::RandomBlurOptions::real_world()'s mix
  double colour_noise_fraction = 0;               // deblur: share of patches with a colour photo's noise
  // deblur, a network told the blur: tell it what this blur estimator reads off each patch
  // (as `upsample deblur` will) instead of the true blur; empty = the true blur.
  std::filesystem::path code_estimator;
  // With code_estimator and a Wiener pre-filter: tell the network the kernel `upsample
  // deblur` reads (deblur::read_blur: the estimator and the blind search) off this many
  // blurred regions of reading_side², read once at the start (blur_reading_bank.hpp),
  // instead of the estimator's code per patch; 0 = the code.
  int reading_regions = 0;
  int reading_side = 192;
  // Start from these models' weights (fine-tuning), applied in order: a later file's
  // tensors replace an earlier one's (e.g. a resize-conv head over an FSRCNN body).
  std::vector<std::filesystem::path> init;
  // Growing a network: the --init models' layer FROM fills this model's layer TO (indices
  // as in the tensor names), and these layers start as the identity (a conv with as many
  // outputs as inputs passing each plane through its centre tap, the PReLU after it with
  // slope 1), so new layers can be put between trained ones without changing the output.
  std::map<int, int> init_layer_moves;
  std::vector<int> identity_layers;
  bool train_last_layer_only = false;             // freeze all but the last parameterised layer
  // Learning-rate multipliers by layer index (the N of the "N.weight" tensor names), in
  // place of the model's own (the SR models train their last layer 10× slower). Under
  // Adam a multiplier k acts like a k-fold larger weight scale for that layer.
  std::map<int, float> layer_lr_multipliers;
  std::vector<std::filesystem::path> train_folders;
  std::optional<std::filesystem::path> validation_folder;
  std::vector<std::filesystem::path> final_eval_folders;  // scored at the end, recorded as eval.<folder>.psnr/ssim
  int batch = 16;                                 // small batches learn the most per second (weights/HISTORY.md)
  int lr_patch = 16;                              // LR patch edge; HR patches are scale × larger
  int64_t steps = 100000;
  double learning_rate = 1e-3;
  double final_learning_rate = 1e-5;              // cosine decay from learning_rate to this
  std::string loss = "mse";                       // mse, l1, charbonnier
  // Input pixels at each patch edge whose outputs are left out of the loss (× scale at the
  // output). Outputs near a patch edge see the convolutions' zero padding, which a whole
  // image has only at its own border; 0 = every output pixel counts.
  int loss_border = 0;
  int validate_every = 1000;                      // steps
  double checkpoint_minutes = 5.0;
  std::filesystem::path output;                   // the trained model
  std::filesystem::path checkpoint;               // resumable state (default: output + ".ckpt")
  bool resume = false;
  // Stop early (checkpoint saved, no model written) after this many steps or minutes in
  // this run; 0 = no limit. Lets a long run go on across sessions with --resume.
  int64_t max_steps_this_run = 0;
  double max_minutes_this_run = 0;
  uint32_t seed = 1;
  std::string command_line;                       // recorded in the model's metadata
};

struct TrainProgress {
  int64_t step = 0, total_steps = 0;
  double loss = 0;                  // running mean of the recent batches
  double validation_psnr = 0;       // latest, 0 before the first validation
  double patches_per_second = 0;
  double eta_seconds = 0;
  double learning_rate = 0;
};

struct TrainResult {
  bool finished = false;  // false: stopped early, resume to continue
  double final_loss = 0;
  double validation_psnr = 0;
  double seconds = 0;
  int64_t steps = 0;
};

// Trains and writes options.output (when finished). `on_progress` is called about once a second and at
// every validation; `log` gets notes (data set size, checkpoints).
TrainResult train_model(const TrainOptions& options, const std::function<void(const TrainProgress&)>& on_progress,
                        const Log& log);

// The loss (mse, l1, charbonnier) over the outputs at least `border` pixels inside each
// edge of [N, C, H, W] patches; its gradient is zero outside. border = 0: all outputs.
ops::LossResult interior_loss(const std::string& loss, const Tensor& prediction, const Tensor& target, int border);

// Learning rate at `step` of `total` (cosine from `start` to `end`).
double cosine_learning_rate(double start, double end, int64_t step, int64_t total);

}  // namespace upsample::train
