#pragma once
// Runs the built `upsample` binary for end-to-end tests, and makes scratch folders.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace upsample::testing {

struct CliResult {
  int exit_code = -1;    // -1 if it did not exit normally
  int signal = 0;        // the signal that ended it, if any
  std::string out, err;  // what it printed on stdout / stderr
  bool timed_out = false;  // killed after the time limit: a hang becomes a failure, not a stuck run
  std::uint64_t peak_rss_bytes = 0;  // the most memory it held at once (its maximum resident set)
};

// Runs UPSAMPLE_BINARY with `args` in folder `cwd`; `env` adds variables. A non-empty
// `program` (full argv) runs instead of the binary, e.g. a wrapper that gives it a terminal.
// A run still going after `time_limit` is killed (SIGKILL) and reported as timed_out.
CliResult run_cli(const std::vector<std::string>& args, const std::filesystem::path& cwd,
                  const std::vector<std::pair<std::string, std::string>>& env = {},
                  const std::vector<std::string>& program = {},
                  std::chrono::seconds time_limit = std::chrono::seconds(600));

// In a forked child: replaces it with UPSAMPLE_BINARY run with `args` (exit 127 if that fails).
[[noreturn]] void exec_upsample(const std::vector<std::string>& args);

// A fresh empty folder under the system temp folder, removed when this goes away.
class ScratchFolder {
 public:
  ScratchFolder();
  ~ScratchFolder();
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path source_dir();
std::filesystem::path sample(const std::string& name);  // samples/<name>

// The bytes of a file ("" if it cannot be read).
std::string read_file(const std::filesystem::path& path);

// Every regular file below `root`, relative to it, sorted.
std::vector<std::string> files_below(const std::filesystem::path& root);

}  // namespace upsample::testing
