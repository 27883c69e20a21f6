#include "batch_report.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <spdlog/spdlog.h>

#include "io/display_name.hpp"
#include "io/json_path.hpp"

namespace upsample::app {

using pipeline::FileStatus;
using pipeline::FileTask;

namespace {

// Columns a UTF-8 text takes, one per code point (names are mostly narrow characters).
size_t text_columns(const std::string& text) {
  size_t columns = 0;
  for (const char c : text) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return columns;
}

// The last `columns` columns of `text`, led by "…" where it had to be cut: the end of a
// path is the part that tells files apart.
std::string left_cut(const std::string& text, size_t columns) {
  if (text_columns(text) <= columns) return text;
  if (columns == 0) return "";
  size_t at = text.size();
  for (size_t kept = 0; kept + 1 < columns && at > 0; ++kept) {
    do --at;
    while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80);
  }
  return "\u2026" + text.substr(at);
}

// The first `columns` columns of `text`.
std::string right_cut(const std::string& text, size_t columns) {
  size_t at = 0;
  for (size_t kept = 0; kept < columns && at < text.size(); ++kept) {
    do ++at;
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80);
  }
  return text.substr(0, at);
}

}  // namespace

int terminal_columns() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  if (const char* env = std::getenv("COLUMNS")) {
    char* end = nullptr;
    const long columns = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && columns > 0 && columns < 100000) return static_cast<int>(columns);
  }
  return 80;
}

std::string progress_line(size_t done, size_t total, double rate, const std::string& name, int columns) {
  // The last column is left free: a terminal that has written there may wrap at the next
  // character, and the bar would then move down a line at every update.
  const size_t room = static_cast<size_t>(std::max(columns - 1, 1));
  const size_t bar_width = std::clamp<size_t>(room / 4, 3, 30);
  const size_t filled = total ? bar_width * std::min(done, total) / total : bar_width;
  std::string line = "[" + std::string(filled, '#') + std::string(bar_width - filled, '.') + "] " +
                     std::to_string(done) + "/" + std::to_string(total);
  std::string eta = "--:--";
  if (rate > 0 && done < total) {
    const auto seconds = static_cast<long>(static_cast<double>(total - done) / rate + 0.5);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld", seconds / 60, seconds % 60);
    eta = buf;
  }
  char rate_buf[48];
  std::snprintf(rate_buf, sizeof rate_buf, "  %.2f img/s", rate);
  const std::string rate_part = rate_buf, eta_part = "  ETA " + eta;
  // The name keeps room for its last dozen columns; the ETA goes before the rate.
  constexpr size_t kNameMin = 12;
  const size_t name_need = name.empty() ? 0 : 2 + std::min(text_columns(name), kNameMin);
  size_t used = text_columns(line);
  const bool with_eta = used + eta_part.size() + name_need <= room;
  if (with_eta) used += eta_part.size();
  const bool with_rate = used + rate_part.size() + name_need <= room;
  if (with_rate) used += rate_part.size();
  if (with_rate) line += rate_part;
  if (with_eta) line += eta_part;
  if (!name.empty() && used + 3 <= room) line += "  " + left_cut(name, room - used - 2);
  return right_cut(line, room);
}

BatchReport::BatchReport(size_t total, bool quiet)
    : total_(total), quiet_(quiet), show_bar_(!quiet && ::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

void BatchReport::clear_bar() const {
  if (show_bar_) std::fputs("\r\033[K", stderr);
}

void BatchReport::draw_bar() const {
  if (!show_bar_ || finished_.load()) return;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(done_) / elapsed : 0.0;
  // Redrawn in place: back to the line's start, the old text cleared.
  std::fprintf(stderr, "\r\033[K%s", progress_line(done_, total_, rate, current_, terminal_columns()).c_str());
  std::fflush(stderr);
}

void BatchReport::on_start(const FileTask& task) {
  current_ = io::display_name(task.input);
  draw_bar();
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
  finished_.store(true);
  if (quiet_) return;
  if (skipped_ > 0)
    spdlog::info("{} skipped: outputs that exist, or that other workers are writing{}", skipped_,
                 spdlog::get_level() <= spdlog::level::debug ? "" : " (-v lists them)");
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "%zu written, %zu skipped, %zu failed in %.1f s\n", written_, skipped_, failed_, elapsed);
}

void BatchReport::print_interrupted(const std::string& resume) const {
  finished_.store(true);
  clear_bar();
  // Without the bar, the terminal's "^C" would otherwise lead the first line.
  if (!show_bar_ && ::isatty(STDERR_FILENO) == 1) std::fputc('\n', stderr);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::fprintf(stderr, "interrupted: %zu written, %zu skipped, %zu failed in %.1f s; %zu not finished\n", written_,
               skipped_, failed_, elapsed, total_ - done_);
  std::fprintf(stderr, "resume with: %s\n", resume.c_str());
  std::fflush(stderr);
}

namespace {

// What a task has not measured (nothing read yet, a --dry-run) is null, never 0.
nlohmann::json known_bytes(std::uintmax_t bytes) { return bytes > 0 ? nlohmann::json(bytes) : nlohmann::json(nullptr); }
nlohmann::json known_size(const cv::Size& size) {
  return size.width > 0 ? nlohmann::json::array({size.width, size.height}) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json batch_json(const std::vector<FileTask>& tasks, const nlohmann::json& extra) {
  nlohmann::json files = nlohmann::json::array();
  size_t counts[4] = {0, 0, 0, 0};
  for (const auto& t : tasks) {
    ++counts[static_cast<int>(t.status)];
    nlohmann::json f = {{"status", pipeline::to_string(t.status)},
                        {"error", t.status == FileStatus::Failed ? nlohmann::json(t.error) : nlohmann::json(nullptr)},
                        {"seconds", t.seconds},
                        {"input_bytes", known_bytes(t.input_bytes)},
                        {"output_bytes", t.status == FileStatus::Written ? known_bytes(t.output_bytes) : nlohmann::json(nullptr)},
                        {"input_size", known_size(t.input_size)},
                        {"output_size", known_size(t.output_size)},
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
