// End-to-end tests of workers sharing one output folder (#29): claims, outputs that
// appear during a run, stale claims, interrupts and kills, and the report they leave.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

void write_small_image(const fs::path& path, int shade) {
  fs::create_directories(path.parent_path());
  REQUIRE(cv::imwrite(path.string(), cv::Mat(12, 16, CV_8UC3, cv::Scalar(shade, 100, 50))));
}

std::string host_name() {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

bool any_claim_or_temp(const fs::path& root) {
  for (const auto& f : files_below(root))
    if (f.find(".upsample-claim") != std::string::npos || f.find(".tmp-") != std::string::npos) return true;
  return false;
}

std::vector<nlohmann::json> report_lines(const fs::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

// Starts the binary with `args` in `cwd`, stderr to `err_file`, and returns its pid.
pid_t start_worker(const std::vector<std::string>& args, const fs::path& cwd, const fs::path& err_file,
                   const std::string& pause_ms) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setenv("UPSAMPLE_TEST_PAUSE_BEFORE_RENAME_MS", pause_ms.c_str(), 1);
    if (::chdir(cwd.c_str()) != 0) ::_exit(126);
    const int err_fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err_fd < 0) ::_exit(126);
    ::dup2(err_fd, 2);
    exec_upsample(args);
  }
  return pid;
}

template <typename Ready>
bool wait_until(Ready ready) {
  for (int i = 0; i < 400; ++i) {  // up to 20 s, for slow sanitized builds
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("shared folder: four workers with --skip-existing split it, no image computed twice, none failed") {
  ScratchFolder dir;
  constexpr int kImages = 16;
  for (int i = 0; i < kImages; ++i) write_small_image(dir / ("in/img" + std::to_string(100 + i) + ".png"), i * 10);
  // Each image held a moment before it is renamed into place, so the four workers, all
  // starting on the same first image, overlap on every one.
  const std::vector<std::string> args = {"in", "-m", "nearest", "-o", "out", "--skip-existing", "--report", "shared.jsonl"};
  std::vector<CliResult> results(4);
  std::vector<std::thread> workers;
  for (auto& result : results)
    workers.emplace_back([&] { result = run_cli(args, dir.path(), {{"UPSAMPLE_TEST_PAUSE_BEFORE_RENAME_MS", "40"}}); });
  for (auto& w : workers) w.join();
  for (const auto& r : results) {
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK_FALSE(contains(r.err, "error"));
  }
  CHECK(files_below(dir / "out").size() == kImages);
  CHECK_FALSE(any_claim_or_temp(dir / "out"));

  const auto lines = report_lines(dir / "shared.jsonl");
  CHECK(lines.size() == 4 * kImages);  // every worker reports every image, one line each
  std::map<std::string, int> computed, written;
  for (const auto& line : lines) {
    computed[line["input"]] += line["computed"].get<bool>() ? 1 : 0;
    written[line["input"]] += line["status"] == "written" ? 1 : 0;
    CHECK(line["status"] != "failed");
  }
  CHECK(written.size() == kImages);
  for (const auto& [input, n] : written) {
    CAPTURE(input);
    CHECK(n == 1);
    CHECK(computed[input] == 1);
  }
  const auto merged = run_cli({"report", "shared.jsonl", "--json"}, dir.path());
  INFO(merged.err);
  CHECK(merged.exit_code == 0);
  const auto summary = nlohmann::json::parse(merged.out);
  CHECK(summary["images"] == kImages);
  CHECK(summary["written"] == kImages);
  CHECK(summary["computed_twice"] == 0);
  CHECK(summary["failed"] == 0);
}

TEST_CASE("shared folder: an output another program writes while this run computes it is skipped, not failed") {
  ScratchFolder dir;
  write_small_image(dir / "in/a.png", 30);
  const fs::path err_file = dir / "stderr.txt";
  const pid_t pid = start_worker({"in", "-m", "nearest", "-o", "out", "--skip-existing", "--report", "r.jsonl"}, dir.path(),
                                 err_file, "1500");
  // Once its temporary file exists, the image is computed: write the output under it.
  const bool computing = wait_until([&] {
    for (const auto& f : files_below(dir / "out"))
      if (contains(f, ".tmp-")) return true;
    return false;
  });
  CHECK(computing);
  { std::ofstream(dir / "out/a_nearest_x2.png") << "theirs"; }
  int status = 0;
  ::waitpid(pid, &status, 0);
  const std::string err = read_file(err_file);
  INFO(err);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(contains(err, "0 written, 1 skipped, 0 failed"));
  CHECK(read_file(dir / "out/a_nearest_x2.png") == "theirs");
  const auto lines = report_lines(dir / "r.jsonl");
  REQUIRE(lines.size() == 1);
  CHECK(lines[0]["status"] == "skipped");
  CHECK(contains(lines[0]["error"].get<std::string>(), "written by another worker while this run went on"));
  CHECK_FALSE(any_claim_or_temp(dir / "out"));
}

TEST_CASE("shared folder: a live claim is left alone, a dead local one or a timed-out one is taken over") {
  ScratchFolder dir;
  write_small_image(dir / "in/a.png", 60);
  fs::create_directories(dir / "out");
  const fs::path claim = dir / "out/.a_nearest_x2.png.upsample-claim";
  const std::vector<std::string> args = {"in", "-m", "nearest", "-o", "out", "--skip-existing"};

  // Held by this test process, alive: skipped, and the claim is not this run's to remove.
  { std::ofstream(claim) << host_name() << " " << ::getpid() << "\n"; }
  auto r = run_cli(args, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "0 written, 1 skipped, 0 failed"));
  r = run_cli({"in", "-m", "nearest", "-o", "out", "--skip-existing", "-v"}, dir.path());
  CHECK(contains(r.err, "out/a_nearest_x2.png: being written by " + host_name() + ":" + std::to_string(::getpid()) + ", skipped"));
  CHECK(fs::exists(claim));
  CHECK_FALSE(fs::exists(dir / "out/a_nearest_x2.png"));

  // Another host's claim: left alone until it is older than --claim-timeout.
  { std::ofstream(claim) << "elsewhere.example 4242\n"; }
  fs::last_write_time(claim, fs::file_time_type::clock::now() - std::chrono::hours(1));
  r = run_cli(args, dir.path());
  CHECK(contains(r.err, "0 written, 1 skipped, 0 failed"));
  auto with_timeout = args;
  with_timeout.insert(with_timeout.end(), {"--claim-timeout", "600"});
  r = run_cli(with_timeout, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "took over the stale claim of elsewhere.example:4242 (older than --claim-timeout 600 s)"));
  CHECK(contains(r.err, "1 written, 0 skipped, 0 failed"));
  CHECK_FALSE(fs::exists(claim));

  // A process of this host that is gone: taken over at once.
  fs::remove(dir / "out/a_nearest_x2.png");
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  { std::ofstream(claim) << host_name() << " " << gone << "\n"; }
  r = run_cli(args, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, "took over the stale claim of " + host_name() + ":" + std::to_string(gone) + " (its process is gone)"));
  CHECK(files_below(dir / "out") == std::vector<std::string>{"a_nearest_x2.png"});

  // A claim file beside the inputs is never taken as an input; --claim-timeout needs --skip-existing.
  { std::ofstream(dir / "in/.b.png.upsample-claim") << "elsewhere.example 1\n"; }
  r = run_cli({"in", "-m", "nearest", "-o", "out2"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK_FALSE(contains(r.err, "upsample-claim"));
  CHECK(files_below(dir / "out2") == std::vector<std::string>{"a_nearest_x2.png"});
  CHECK(run_cli({"in", "-m", "nearest", "-o", "out3", "--claim-timeout", "5"}, dir.path()).exit_code == 2);
}

TEST_CASE("shared folder: Ctrl-C or SIGTERM removes the claim and the temporary file, says what was done and how to resume") {
  for (const int signo : {SIGINT, SIGTERM}) {
    CAPTURE(signo);
    ScratchFolder dir;
    write_small_image(dir / "in/a.png", 20);
    write_small_image(dir / "in/b.png", 40);
    const fs::path err_file = dir / "stderr.txt";
    const pid_t pid = start_worker({"in", "-m", "nearest", "-o", "out", "--skip-existing", "-j", "1"}, dir.path(), err_file,
                                   "20000");
    CHECK(wait_until([&] { return fs::exists(dir / "out/.a_nearest_x2.png.upsample-claim") && any_claim_or_temp(dir / "out") &&
                                  files_below(dir / "out").size() == 2; }));
    ::kill(pid, signo);
    int status = 0;
    ::waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK(files_below(dir / "out").empty());
    const std::string err = read_file(err_file);
    CHECK(contains(err, "interrupted: 0 written, 0 skipped, 0 failed in "));
    CHECK(contains(err, "2 not finished\nresume with: upsample in -m nearest -o out --skip-existing -j 1\n"));
  }
}

TEST_CASE("shared folder: a worker killed with SIGKILL is resumed with no image computed twice, and one line for the skipped") {
  ScratchFolder dir;
  constexpr int kImages = 6;
  for (int i = 0; i < kImages; ++i) write_small_image(dir / ("in/p" + std::to_string(i) + ".png"), 30 * i);
  const std::vector<std::string> args = {"in", "-m", "nearest", "-o", "out", "--skip-existing", "--report", "r.jsonl"};
  const pid_t pid = start_worker(args, dir.path(), dir / "killed.txt", "300");
  CHECK(wait_until([&] {
    size_t done = 0;
    for (const auto& f : files_below(dir / "out")) done += f.find(".png") != std::string::npos && f[0] != '.';
    return done >= 2;
  }));
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  const size_t finished_before = report_lines(dir / "r.jsonl").size();
  size_t outputs_before = 0;  // one more than the lines when the kill fell between a rename and its line
  for (const auto& f : files_below(dir / "out")) outputs_before += f[0] != '.';
  CHECK(finished_before < kImages);

  auto r = run_cli(args, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  // SIGKILL cannot be caught: the killed worker's temporary file stays (never an input), its claim is taken over.
  size_t outputs = 0, claims = 0;
  for (const auto& f : files_below(dir / "out")) {
    outputs += f[0] != '.';
    claims += contains(f, ".upsample-claim");
  }
  CHECK(outputs == kImages);
  CHECK(claims == 0);
  // The resume says the skipped files in one line, and lists them only with -v.
  CHECK(contains(r.err, std::to_string(outputs_before) + " skipped: outputs that exist, or that other workers are writing (-v lists them)"));
  CHECK_FALSE(contains(r.err, "exists, skipped"));
  CHECK(contains(r.err, "(its process is gone)"));  // the claim of the image in flight

  const auto merged = run_cli({"report", "r.jsonl", "--json"}, dir.path());
  const auto summary = nlohmann::json::parse(merged.out);
  CHECK(summary["images"] == kImages);
  CHECK(summary["written"].get<size_t>() + summary["skipped"].get<size_t>() == kImages);
  CHECK(summary["written"].get<size_t>() >= kImages - 1);
  CHECK(summary["failed"] == 0);
  CHECK(summary["computed_twice"] == 0);
  CHECK(summary["lines"] == kImages + finished_before);

  r = run_cli({"in", "-m", "nearest", "-o", "out", "--skip-existing", "-v"}, dir.path());
  CHECK(contains(r.err, "out/p0_nearest_x2.png: exists, skipped"));
  CHECK(contains(r.err, std::to_string(kImages) + " skipped: outputs that exist, or that other workers are writing\n"));
}

TEST_CASE("--skip-existing removes the temporary files a killed run left, not a live writer's nor a fresh one") {
  ScratchFolder dir;
  write_small_image(dir / "in/a.png", 60);
  fs::create_directories(dir / "out");
  const auto old = fs::file_time_type::clock::now() - std::chrono::hours(1);
  const fs::path stale = dir / "out/.a_nearest_x2.png.tmp-k3x9a0qe.png";
  const fs::path fresh = dir / "out/.a_nearest_x2.png.tmp-fresh000.png";
  const fs::path held = dir / "out/.a_nearest_x2.png.tmp-held0000.png";
  const fs::path other = dir / "out/.b_nearest_x2.png.tmp-k3x9a0qe.png";  // another output's
  for (const fs::path& p : {stale, fresh, held, other}) std::ofstream(p) << "half an image";
  for (const fs::path& p : {stale, held, other}) fs::last_write_time(p, old);
  // A writer still at work holds the lock on its temporary file.
  const int fd = ::open(held.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  REQUIRE(::flock(fd, LOCK_EX) == 0);

  auto r = run_cli({"in", "-m", "nearest", "-o", "out"}, dir.path());  // without --skip-existing: left alone
  CHECK(fs::exists(stale));
  fs::remove(dir / "out/a_nearest_x2.png");
  r = run_cli({"in", "-m", "nearest", "-o", "out", "--skip-existing"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(contains(r.err, ".a_nearest_x2.png.tmp-k3x9a0qe.png: removed, a temporary file a killed run left"));
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(fresh));
  CHECK(fs::exists(held));
  CHECK(fs::exists(other));
  CHECK(fs::exists(dir / "out/a_nearest_x2.png"));
  ::close(fd);
}

}  // TEST_SUITE
