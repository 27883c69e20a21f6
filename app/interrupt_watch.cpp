#include "interrupt_watch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>

#include "io/atomic_file.hpp"
#include "shell_quote.hpp"

namespace upsample::app {

namespace {

constexpr int kWatchedSignals[] = {SIGINT, SIGTERM, SIGHUP};
std::atomic<int> g_wake_fd{-1};

extern "C" void wake_interrupt_watch(int signo) {
  const int saved_errno = errno;
  const unsigned char byte = static_cast<unsigned char>(signo);
  const int fd = g_wake_fd.load();
  if (fd >= 0) (void)!::write(fd, &byte, 1);
  errno = saved_errno;
}

}  // namespace

InterruptWatch::InterruptWatch(std::function<void()> on_interrupt) : on_interrupt_(std::move(on_interrupt)) {
  if (::pipe2(pipe_, O_CLOEXEC) != 0) return;  // no watch: io's handlers stay, still clean
  g_wake_fd.store(pipe_[1]);
  thread_ = std::thread([this] { watch(); });
  for (const int signo : kWatchedSignals) std::signal(signo, wake_interrupt_watch);
}

InterruptWatch::~InterruptWatch() {
  if (pipe_[0] < 0) return;
  io::install_interrupt_cleanup();
  g_wake_fd.store(-1);
  const unsigned char stop = 0;
  (void)!::write(pipe_[1], &stop, 1);
  thread_.join();
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

void InterruptWatch::watch() {
  unsigned char signo = 0;
  for (;;) {
    const ssize_t got = ::read(pipe_[0], &signo, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0 || signo == 0) return;
    break;
  }
  interrupted_.store(true);
  // Files first: printing to a closed terminal or pipe may fail or end the process.
  io::remove_interrupted_files();
  if (on_interrupt_) on_interrupt_();
  io::remove_interrupted_files();  // what the other threads made meanwhile
  std::signal(signo, SIG_DFL);
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, signo);
  pthread_sigmask(SIG_UNBLOCK, &mask, nullptr);
  ::raise(signo);
}

std::string resume_command(const std::vector<std::string>& command_line) {
  std::string text = "upsample";
  bool skips = false;
  for (size_t i = 1; i < command_line.size(); ++i) {
    std::string arg = command_line[i];
    if (arg == "--overwrite") arg = "--skip-existing";
    skips = skips || arg == "--skip-existing";
    text += " " + shell_quoted(arg);
  }
  if (!skips) text += " --skip-existing";
  return text;
}

}  // namespace upsample::app
