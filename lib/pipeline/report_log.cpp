#include "pipeline/report_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "io/json_path.hpp"
#include "pipeline/claim.hpp"
#include "tensor/error.hpp"

namespace upsample::pipeline {

nlohmann::json report_line(const FileTask& task, const ReportContext& context) {
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  nlohmann::json line = {
          {"status", to_string(task.status)},
          {"error", task.status == FileStatus::Written ? nlohmann::json(nullptr) : nlohmann::json(task.error)},
          {"seconds", task.seconds},
          {"input_bytes", task.input_bytes},
          {"output_bytes", task.output_bytes},
          {"input_size", {task.input_size.width, task.input_size.height}},
          {"output_size", {task.output_size.width, task.output_size.height}},
          {"computed", task.output_size.width > 0},  // false for a skip decided before any work
          {"method", context.method},
          {"scale", context.scale},
          {"shard", context.shard ? nlohmann::json(to_string(*context.shard)) : nlohmann::json(nullptr)},
          {"host", this_host()},
          {"pid", this_process_id()},
          {"finished", now}};
  io::put_path(line, "input", task.input);
  io::put_path(line, "output", task.output);
  return line;
}

ReportLog::ReportLog(const std::filesystem::path& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(path.string() + ": cannot open the report for appending: " + std::strerror(errno));
}

ReportLog::~ReportLog() {
  if (fd_ >= 0) ::close(fd_);
}

void ReportLog::append(const nlohmann::json& line) {
  // Invalid UTF-8 in a file name is replaced rather than refused: the line must be written.
  const std::string text = io::json_text(line, -1) + "\n";
  for (;;) {
    const ssize_t n = ::write(fd_, text.data(), text.size());
    if (n == static_cast<ssize_t>(text.size())) return;
    if (n < 0 && errno == EINTR) continue;
    // A short write leaves half a line, which `upsample report` passes over with a note.
    throw Error(path_.string() + ": cannot append to the report: " +
                (n < 0 ? std::strerror(errno) : std::string("short write (disk full?)")));
  }
}

}  // namespace upsample::pipeline
