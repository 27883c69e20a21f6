// End-to-end tests of --report (one JSON line per finished file) and `upsample report`.
#include <doctest/doctest.h>

#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

std::vector<nlohmann::json> jsonl_of(const fs::path& path) {
  std::vector<nlohmann::json> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("report: --report appends a line per file with every field, and report merges runs counting each image once") {
  ScratchFolder dir;
  fs::create_directories(dir / "in");
  REQUIRE(cv::imwrite((dir / "in/a.png").string(), cv::Mat(10, 12, CV_8UC3, cv::Scalar(1, 2, 3))));
  REQUIRE(cv::imwrite((dir / "in/b.png").string(), cv::Mat(5, 7, CV_8UC1, cv::Scalar(9))));
  { std::ofstream(dir / "in/c.png") << "not a png"; }
  const std::vector<std::string> args = {"in", "-m", "nearest", "-s", "3", "-o", "out", "--report", "r.jsonl", "--shard", "1/1"};
  auto r = run_cli(args, dir.path());
  CHECK(r.exit_code == 1);
  auto lines = jsonl_of(dir / "r.jsonl");
  REQUIRE(lines.size() == 3);
  const auto& a = lines[0]["input"] == "in/a.png" ? lines[0] : lines[1]["input"] == "in/a.png" ? lines[1] : lines[2];
  CHECK(a["output"] == "out/a_nearest_x3.png");
  CHECK(a["status"] == "written");
  CHECK(a["error"].is_null());
  CHECK(a["seconds"].get<double>() >= 0);
  CHECK(a["input_bytes"].get<long>() == static_cast<long>(fs::file_size(dir / "in/a.png")));
  CHECK(a["output_bytes"].get<long>() == static_cast<long>(fs::file_size(dir / "out/a_nearest_x3.png")));
  CHECK(a["input_size"] == nlohmann::json::array({12, 10}));
  CHECK(a["output_size"] == nlohmann::json::array({36, 30}));
  CHECK(a["method"] == "nearest");
  CHECK(a["scale"] == 3);
  CHECK(a["shard"] == "1/1");
  CHECK(a["host"].get<std::string>().size() > 0);
  CHECK(a["finished"].get<double>() > 1.6e9);
  for (const auto& line : lines)
    if (line["input"] == "in/c.png") CHECK(contains(line["error"].get<std::string>(), "in/c.png"));

  // The resume appends: two skips and the same failure again.
  auto resume = args;
  resume.push_back("--skip-existing");
  r = run_cli(resume, dir.path());
  CHECK(r.exit_code == 1);
  CHECK(jsonl_of(dir / "r.jsonl").size() == 6);
  { std::ofstream(dir / "r.jsonl", std::ios::app) << "{\"input\": \"in/half"; }  // a killed writer's half line

  r = run_cli({"report", "r.jsonl"}, dir.path());
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(contains(r.out, "1 report file, 6 lines"));
  CHECK(contains(r.out, "  images                 3\n"));
  CHECK(contains(r.out, "  written                2\n"));  // the resume's skips do not hide the writes
  CHECK(contains(r.out, "  failed                 1\n"));
  CHECK(contains(r.out, "  computed twice         0\n"));
  CHECK(contains(r.out, "failures:\n  in/c.png: "));
  CHECK(contains(r.out, "slowest:\n"));
  CHECK(contains(r.err, "r.jsonl:7: not a report line, passed over"));

  r = run_cli({"report", "r.jsonl", "--json"}, dir.path());
  const auto summary = nlohmann::json::parse(r.out);
  CHECK(summary["images"] == 3);
  CHECK(summary["failures"].size() == 1);
  CHECK(summary["failures"][0]["input"] == "in/c.png");

  CHECK(run_cli({"report", "missing.jsonl"}, dir.path()).exit_code == 1);
  CHECK(run_cli({"report"}, dir.path()).exit_code == 2);
}

}  // TEST_SUITE
