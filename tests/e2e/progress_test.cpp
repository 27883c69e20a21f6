// The progress bar shows only on a terminal; -q and -v change what is said on stderr.
#include <doctest/doctest.h>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_runner.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

struct PtyRun {
  std::string output;  // everything the terminal was sent (stdout and stderr)
  int status = 0;      // as waitpid gives it
};

// Runs the binary on a pseudo-terminal `columns` wide (0: a size the kernel does not
// know), in `cwd` with `env` added. Once the output holds `type_after`, `keys` are typed
// on it (a Ctrl-C is "\x03"), once.
PtyRun run_in_pty(const std::vector<std::string>& args, const fs::path& cwd, unsigned short columns,
                  const std::vector<std::pair<std::string, std::string>>& env = {}, const std::string& type_after = "",
                  const std::string& keys = "") {
  winsize size{};
  size.ws_row = 24;
  size.ws_col = columns;
  int master = -1;
  const pid_t pid = ::forkpty(&master, nullptr, nullptr, &size);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    for (const auto& [name, value] : env) ::setenv(name.c_str(), value.c_str(), 1);
    exec_upsample(args);
  }
  PtyRun run;
  bool typed = keys.empty();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd wait_for{master, POLLIN, 0};
    if (::poll(&wait_for, 1, 100) < 0 && errno != EINTR) break;
    char buffer[4096];
    const ssize_t got = ::read(master, buffer, sizeof buffer);
    if (got > 0) run.output.append(buffer, static_cast<size_t>(got));
    else if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    else break;  // EIO: the child side is closed
    if (!typed && run.output.find(type_after) != std::string::npos) {
      REQUIRE(::write(master, keys.data(), keys.size()) == static_cast<ssize_t>(keys.size()));
      typed = true;
    }
  }
  ::waitpid(pid, &run.status, 0);
  ::close(master);
  return run;
}

// What a terminal shows as lines: split at '\r' and '\n', escape sequences removed.
std::vector<std::string> terminal_lines(const std::string& output) {
  std::vector<std::string> lines(1);
  for (size_t i = 0; i < output.size(); ++i) {
    const char c = output[i];
    if (c == '\r' || c == '\n') {
      lines.emplace_back();
    } else if (c == '\033' && i + 1 < output.size() && output[i + 1] == '[') {
      i += 2;
      while (i < output.size() && !(output[i] >= '@' && output[i] <= '~')) ++i;
    } else {
      lines.back() += c;
    }
  }
  return lines;
}

// Columns of UTF-8 text, one per code point.
size_t columns_of(const std::string& line) {
  size_t columns = 0;
  for (const char c : line) columns += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return columns;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("a progress bar with count, rate and ETA on a terminal, none in a pipe") {
  ScratchFolder dir;
  fs::create_directories(dir / "in");
  for (const char* name : {"a.png", "b.png", "c.png"}) fs::copy_file(sample("text_chart.png"), dir / "in" / name);
  // util-linux `script` gives the command a pseudo-terminal, as an interactive shell would.
  if (!fs::exists("/usr/bin/script")) {
    MESSAGE("skipped: /usr/bin/script (util-linux) not found");
    return;
  }
  const std::string command = std::string(UPSAMPLE_BINARY) + " in -o out -s 2 -m bicubic";
  const auto tty = run_cli({}, dir.path(), {}, {"/usr/bin/script", "-qec", command, "/dev/null"});
  CHECK(tty.exit_code == 0);
  CHECK(tty.out.find("3/3") != std::string::npos);
  CHECK(tty.out.find("img/s") != std::string::npos);
  CHECK(tty.out.find("ETA") != std::string::npos);

  const auto pipe = run_cli({"in", "-o", "out2", "-s", "2", "-m", "bicubic"}, dir.path());
  CHECK(pipe.exit_code == 0);
  CHECK(pipe.err.find("img/s") == std::string::npos);
  CHECK(pipe.err.find("3 written, 0 skipped, 0 failed") != std::string::npos);
}

TEST_CASE("in a terminal 40 columns wide the bar fits on its line, redrawn in place, naming the file cut from the left") {
  ScratchFolder dir;
  fs::create_directories(dir / "in");
  for (const char* name : {"a_long_holiday_photo_name_0001.png", "a_long_holiday_photo_name_0002.png",
                           "a_long_holiday_photo_name_0003.png"})
    fs::copy_file(sample("text_chart.png"), dir / "in" / name);
  // Through the window size (ioctl), and through $COLUMNS where the terminal has no size.
  for (const auto& [columns, env] : {std::pair<unsigned short, std::string>{40, "80"}, {0, "40"}}) {
    CAPTURE(columns);
    const auto run = run_in_pty({"in", "-o", "out" + env + std::to_string(columns), "-s", "2", "-m", "bicubic"},
                                dir.path(), columns, {{"COLUMNS", env}});
    INFO(run.output);
    CHECK(WIFEXITED(run.status));
    CHECK(WEXITSTATUS(run.status) == 0);
    bool named = false;
    for (const std::string& line : terminal_lines(run.output)) {
      CAPTURE(line);
      CHECK(columns_of(line) < 40);
      named = named || (line.find("3/3") != std::string::npos && line.find("\u2026") != std::string::npos &&
                        line.find("_0003.png") != std::string::npos);
    }
    CHECK(named);
    CHECK(run.output.find("\r\033[K[") != std::string::npos);  // back to the start, line cleared, bar
    CHECK(run.output.find("3 written, 0 skipped, 0 failed") != std::string::npos);
  }
}

TEST_CASE("Ctrl-C clears the bar before the summary, and no bar is drawn after it") {
  ScratchFolder dir;
  fs::create_directories(dir / "in");
  for (const char* name : {"a.png", "b.png", "c.png", "d.png", "e.png"}) fs::copy_file(sample("text_chart.png"), dir / "in" / name);
  // Two at a time, each held before its rename: an image still finishes after the interrupt.
  const auto run = run_in_pty({"in", "-o", "out", "-s", "2", "-m", "bicubic", "-j", "2"}, dir.path(), 60,
                              {{"UPSAMPLE_TEST_PAUSE_BEFORE_RENAME_MS", "400"}}, "] 1/5", "\x03");
  INFO(run.output);
  CHECK(WIFSIGNALED(run.status));
  const size_t summary = run.output.find("interrupted: ");
  REQUIRE(summary != std::string::npos);
  const std::string before = run.output.substr(0, summary), after = run.output.substr(summary);
  CHECK(before.rfind("\r\033[K") > before.rfind("img/s"));  // the last bar cleared
  CHECK(after.find("img/s") == std::string::npos);
  CHECK(after.find("resume with: upsample in -o out") != std::string::npos);
}

TEST_CASE("-q keeps stderr quiet on success, -v names each file written") {
  ScratchFolder dir;
  const auto quiet = run_cli({sample("scene.png").string(), "-o", "q.png", "-q", "-m", "bicubic"}, dir.path());
  CHECK(quiet.exit_code == 0);
  CHECK(quiet.err.empty());
  const auto verbose = run_cli({sample("scene.png").string(), "-o", "v.png", "-v", "-m", "bicubic"}, dir.path());
  CHECK(verbose.exit_code == 0);
  CHECK(verbose.err.find("scene.png -> v.png") != std::string::npos);
}

}  // TEST_SUITE
