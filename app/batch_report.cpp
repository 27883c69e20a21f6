#include "batch_report.hpp"

#include <unistd.h>

#include <cstdio>

#include <spdlog/spdlog.h>

#include "io/display_name.hpp"
#include "io/json_path.hpp"

namespace upsample::app {

using pipeline::FileStatus;
using pipeline::FileTask;

BatchReport::BatchReport(size_t total, bool quiet)
    : total_(total), quiet_(quiet), show_bar_(!quiet && ::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

void BatchReport::clear_bar() const {
  if (show_bar_) std::fputs("\r\033[K", stderr);
}

void BatchReport::draw_bar() const {
  if (!show_bar_) return;
  constexpr int kWidth = 30;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  const int filled = total_ ? static_cast<int>(kWidth * done_ / total_) : kWidth;
  std::string bar(static_cast<size_t>(filled), '#');
  bar.resize(kWidth, '.');
  std::string eta = "--:--";
  if (rate > 0 && done_ < total_) {
    const auto seconds = static_cast<long>(static_cast<double>(total_ - done_) / rate + 0.5);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", seconds / 60, seconds % 60);
    eta = buf;
  }
  std::fprintf(stderr, "\r\033[K[%s] %zu/%zu  %.2f img/s  ETA %s", bar.c_str(), done_, total_, rate, eta.c_str());
  std::fflush(stderr);
}

void BatchReport::on_done(const FileTask& task) {
  ++done_;
  clear_bar();
  // One line each, names with control characters quoted and escaped (io::display_line).
  const std::vector<std::filesystem::path> names = {task.input, task.output};
  switch (task.status) {
    case FileStatus::Written: ++written_; break;
    case FileStatus::Skipped:
      // A resume skips most of a batch: one line for all of them, at the end.
      ++skipped_;
      spdlog::debug("{}", io::display_line(task.error, names));
      break;
    case FileStatus::Failed:
      ++failed_;
      spdlog::error("{}", io::display_line(task.error, names));
      break;
    case FileStatus::Pending: break;
  }
  for (const auto& w : task.warnings) spdlog::warn("{}", io::display_line(w, names));
  if (task.status == FileStatus::Written)
    spdlog::debug("{} -> {} ({:.2f} s)", io::display_name(task.input), io::display_name(task.output), task.seconds);
  draw_bar();
}

void BatchReport::print_summary() const {
  clear_bar();
  if (quiet_) return;
  if (skipped_ > 0)
    spdlog::info("{} skipped: outputs that exist, or that other workers are writing{}", skipped_,
                 spdlog::get_level() <= spdlog::level::debug ? "" : " (-v lists them)");
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "%zu written, %zu skipped, %zu failed in %.1f s\n", written_, skipped_, failed_, elapsed);
}

void BatchReport::print_interrupted(const std::string& resume) const {
  clear_bar();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "\ninterrupted: %zu written, %zu skipped, %zu failed in %.1f s; %zu not finished\n", written_,
               skipped_, failed_, elapsed, total_ - done_);
  std::fprintf(stderr, "resume with: %s\n", resume.c_str());
  std::fflush(stderr);
}

nlohmann::json batch_json(const std::vector<FileTask>& tasks, const nlohmann::json& extra) {
  nlohmann::json files = nlohmann::json::array();
  size_t counts[4] = {0, 0, 0, 0};
  for (const auto& t : tasks) {
    ++counts[static_cast<int>(t.status)];
    nlohmann::json f = {{"status", pipeline::to_string(t.status)},
                        {"error", t.status == FileStatus::Failed ? nlohmann::json(t.error) : nlohmann::json(nullptr)},
                        {"seconds", t.seconds},
                        {"input_bytes", t.input_bytes},
                        {"output_bytes", t.output_bytes},
                        {"input_size", {t.input_size.width, t.input_size.height}},
                        {"output_size", {t.output_size.width, t.output_size.height}},
                        {"warnings", t.warnings}};
    io::put_path(f, "input", t.input);
    io::put_path(f, "output", t.output);
    if (t.extra.is_object()) f.update(t.extra);
    files.push_back(std::move(f));
  }
  nlohmann::json doc = extra;
  doc["files"] = std::move(files);
  doc["summary"] = {{"planned", counts[0]}, {"written", counts[1]}, {"skipped", counts[2]}, {"failed", counts[3]}};
  return doc;
}

void print_plan(const std::vector<FileTask>& tasks) {
  for (const auto& t : tasks) {
    if (t.status == FileStatus::Pending)
      std::printf("%s -> %s\n", io::display_name(t.input).c_str(), io::display_name(t.output).c_str());
    else
      std::printf("%s: %s (%s)\n", io::display_name(t.input).c_str(), pipeline::to_string(t.status),
                  io::display_line(t.error, {t.input, t.output}).c_str());
  }
}

int batch_exit_status(const std::vector<FileTask>& tasks) {
  for (const auto& t : tasks)
    if (t.status == FileStatus::Failed) return 1;
  return 0;
}

}  // namespace upsample::app
