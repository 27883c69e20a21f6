#pragma once
// Ctrl-C (SIGINT), SIGTERM and SIGHUP during a batch: the temporary files and claims of
// the images in flight are removed first (as io::install_interrupt_cleanup does), then
// the batch says what it did so far and how to resume, then the signal ends the process
// as usual. The signal handler only wakes a watching thread; the work that may allocate
// and print happens there.
#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace upsample::app {

class InterruptWatch {
 public:
  // `on_interrupt` runs once, on the watching thread, after the files are removed.
  explicit InterruptWatch(std::function<void()> on_interrupt);
  ~InterruptWatch();  // back to io::install_interrupt_cleanup's handlers
  InterruptWatch(const InterruptWatch&) = delete;
  InterruptWatch& operator=(const InterruptWatch&) = delete;
  bool interrupted() const { return interrupted_.load(); }

 private:
  void watch();
  std::function<void()> on_interrupt_;
  std::atomic<bool> interrupted_{false};
  int pipe_[2] = {-1, -1};
  std::thread thread_;
};

// The command line that resumes a batch: `command_line` with --skip-existing instead of
// --overwrite (or added), quoted for a POSIX shell.
std::string resume_command(const std::vector<std::string>& command_line);

}  // namespace upsample::app
