// `upsample train`: train a super-resolution model on folders of HR images.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include <spdlog/spdlog.h>

#include "batch_options.hpp"
#include "commands.hpp"
#include "tensor/error.hpp"
#include "imaging/blur_kernels.hpp"
#include "train/trainer.hpp"

namespace upsample::app {

namespace {

struct TrainCliOptions {
  train::TrainOptions train;
  std::string arch = "fsrcnn";
  std::string task = "sr";
  int scale = 3;
  std::vector<std::string> hyper;
  std::vector<std::string> layer_lr;  // INDEX=MULT
  std::vector<std::string> data = {"../shared/data/sr-train/T91", "../shared/data/sr-train/BSD200"};
  std::string validation = "../shared/data/sr-bench/Set5";
  std::vector<std::string> final_eval = {"../shared/data/sr-bench/Set5", "../shared/data/sr-bench/Set14",
                                         "../shared/data/sr-bench/BSD100"};
  std::vector<std::string> init;
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

// `text` as a POSIX shell reads it back: bare when it is safe, else in single quotes.
std::string shell_quoted(const std::string& text) {
  const bool safe = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=:,+@%", c) != nullptr;
  });
  if (safe) return text;
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

Command add_train_command(CLI::App& app, int argc, char** argv) {
  auto o = std::make_shared<TrainCliOptions>();
  // Recorded in the model so that anyone can train it again: as one would type it.
  o->train.command_line = "upsample";
  for (int i = 1; i < argc; ++i) o->train.command_line += " " + shell_quoted(argv[i]);
  CLI::App* cmd = app.add_subcommand(
      "train", "Train a model: super-resolution (fsrcnn, espcn, resizeconv), deblurring, blur estimation");
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
  cmd->add_option("--blur", o->train.fixed_blur,
                  "deblur: train for this one blur only (a model for a known blur, e.g. motion:9,30) instead of "
                  "random ones");
  cmd->add_option("--estimator", o->train.code_estimator,
                  "deblur, a network told the blur (--set prefilter=wiener or condition=3): tell it what this "
                  "blur estimator reads off each patch, as `upsample deblur` will, instead of the true blur (it "
                  "learns to allow for the estimator's errors)")
      ->check(CLI::ExistingFile);
  cmd->add_option("-m,--arch", o->arch, "Architecture: fsrcnn, espcn, resizeconv (deblur, blur-estimator: set by --task)")
      ->capture_default_str();
  cmd->add_option("-s,--scale", o->scale, "Upscaling factor")->check(CLI::Range(2, 8))->capture_default_str();
  cmd->add_option("-o,--output", o->output, "Where to write the trained model (.safetensors)")->required();
  cmd->add_option("--set", o->hyper, "Hyper-parameter KEY=VALUE, e.g. --set d=32 --set s=5 --set m=1");
  cmd->add_option("--data", o->data, "Folders of HR training images")->capture_default_str();
  cmd->add_option("--val", o->validation, "Folder of HR validation images ('' for none)")->capture_default_str();
  cmd->add_option("--eval", o->final_eval, "Folders scored at the end and recorded in the model (none: --eval '')")
      ->capture_default_str();
  cmd->add_option("--steps", o->train.steps, "Training steps (batches)")->capture_default_str();
  cmd->add_option("--batch", o->batch, "Patches per batch (default 16 for sr, 8 for deblur)")->check(CLI::PositiveNumber);
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
  cmd->add_flag("--last-layer-only", o->train.train_last_layer_only,
                "Train only the last layer (e.g. x2/x4 from an x3 model, as FSRCNN does)");
  cmd->add_option("--layer-lr", o->layer_lr,
                  "Learning-rate multiplier of one layer, INDEX=MULT (INDEX as in its tensor names, INDEX.weight), "
                  "e.g. --layer-lr 4=1 trains ESPCN's last layer at the full rate (default 0.1, as the paper)");
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
  cmd->footer(R"(
Training data: patches of the HR images (down-scaled by 0.6-1.0 for variety, flipped and
rotated at random), LR made with MATLAB's bicubic on Y, as the FSRCNN paper does.
The learning rate decays along a cosine; the last layer learns 10x slower. Small batches
of small patches (the defaults) learn the most per second: Adam gains about as much per
step from 16 patches of 16x16 as from 64 of 32x32, at a tenth of the cost.

Examples:
  upsample train -m fsrcnn -s 3 -o weights/fsrcnn_x3.safetensors --steps 100000
  upsample train -m fsrcnn -s 2 --init weights/fsrcnn_x3.safetensors --last-layer-only -o fsrcnn_x2.safetensors
  upsample train -m espcn -s 3 -o espcn_x3.safetensors --resume     # continue a stopped run
  upsample train -m resizeconv -s 3 --init resizeconv_x3.safetensors --init fsrcnn_x3.safetensors -o rc.safetensors
  upsample train -m fsrcnn -s 3 --set d=32 --set s=5 --set m=1 -o fsrcnn-small_x3.safetensors
  upsample train --task deblur --set up=pixelshuffle -o deblur-blind_x1.safetensors
  upsample train --task deblur --blur motion:9,30 --init weights/deblur-blind_x1.safetensors -o shake.safetensors
  upsample train --task deblur --set condition=3 --init weights/deblur-blind_x1.safetensors -o told.safetensors
  upsample train --task blur-estimate -o blur-estimator_x1.safetensors
  upsample train --task deblur --set prefilter=wiener --init weights/deblur-blind_x1.safetensors \
      --estimator blur-estimator_x1.safetensors -o deblur_x1.safetensors    (how ours was made))");
  return {cmd, [o, cmd]() {
            apply_verbosity(o->quiet, o->verbose);
            train::TrainOptions& t = o->train;
            t.task = o->task;
            const bool deblur = o->task == "deblur" || o->task == "blur-estimate";  // blurred patches
            if (deblur) {  // both keep the size
              if (cmd->count("--arch") == 0) o->arch = o->task == "deblur" ? "deblur" : "blur-estimator";
              o->scale = 1;
            } else if (cmd->count("--motion-fraction") + cmd->count("--blur") > 0) {
              throw UsageError(std::string(cmd->count("--blur") > 0 ? "--blur" : "--motion-fraction") +
                               " is for --task deblur or blur-estimate");
            }
            if (cmd->count("--estimator") > 0 && o->task != "deblur")
              throw UsageError("--estimator is for --task deblur (a network told the blur)");
            if (cmd->count("--motion-fraction") > 0 && cmd->count("--blur") > 0)
              throw UsageError("--blur gives every patch one blur; --motion-fraction mixes random ones: use one");
            if (!t.fixed_blur.empty()) {
              try {
                imaging::parse_blur_kernel(t.fixed_blur);
              } catch (const Error& e) {
                throw UsageError(std::string("--blur: ") + e.what());
              }
            }
            t.batch = o->batch.value_or(deblur ? 8 : 16);
            t.lr_patch = o->patch.value_or(deblur ? 128 : 16);
            t.model = {{"arch", o->arch}, {"scale", std::to_string(o->scale)}};
            for (const auto& kv : o->hyper) {
              const auto eq = kv.find('=');
              if (eq == std::string::npos || eq == 0) throw UsageError("--set " + kv + ": expected KEY=VALUE");
              t.model[kv.substr(0, eq)] = kv.substr(eq + 1);
            }
            for (const auto& kv : o->layer_lr) {
              const auto eq = kv.find('=');
              int index = -1;
              float multiplier = 0;
              try {
                size_t used = 0;
                index = std::stoi(kv.substr(0, eq), &used);
                if (used != eq) throw std::invalid_argument(kv);
                multiplier = std::stof(kv.substr(eq + 1), &used);
                if (used != kv.size() - eq - 1) throw std::invalid_argument(kv);
              } catch (const std::logic_error&) {
                throw UsageError("--layer-lr " + kv + ": expected INDEX=MULTIPLIER, e.g. 0=10");
              }
              t.layer_lr_multipliers[index] = multiplier;
            }
            for (const auto& d : o->data) t.train_folders.emplace_back(d);
            if (!o->validation.empty()) t.validation_folder = o->validation;
            for (const auto& d : o->final_eval)
              if (!d.empty()) t.final_eval_folders.emplace_back(d);
            for (const auto& f : o->init) t.init.emplace_back(f);
            t.output = o->output;
            t.checkpoint = o->checkpoint;
            const bool terminal = ::isatty(STDERR_FILENO) == 1;
            auto last_line = std::chrono::steady_clock::now() - std::chrono::hours(1);
            const auto on_progress = [&](const train::TrainProgress& p) {
              if (o->quiet) return;
              // On a terminal one line redrawn in place; in a log file a line every 30 s.
              const auto now = std::chrono::steady_clock::now();
              if (!terminal && now - last_line < std::chrono::seconds(30) && p.step != p.total_steps) return;
              last_line = now;
              // 0 dB means not validated yet (or no --val): say so rather than print a score.
              const std::string val = p.validation_psnr > 0 ? fmt::format("{:.2f} dB", p.validation_psnr) : "--";
              std::fprintf(stderr, "%sstep %lld/%lld  loss %.3e  val %s  %.0f patches/s  lr %.1e  ETA %s%s",
                           terminal ? "\r\033[K" : "", static_cast<long long>(p.step),
                           static_cast<long long>(p.total_steps), p.loss, val.c_str(), p.patches_per_second,
                           p.learning_rate, format_duration(p.eta_seconds).c_str(), terminal ? "" : "\n");
              std::fflush(stderr);
            };
            const auto log = [&](const std::string& note) {
              if (terminal && !o->quiet) std::fputs("\r\033[K", stderr);
              spdlog::info("{}", note);
            };
            const train::TrainResult r = train::train_model(t, on_progress, log);
            if (terminal && !o->quiet) std::fputs("\n", stderr);
            if (!r.finished) return 0;
            if (r.validation_psnr > 0)
              spdlog::info("trained {} steps in {}: final loss {:.3e}, validation {:.2f} dB", r.steps,
                           format_duration(r.seconds), r.final_loss, r.validation_psnr);
            else
              spdlog::info("trained {} steps in {}: final loss {:.3e} (no validation)", r.steps,
                           format_duration(r.seconds), r.final_loss);
            std::printf("%s\n", t.output.string().c_str());
            return 0;
          }};
}

}  // namespace upsample::app
