#pragma once
// --report FILE: one JSON line per finished file, appended as each one finishes, so a
// killed run leaves the lines of every file it finished. Several workers may append to
// one file on a local filesystem (O_APPEND, one write() per line); on NFS appends from
// different machines can overwrite each other: give each worker its own file there.
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "pipeline/batch.hpp"
#include "pipeline/shard.hpp"

namespace upsample::pipeline {

// What every line of one run shares.
struct ReportContext {
  std::string method;
  nlohmann::json scale = 1;  // 2, 1.5, or the asked size as scale_text says ("w1920")
  std::optional<Shard> shard;
};

// The line of one finished task: input, output, status, error, seconds, sizes, method,
// scale, shard, host, pid, finished (Unix time in seconds), computed (the image was
// computed, whatever became of the result).
nlohmann::json report_line(const FileTask& task, const ReportContext& context);

class ReportLog {
 public:
  // Opens (creates) `path` for appending; throws upsample::Error naming it.
  explicit ReportLog(const std::filesystem::path& path);
  ~ReportLog();
  ReportLog(const ReportLog&) = delete;
  ReportLog& operator=(const ReportLog&) = delete;
  // Appends one line in one write(); throws upsample::Error naming the file.
  void append(const nlohmann::json& line);

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace upsample::pipeline
