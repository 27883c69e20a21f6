// `upsample train`: train a super-resolution model on folders of HR images.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>

#include <spdlog/spdlog.h>

#include "batch_options.hpp"
#include "commands.hpp"
#include "deblur/kernel_spec.hpp"
#include "shell_quote.hpp"
#include "tensor/error.hpp"
#include "imaging/blur_kernels.hpp"
#include "imaging/degradations.hpp"
#include "train/trainer.hpp"

namespace upsample::app {

namespace {

struct TrainCliOptions {
  train::TrainOptions train;
  std::string arch = "fsrcnn";
  std::string task = "sr";
  std::string blurs = "gaussian-motion";  // deblur: the random blur mix
  int scale = 3;
  std::vector<std::string> hyper;
  std::vector<std::string> layer_lr;  // INDEX=MULT
  // Default from $UPSAMPLE_DATA (data_defaults); empty when neither is given.
  std::vector<std::string> data;
  std::optional<std::string> validation;
  std::vector<std::string> final_eval;
  std::vector<std::string> damage, validation_damage;
  std::vector<std::string> init;
  std::vector<std::string> init_layer_moves;  // FROM=TO
  std::string output, checkpoint;
  // Per-task defaults when not given: small batches of small patches learn fastest per
  // second for super-resolution; the U-Net's deepest level needs large patches.
  std::optional<int> batch, patch;
  bool quiet = false;
  int verbose = 0;
};

std::string format_duration(double seconds) {
  const auto s = static_cast<long>(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  return buf;
}

void add_task_options(CLI::App* cmd, TrainCliOptions& opts) {
  TrainCliOptions* o = &opts;
  cmd->add_option("--task", o->task,
                  "sr; deblur (arch deblur at scale 1, on patches blurred on the fly); or blur-estimate (arch "
                  "blur-estimator: tells the blur of such patches, for a deblur model told the blur: --set "
                  "prefilter=wiener or condition=3)")
      ->check(CLI::IsMember({"sr", "deblur", "blur-estimate"}))
      ->capture_default_str();
  cmd->add_option("--motion-fraction", o->train.motion_fraction,
                  "deblur: the share of training patches given motion blur; the rest get Gaussian blur")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--blurs", o->blurs,
                  "deblur: the random blurs: gaussian-motion (Gaussian and our motion streaks, 3-15 px) or real "
                  "(also anisotropic Gaussians, streaks of 3-25 px by three rasterisers, defocus discs, camera "
                  "shake and combinations; --motion-fraction does not apply)")
      ->check(CLI::IsMember({"gaussian-motion", "real"}))
      ->capture_default_str();
  cmd->add_option("--colour-noise", o->train.colour_noise_fraction,
                  "deblur: the share of patches given a colour photo's noise (up to 5 levels per RGB channel, seen "
                  "on Y, not rounded) instead of grey noise rounded to 8-bit levels")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--blur", o->train.fixed_blur,
                  "deblur: train for this one blur only (a model for a known blur, e.g. motion:9,30) instead of "
                  "random ones");
  cmd->add_option("--estimator", o->train.code_estimator,
                  "deblur, a network told the blur (--set prefilter=wiener or condition=3): tell it what this "
                  "blur estimator reads off each patch, as `upsample deblur` will, instead of the true blur (it "
                  "learns to allow for the estimator's errors)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--read-regions", o->train.reading_regions,
                  "deblur with --estimator and a Wiener pre-filter: tell the network the whole kernel `upsample "
                  "deblur` reads (the estimator and the blind search) rather than the estimator's code. A reading "
                  "takes far longer than a training step, so N blurred regions are read once at the start and "
                  "every patch is cut from one of them")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--read-side", o->train.reading_side,
                  "deblur with --read-regions: the edge of each region the blur is read off (patches are cut "
                  "from it, so at least --patch)")
      ->check(CLI::Range(32, 2048))
      ->capture_default_str();
  cmd->add_option("--damage", o->damage,
                  "sr: damage each LR patch on the fly as real photos are (blur, downscale kernel, noise, JPEG); "
                  "KEY=VALUE words: blur=A-B|off, blur-probability=P, anisotropic=P, downscale=bicubic:2,area,..., "
                  "noise=A-B|off, noise-probability=P, grey-noise=P, jpeg=A-B|off, jpeg-probability=P, clean=P, "
                  "or 'default'")
      ->type_size(1)
      ->allow_extra_args(false);
  cmd->add_option("--val-degrade", o->validation_damage,
                  "sr: validate and score on LR damaged this way (as eval --degrade: jpeg:50, noise:5, ...)");
}

void add_optimiser_options(CLI::App* cmd, TrainCliOptions& opts) {
  TrainCliOptions* o = &opts;
  cmd->add_option("-m,--arch", o->arch, "Architecture: fsrcnn, espcn, resizeconv (deblur, blur-estimator: set by --task)")
      ->capture_default_str();
  cmd->add_option("-s,--scale", o->scale, "Upscaling factor")->check(CLI::Range(2, 8))->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Where to write the trained model (.safetensors)")->required();
  cmd->add_option("--set", o->hyper, "Hyper-parameter KEY=VALUE, e.g. --set d=32 --set s=5 --set m=1");
  cmd->add_option("--data", o->data,
                  "Folders of HR training images (default: $UPSAMPLE_DATA/sr-train/T91 and BSD200)");
  cmd->add_option("--val", o->validation,
                  "Folder of HR validation images, '' for none (default: $UPSAMPLE_DATA/sr-bench/Set5)");
  cmd->add_option("--eval", o->final_eval,
                  "Folders scored at the end and recorded in the model, '' for none (default: "
                  "$UPSAMPLE_DATA/sr-bench/Set5, Set14, BSD100)");
  cmd->add_option("--steps", o->train.steps, "Training steps (batches)")->capture_default_str();
  cmd->add_option("--batch", o->batch, "Patches per batch (default 16 for sr, 8 for deblur)")->check(CLI::Range(1, 4096));
  cmd->add_option("--patch", o->patch, "LR patch edge in pixels (default 16 for sr, 128 for deblur)")
      ->check(CLI::Range(4, 4096));
  cmd->add_option("--lr", o->train.learning_rate, "Initial learning rate (Adam)")->capture_default_str();
  cmd->add_option("--lr-final", o->train.final_learning_rate, "Learning rate at the end (cosine decay)")
      ->capture_default_str();
  cmd->add_option("--loss", o->train.loss, "mse, l1 or charbonnier")->capture_default_str();
  cmd->add_option("--loss-border", o->train.loss_border,
                  "Leave out of the loss the outputs of the N input pixels at each patch edge (they see zero "
                  "padding that whole images have only at their border)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--init", o->init,
                  "Start from this model's weights (tensors with the same name and shape); repeat to combine "
                  "models, later ones taking precedence");
  cmd->add_option("--init-layer", o->init_layer_moves,
                  "Growing a network: the --init models' layer FROM fills this model's layer TO, FROM=TO "
                  "(indices as in the tensor names; comma-separated or repeated)")
      ->delimiter(',');
  cmd->add_option("--identity-layer", o->train.identity_layers,
                  "Start these layers as the identity (a square conv passing each plane through, the PReLU after "
                  "it with slope 1): new layers between trained ones leave the output unchanged at step 0")
      ->delimiter(',');
  cmd->add_flag("--last-layer-only", o->train.train_last_layer_only,
                "Train only the last layer (e.g. x2/x4 from an x3 model, as FSRCNN does)");
  cmd->add_option("--layer-lr", o->layer_lr,
                  "Learning-rate multiplier of one layer, INDEX=MULT (INDEX as in its tensor names, INDEX.weight), "
                  "e.g. --layer-lr 4=1 trains ESPCN's last layer at the full rate (default 0.1, as the paper)");
}

void add_run_options(CLI::App* cmd, TrainCliOptions& opts) {
  TrainCliOptions* o = &opts;
  cmd->add_option("--val-every", o->train.validate_every, "Validate every N steps")->capture_default_str();
  cmd->add_option("--checkpoint", o->checkpoint, "Checkpoint file (default: OUTPUT.ckpt)");
  cmd->add_option("--checkpoint-minutes", o->train.checkpoint_minutes, "Minutes between checkpoints")
      ->capture_default_str();
  cmd->add_flag("--resume", o->train.resume, "Continue from the checkpoint if there is one");
  cmd->add_option("--time-limit", o->train.max_minutes_this_run,
                  "Stop after this many minutes (checkpoint kept; continue with --resume)");
  cmd->add_option("--seed", o->train.seed, "Random seed (data sampling, initial weights)")->capture_default_str();
  cmd->add_flag("-q,--quiet", o->quiet, "Only print errors");
  cmd->add_flag("-v,--verbose", o->verbose, "Print more");
}

// The data folders: as given, else under $UPSAMPLE_DATA (the layout of the shared data:
// sr-train/ and sr-bench/), else a usage error that says how to give them.
void apply_data_defaults(TrainCliOptions& o) {
  const char* root = std::getenv("UPSAMPLE_DATA");
  const std::string base = root ? std::string(root) + "/" : "";
  if (o.data.empty()) {
    if (!root) throw UsageError("train: no training data: give --data FOLDER (repeatable) or set UPSAMPLE_DATA to the folder that holds sr-train/ and sr-bench/");
    o.data = {base + "sr-train/T91", base + "sr-train/BSD200"};
  }
  if (!o.validation) o.validation = root ? base + "sr-bench/Set5" : "";
  if (o.final_eval.empty() && root) o.final_eval = {base + "sr-bench/Set5", base + "sr-bench/Set14", base + "sr-bench/BSD100"};
}

// The task's own options, checked against the task; sets the arch and scale it implies.
void apply_task(TrainCliOptions& o, const CLI::App* cmd) {
  train::TrainOptions& t = o.train;
  t.task = train::parse_task_kind(o.task);
  const bool blurred = t.task != train::TaskKind::super_resolution;  // both keep the size
  if (blurred) {
    if (cmd->count("--arch") == 0) o.arch = t.task == train::TaskKind::deblur ? "deblur" : "blur-estimator";
    o.scale = 1;
  } else {
    for (const char* option : {"--motion-fraction", "--blur", "--blurs", "--colour-noise"})
      if (cmd->count(option) > 0) throw UsageError(std::string(option) + " is for --task deblur or blur-estimate");
  }
  t.real_world_blurs = o.blurs == "real";
  if (t.real_world_blurs && cmd->count("--motion-fraction") > 0)
    throw UsageError("--motion-fraction is for --blurs gaussian-motion; --blurs real has its own mix");
  if (cmd->count("--blurs") > 0 && cmd->count("--blur") > 0)
    throw UsageError("--blur gives every patch one blur; --blurs mixes random ones: use one");
  if (blurred && !o.damage.empty()) throw UsageError("--damage is for --task sr");
  if (cmd->count("--estimator") > 0 && t.task != train::TaskKind::deblur)
    throw UsageError("--estimator is for --task deblur (a network told the blur)");
  if (cmd->count("--read-regions") > 0 && cmd->count("--estimator") == 0)
    throw UsageError("--read-regions reads the blur as `upsample deblur` does, with a blur estimator: give --estimator");
  if (cmd->count("--read-side") > 0 && cmd->count("--read-regions") == 0)
    throw UsageError("--read-side is the size of the --read-regions: give both");
  if (cmd->count("--motion-fraction") > 0 && cmd->count("--blur") > 0)
    throw UsageError("--blur gives every patch one blur; --motion-fraction mixes random ones: use one");
  try {
    if (!t.fixed_blur.empty()) deblur::load_blur_kernel(t.fixed_blur);
    if (!o.damage.empty())
      t.damage = imaging::parse_random_damage(o.damage == std::vector<std::string>{"default"} ? std::vector<std::string>{}
                                                                                             : o.damage);
    if (!o.validation_damage.empty()) imaging::parse_damage_specs(o.validation_damage);
  } catch (const Error& e) {
    throw UsageError(e.what());
  }
  t.validation_damage = o.validation_damage;
  t.batch = o.batch.value_or(blurred ? 8 : 16);
  t.lr_patch = o.patch.value_or(blurred ? 128 : 16);
  // Each LR pixel of a batch costs a few kilobytes of activations and gradients: past this
  // the run would end in the kernel's out-of-memory killer, not in an error.
  constexpr int64_t kMaxBatchPixels = int64_t{1} << 24;
  const int64_t batch_pixels = int64_t{t.batch} * t.lr_patch * t.lr_patch;
  if (batch_pixels > kMaxBatchPixels)
    throw UsageError("--batch " + std::to_string(t.batch) + " of --patch " + std::to_string(t.lr_patch) + "² is " +
                     std::to_string(batch_pixels) + " input pixels per step, more than " +
                     std::to_string(kMaxBatchPixels) + ": use fewer or smaller patches");
}

std::map<int, int> parse_layer_moves(const std::vector<std::string>& specs) {
  std::map<int, int> moves;
  for (const auto& kv : specs) {
    const auto eq = kv.find('=');
    try {
      size_t used = 0;
      const int from = std::stoi(kv.substr(0, eq), &used);
      if (used != eq || from < 0) throw std::invalid_argument(kv);
      const int to = std::stoi(kv.substr(eq + 1), &used);
      if (used != kv.size() - eq - 1 || to < 0) throw std::invalid_argument(kv);
      if (!moves.emplace(from, to).second) throw UsageError("--init-layer: layer " + std::to_string(from) + " is moved twice");
    } catch (const std::logic_error&) {
      throw UsageError("--init-layer " + kv + ": expected FROM=TO, e.g. 12=20");
    }
  }
  return moves;
}

std::map<int, float> parse_layer_learning_rates(const std::vector<std::string>& specs) {
  std::map<int, float> multipliers;
  for (const auto& kv : specs) {
    const auto eq = kv.find('=');
    try {
      size_t used = 0;
      const int index = std::stoi(kv.substr(0, eq), &used);
      if (used != eq) throw std::invalid_argument(kv);
      const float multiplier = std::stof(kv.substr(eq + 1), &used);
      if (used != kv.size() - eq - 1) throw std::invalid_argument(kv);
      multipliers[index] = multiplier;
    } catch (const std::logic_error&) {
      throw UsageError("--layer-lr " + kv + ": expected INDEX=MULTIPLIER, e.g. 0=10");
    }
  }
  return multipliers;
}

void apply_model_and_data(TrainCliOptions& o) {
  train::TrainOptions& t = o.train;
  t.model = {{"arch", o.arch}, {"scale", std::to_string(o.scale)}};
  for (const auto& kv : o.hyper) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--set " + kv + ": expected KEY=VALUE");
    t.model[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  t.layer_lr_multipliers = parse_layer_learning_rates(o.layer_lr);
  t.init_layer_moves = parse_layer_moves(o.init_layer_moves);
  apply_data_defaults(o);
  for (const auto& d : o.data) t.train_folders.emplace_back(d);
  if (!o.validation->empty()) t.validation_folder = *o.validation;
  for (const auto& d : o.final_eval)
    if (!d.empty()) t.final_eval_folders.emplace_back(d);
  for (const auto& f : o.init) t.init.emplace_back(f);
  t.output = o.output;
  t.checkpoint = o.checkpoint;
}

// On a terminal one line redrawn in place; in a log file a line every 30 s.
class ProgressPrinter {
 public:
  explicit ProgressPrinter(bool quiet) : quiet_(quiet) {}
  void operator()(const train::TrainProgress& p) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    if (!terminal_ && now - last_line_ < std::chrono::seconds(30) && p.step != p.total_steps) return;
    last_line_ = now;
    // 0 dB means not validated yet (or no --val): say so rather than print a score.
    const std::string val = p.validation_psnr > 0 ? fmt::format("{:.2f} dB", p.validation_psnr) : "--";
    std::fprintf(stderr, "%sstep %lld/%lld  loss %.3e  val %s  %.0f patches/s  lr %.1e  ETA %s%s",
                 terminal_ ? "\r\033[K" : "", static_cast<long long>(p.step), static_cast<long long>(p.total_steps),
                 p.loss, val.c_str(), p.patches_per_second, p.learning_rate, format_duration(p.eta_seconds).c_str(),
                 terminal_ ? "" : "\n");
    std::fflush(stderr);
  }
  void note(const std::string& text) const {
    if (terminal_ && !quiet_) std::fputs("\r\033[K", stderr);
    spdlog::info("{}", text);
  }
  void end_line() const {
    if (terminal_ && !quiet_) std::fputs("\n", stderr);
  }

 private:
  bool quiet_;
  bool terminal_ = ::isatty(STDERR_FILENO) == 1;
  std::chrono::steady_clock::time_point last_line_ = std::chrono::steady_clock::now() - std::chrono::hours(1);
};

}  // namespace

Command add_train_command(CLI::App& app, int argc, char** argv) {
  auto o = std::make_shared<TrainCliOptions>();
  // Recorded in the model so that anyone can train it again: as one would type it.
  o->train.command_line = "upsample";
  for (int i = 1; i < argc; ++i) o->train.command_line += " " + shell_quoted(argv[i]);
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a model: super-resolution (fsrcnn, espcn, resizeconv), deblurring, blur estimation");
  add_task_options(cmd, *o);
  add_optimiser_options(cmd, *o);
  add_run_options(cmd, *o);
  cmd->footer(R"(
Training data: patches of the HR images (down-scaled by 0.6-1.0 for variety, flipped and
rotated at random), LR made with MATLAB's bicubic on Y, as the FSRCNN paper does.
The learning rate decays along a cosine; the last layer learns 10x slower. Small batches
of small patches (the defaults) learn the most per second: Adam gains about as much per
step from 16 patches of 16x16 as from 64 of 32x32, at a tenth of the cost.
With --damage, each LR patch is instead made as real photos are: blurred a little,
shrunk with one of several kernels, given noise and saved as JPEG, all at random;
--set condition=3 tells the model each patch's JPEG quality, noise level and how much
its shrink aliased (the damage model that `--denoise` runs; condition=2 leaves out the
aliasing, as the first damage models did).

Data folders default to $UPSAMPLE_DATA/sr-train/{T91,BSD200} (training) and
$UPSAMPLE_DATA/sr-bench/{Set5,Set14,BSD100} (validation, final scores).

Examples:
  upsample train -m fsrcnn -s 3 -o weights/fsrcnn_x3.safetensors --steps 100000
  upsample train -m fsrcnn -s 2 --init weights/fsrcnn_x3.safetensors --last-layer-only -o fsrcnn_x2.safetensors
  upsample train -m espcn -s 3 -o espcn_x3.safetensors --resume     # continue a stopped run
  upsample train -m resizeconv -s 3 --init resizeconv_x3.safetensors --init fsrcnn_x3.safetensors -o rc.safetensors
  upsample train -m fsrcnn -s 3 --set d=32 --set s=5 --set m=1 -o fsrcnn-small_x3.safetensors
  upsample train -m fsrcnn -s 2 --set m=6 --init fsrcnn_x2.safetensors --init-layer 12=16,13=17,14=18 \
      --identity-layer 12,14 -o fsrcnn-deeper_x2.safetensors    (two more mapping layers, same output at step 0)
  upsample train -m fsrcnn -s 2 --set condition=3 --set s=32 --damage default --val-degrade jpeg:50 \
      -o fsrcnn-real_x2.safetensors
  upsample train --task deblur --set up=pixelshuffle -o deblur-blind_x1.safetensors
  upsample train --task deblur --blur motion:9,30 --init weights/deblur-blind_x1.safetensors -o shake.safetensors
  upsample train --task deblur --set condition=3 --init weights/deblur-blind_x1.safetensors -o told.safetensors
  upsample train --task blur-estimate -o blur-estimator_x1.safetensors
  upsample train --task deblur --set prefilter=wiener --init weights/deblur-blind_x1.safetensors \
      --estimator blur-estimator_x1.safetensors -o deblur_x1.safetensors    (how ours was made))");
  return {cmd, [o, cmd]() {
            apply_verbosity(o->quiet, o->verbose);
            apply_task(*o, cmd);
            apply_model_and_data(*o);
            ProgressPrinter progress(o->quiet);
            const train::TrainResult r = train::train_model(
                o->train, [&](const train::TrainProgress& p) { progress(p); },
                [&](const std::string& note) { progress.note(note); });
            progress.end_line();
            if (!r.finished) return 0;
            if (r.validation_psnr > 0)
              spdlog::info("trained {} steps in {}: final loss {:.3e}, validation {:.2f} dB", r.steps,
                           format_duration(r.seconds), r.final_loss, r.validation_psnr);
            else
              spdlog::info("trained {} steps in {}: final loss {:.3e} (no validation)", r.steps,
                           format_duration(r.seconds), r.final_loss);
            std::printf("%s\n", o->train.output.string().c_str());
            return 0;
          }};
}

}  // namespace upsample::app
