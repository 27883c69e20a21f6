#pragma once
// What a batch shows its user: notes, a progress bar on a terminal, one line per
// failure, a summary, and the --json document on stdout.
#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pipeline/batch.hpp"

namespace upsample::app {

class BatchReport {
 public:
  BatchReport(size_t total, bool quiet);
  // Called as an image is started: the bar names it.
  void on_start(const pipeline::FileTask& task);
  // Called once per finished task (from pipeline::run_batch, never concurrently).
  void on_done(const pipeline::FileTask& task);
  // Final lines on stderr: one for all skipped files (-v lists them as they come), then
  // "3 written, 1 skipped, 1 failed in 2.4 s".
  void print_summary() const;
  // After a signal: what was done so far, what was not started, and `resume`, the command
  // that finishes the batch.
  void print_interrupted(const std::string& resume) const;
  size_t failed() const { return failed_; }

 private:
  void draw_bar() const;
  void clear_bar() const;
  size_t total_, done_ = 0, written_ = 0, skipped_ = 0, failed_ = 0;
  bool quiet_, show_bar_;
  std::string current_;  // the image last started, as the bar names it
  // Set once the interrupted summary is out: a worker finishing meanwhile must not draw
  // the bar again below it.
  mutable std::atomic<bool> finished_{false};
  std::chrono::steady_clock::time_point start_;
};

// The --json summary of a batch (per file: input, output, status, error, seconds,
// sizes in and out) plus whatever fields the command adds in `extra`.
nlohmann::json batch_json(const std::vector<pipeline::FileTask>& tasks, const nlohmann::json& extra);

// `--dry-run` without --json: one line per task on stdout.
void print_plan(const std::vector<pipeline::FileTask>& tasks);

// The width of the terminal on stderr: its window size, else $COLUMNS, else 80.
int terminal_columns();

// The progress line for a terminal `columns` wide: never wider than columns - 1, so it
// never wraps; parts are dropped and `name` is cut from the left ("…/b.png") to fit.
std::string progress_line(size_t done, size_t total, double rate, const std::string& name, int columns);

// Exit status for a finished batch: 1 if anything failed, else 0.
int batch_exit_status(const std::vector<pipeline::FileTask>& tasks);

}  // namespace upsample::app
