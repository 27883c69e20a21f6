// End-to-end tests of the work list and its shards (#29): the sorted list every worker
// sees, --shard and the schedulers' variables, --files-from and the {dir} / {relpath} fields.
#include <doctest/doctest.h>

#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

void write_tiny_image(const fs::path& path, int shade = 90) {
  fs::create_directories(path.parent_path());
  REQUIRE(cv::imwrite(path.string(), cv::Mat(6, 8, CV_8UC3, cv::Scalar(shade, 40, 200))));
}

std::vector<std::string> output_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(text.substr(start, end - start));
  return lines;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("shards: the work list is sorted byte-wise whatever the order given, and --dry-run prints a shard's files") {
  ScratchFolder dir;
  for (const char* name : {"in/B.png", "in/a.png", "in/a-b.png", "in/sub/c.png"}) write_tiny_image(dir / name);
  const std::vector<std::string> common = {"-m", "nearest", "-o", "out", "--dry-run"};
  auto run_with = [&](std::vector<std::string> args) {
    args.insert(args.end(), common.begin(), common.end());
    const auto r = run_cli(args, dir.path());
    INFO(r.err);
    CHECK(r.exit_code == 0);
    return output_lines(r.out);
  };
  // LC_ALL=C sort order: 'B' < 'a', '-' < '.' < '/'.
  const std::vector<std::string> all = {"in/B.png -> out/B_nearest_x2.png", "in/a-b.png -> out/a-b_nearest_x2.png",
                                        "in/a.png -> out/a_nearest_x2.png", "in/sub/c.png -> out/sub/c_nearest_x2.png"};
  CHECK(run_with({"in", "-r"}) == all);
  CHECK(run_with({"in/sub/c.png", "in/a.png", "in/a-b.png", "in/B.png", "--name", "{dir}/{stem}_{method}_x{scale}.{ext}"}) ==
        std::vector<std::string>{"in/B.png -> out/in/B_nearest_x2.png", "in/a-b.png -> out/in/a-b_nearest_x2.png",
                                 "in/a.png -> out/in/a_nearest_x2.png", "in/sub/c.png -> out/in/sub/c_nearest_x2.png"});
  CHECK(run_with({"in", "-r", "--shard", "1/2"}) == std::vector<std::string>{all[0], all[2]});
  CHECK(run_with({"in", "-r", "--shard", "2/2"}) == std::vector<std::string>{all[1], all[3]});
  CHECK(run_with({"in", "-r", "--shard", "4/5"}) == std::vector<std::string>{all[3]});
  CHECK(run_with({"in", "-r", "--shard", "5/5"}).empty());
}

TEST_CASE("shards: four Slurm array tasks or Kubernetes indexes write every image once, and the log says which shard") {
  ScratchFolder dir;
  for (int i = 0; i < 10; ++i) write_tiny_image(dir / ("in/img" + std::to_string(i) + ".png"), 10 * i);
  const std::vector<std::string> args = {"in", "-m", "nearest", "-o", "out", "--skip-existing"};
  size_t written = 0;
  for (int task = 0; task < 4; ++task) {
    const auto r = run_cli(args, dir.path(),
                           {{"SLURM_ARRAY_TASK_ID", std::to_string(task + 5)}, {"SLURM_ARRAY_TASK_MIN", "5"},
                            {"SLURM_ARRAY_TASK_COUNT", "4"}});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    const std::string expected = "info: shard " + std::to_string(task + 1) + "/4 (from SLURM_ARRAY_TASK_ID=" +
                                 std::to_string(task + 5) + ", SLURM_ARRAY_TASK_MIN=5, SLURM_ARRAY_TASK_COUNT=4): " +
                                 (task < 2 ? "3" : "2") + " of 10 files";
    CHECK(contains(r.err, expected));
    CHECK(contains(r.err, (task < 2 ? "3 written, 0 skipped, 0 failed" : "2 written, 0 skipped, 0 failed")));
    written += files_below(dir / "out").size();
  }
  CHECK(files_below(dir / "out").size() == 10);
  CHECK(written == 3 + 6 + 8 + 10);

  fs::remove_all(dir / "out");
  for (int index = 0; index < 3; ++index) {
    const auto r = run_cli({"in", "-m", "nearest", "-o", "out", "--shards", "3"}, dir.path(),
                           {{"JOB_COMPLETION_INDEX", std::to_string(index)}});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(contains(r.err, "shard " + std::to_string(index + 1) + "/3 (from JOB_COMPLETION_INDEX=" + std::to_string(index) +
                              ", --shards 3)"));
  }
  CHECK(files_below(dir / "out").size() == 10);
}

TEST_CASE("shards: bad shard values and a Kubernetes index without --shards are usage errors naming the problem") {
  ScratchFolder dir;
  write_tiny_image(dir / "in/a.png");
  const std::vector<std::string> base = {"in", "-m", "nearest", "-o", "out"};
  struct Case {
    std::vector<std::string> extra;
    std::vector<std::pair<std::string, std::string>> env;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"--shard", "0/4"}, {}, "--shard 0/4: the shard must be between 1 and 4 (shards are counted from 1)"},
      {{"--shard", "5/4"}, {}, "--shard 5/4: the shard must be between 1 and 4"},
      {{"--shard", "two"}, {}, "--shard two: give I/N"},
      {{}, {{"JOB_COMPLETION_INDEX", "1"}}, "JOB_COMPLETION_INDEX=1 (a Kubernetes Indexed Job) needs --shards N"},
      {{"--shards", "2"}, {{"JOB_COMPLETION_INDEX", "2"}}, "JOB_COMPLETION_INDEX=2 is not below --shards 2"},
      {{"--shards", "4"}, {}, "--shards 4 needs SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX"},
      {{}, {{"SLURM_ARRAY_TASK_ID", "3"}, {"SLURM_ARRAY_TASK_MIN", "0"}, {"SLURM_ARRAY_TASK_COUNT", "2"}},
       "the task is not one of 2 evenly spaced array tasks"},
      {{"-0"}, {}, "-0 is for the list of --files-from"},
      {{"--files-from", "missing.txt"}, {}, "--files-from missing.txt: cannot open the list"},
      {{"--name", "{dir}/{stem}.{ext}", "-o", ""}, {}, "{dir} and {relpath} place outputs under -o"},
  };
  for (const auto& c : cases) {
    auto args = base;
    args.insert(args.end(), c.extra.begin(), c.extra.end());
    if (c.extra.size() == 4 && c.extra[2] == "-o") args = {"in", "-m", "nearest", "--name", c.extra[1]};
    const auto r = run_cli(args, dir.path(), c.env);
    CAPTURE(c.message);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(contains(r.err, c.message));
  }
  CHECK_FALSE(fs::exists(dir / "out"));
}

TEST_CASE("shards: --files-from keeps a flat list's tree under -o with {dir} or {relpath}, from a file, stdin or NUL-separated") {
  ScratchFolder dir;
  write_tiny_image(dir / "photos/2023/a.png", 10);
  write_tiny_image(dir / "photos/2024/a.png", 200);
  {
    std::ofstream list(dir / "list.txt");
    list << "photos/2024/a.png\nphotos/2023/a.png\n";
  }
  // Without a folder field, the same names collide: the second is refused, not overwritten.
  auto r = run_cli({"--files-from", "list.txt", "-m", "nearest", "-o", "flat"}, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(contains(r.err, "photos/2024/a.png: its output flat/a_nearest_x2.png is already the output of photos/2023/a.png"));

  r = run_cli({"--files-from", "list.txt", "-m", "nearest", "-o", "tree", "--name", "{dir}/{stem}_x{scale}.{ext}"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(files_below(dir / "tree") == std::vector<std::string>{"photos/2023/a_x2.png", "photos/2024/a_x2.png"});
  CHECK(cv::imread((dir / "tree/photos/2024/a_x2.png").string()).at<cv::Vec3b>(0, 0)[0] == 200);

  // From stdin, NUL-separated, with {relpath}; a path outside the current folder cannot be placed.
  const std::string outside = sample("scene.png").string();
  const std::string script = "printf 'photos/2023/a.png\\0photos/2024/a.png\\0" + outside + "\\0' | \"$0\" \"$@\"";
  r = run_cli({}, dir.path(), {},
              {"/bin/sh", "-c", script, UPSAMPLE_BINARY, "--files-from", "-", "-0", "-m", "nearest", "-o", "rel", "--name",
               "{relpath}.{ext}"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(files_below(dir / "rel") == std::vector<std::string>{"photos/2023/a.png", "photos/2024/a.png"});
  CHECK(contains(r.err, outside + ": not below the current folder, so {dir} and {relpath} cannot place it"));

  // A folder walked with -r gives {dir} below the folder, as the default mirroring does.
  r = run_cli({"photos", "-r", "-m", "nearest", "-o", "walked", "--name", "{dir}/{stem}.{ext}"}, dir.path());
  CHECK(r.exit_code == 0);
  CHECK(files_below(dir / "walked") == std::vector<std::string>{"2023/a.png", "2024/a.png"});
}

TEST_CASE("shards: --help teaches the options of batches across workers, and report has its own help") {
  ScratchFolder dir;
  const auto help = run_cli({"--help"}, dir.path());
  CHECK(help.exit_code == 0);
  for (const char* option : {"--shard ", "--shards ", "--files-from", "-0,--null", "--report", "--claim-timeout", "{relpath}",
                             "upsample report r*.jsonl"})
    CHECK_MESSAGE(contains(help.out, option), option);
  const auto report = run_cli({"report", "--help"}, dir.path());
  CHECK(report.exit_code == 0);
  CHECK(contains(report.out, "counted once"));
  const auto deblur = run_cli({"deblur", "--help"}, dir.path());
  CHECK(contains(deblur.out, "--shard "));
}

}  // TEST_SUITE
