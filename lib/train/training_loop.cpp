#include "train/training_loop.hpp"

#include <chrono>
#include <cmath>
#include <sstream>

#include "tensor/error.hpp"
#include "train/adam.hpp"
#include "train/checkpoint.hpp"

namespace upsample::train {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// The state of one run of the loop: where it started, what it has reported.
class Run {
 public:
  Run(models::Model& model, TrainingTask& task, const TrainOptions& o,
      const std::function<void(const TrainProgress&)>& on_progress, const Log& log)
      : model_(model), task_(task), o_(o), on_progress_(on_progress), log_(log), adam_(model.net().parameters()),
        rng_(o.seed), checkpoint_path_(o.checkpoint.empty() ? std::filesystem::path(o.output.string() + ".ckpt")
                                                            : o.checkpoint) {}

  TrainResult run() {
    resume();
    while (state_.step < o_.steps) {
      if (out_of_budget()) {
        save();
        log_("stopped at step " + std::to_string(state_.step) + " of " + std::to_string(o_.steps) + "; checkpoint " +
             checkpoint_path_.string() + " (run again with --resume to continue)");
        return {false, recent_loss_, state_.validation_psnr, elapsed(), state_.step};
      }
      step();
    }
    if (task_.has_validation()) state_.validation_psnr = task_.validate();
    save();
    return {true, recent_loss_, state_.validation_psnr, elapsed(), state_.step};
  }

 private:
  void resume() {
    if (o_.resume && std::filesystem::exists(checkpoint_path_)) {
      state_ = load_checkpoint(checkpoint_path_, model_, adam_, o_);
      std::istringstream(state_.rng_state) >> rng_;
      log_("resumed from " + checkpoint_path_.string() + " at step " + std::to_string(state_.step));
    } else if (o_.resume) {
      log_("no checkpoint at " + checkpoint_path_.string() + " yet: starting from step 0");
    }
    first_step_ = state_.step;
    seconds_before_ = state_.seconds;
  }

  void step() {
    const double lr = cosine_learning_rate(o_.learning_rate, o_.final_learning_rate, state_.step, o_.steps);
    task_.sample(rng_, input_, target_);
    model_.net().zero_grad();
    const Tensor prediction = model_.net().forward_train(input_);
    const ops::LossResult loss = interior_loss(o_.loss, prediction, target_, o_.loss_border * model_.scale());
    if (!std::isfinite(loss.value))
      throw Error("training diverged at step " + std::to_string(state_.step) + " (loss is " +
                  std::to_string(loss.value) + "): lower --lr");
    model_.net().backward(loss.grad, /*need_input_gradient=*/false);
    adam_.step(lr);
    ++state_.step;
    loss_sum_ += loss.value;
    ++loss_count_;
    const bool validate_now = o_.validate_every > 0 && state_.step % o_.validate_every == 0;
    if (validate_now && task_.has_validation()) state_.validation_psnr = task_.validate();
    // The first step at once (the starting loss), then about once a second.
    if (state_.step == first_step_ + 1 || seconds_since(last_report_) >= 1.0 || validate_now || state_.step == o_.steps)
      report(lr);
    if (seconds_since(last_checkpoint_) >= o_.checkpoint_minutes * 60.0) {
      save();
      log_("checkpoint saved at step " + std::to_string(state_.step));
    }
  }

  void report(double lr) {
    recent_loss_ = loss_sum_ / std::max(1, loss_count_);
    loss_sum_ = 0;
    loss_count_ = 0;
    const double run_seconds = seconds_since(run_start_);
    const double steps_per_second = run_seconds > 0 ? static_cast<double>(state_.step - first_step_) / run_seconds : 0;
    on_progress_({state_.step, o_.steps, recent_loss_, state_.validation_psnr, steps_per_second * o_.batch,
                  steps_per_second > 0 ? static_cast<double>(o_.steps - state_.step) / steps_per_second : 0, lr});
    last_report_ = Clock::now();
  }

  void save() {
    std::ostringstream rng_text;
    rng_text << rng_;
    state_.rng_state = rng_text.str();
    state_.seconds = elapsed();
    save_checkpoint(checkpoint_path_, model_, adam_, o_, state_);
    last_checkpoint_ = Clock::now();
  }

  bool out_of_budget() const {
    if (o_.max_steps_this_run > 0 && state_.step - first_step_ >= o_.max_steps_this_run) return true;
    return o_.max_minutes_this_run > 0 && seconds_since(run_start_) >= o_.max_minutes_this_run * 60.0;
  }

  double elapsed() const { return seconds_before_ + seconds_since(run_start_); }

  models::Model& model_;
  TrainingTask& task_;
  const TrainOptions& o_;
  const std::function<void(const TrainProgress&)>& on_progress_;
  const Log& log_;
  Adam adam_;
  std::mt19937 rng_;
  std::filesystem::path checkpoint_path_;
  Checkpoint state_;
  int64_t first_step_ = 0;
  double seconds_before_ = 0;
  Tensor input_, target_;
  double loss_sum_ = 0, recent_loss_ = 0;
  int loss_count_ = 0;
  Clock::time_point run_start_ = Clock::now(), last_report_ = Clock::now(), last_checkpoint_ = Clock::now();
};

}  // namespace

TrainResult run_training_loop(models::Model& model, TrainingTask& task, const TrainOptions& options,
                              const std::function<void(const TrainProgress&)>& on_progress, const Log& log) {
  return Run(model, task, options, on_progress, log).run();
}

}  // namespace upsample::train
