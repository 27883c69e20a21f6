// `upsample bench` runs a case and prints JSON that parses (timings themselves are not
// tested: benchmarks are not tests).
#include <doctest/doctest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

using upsample::testing::run_cli;
using upsample::testing::ScratchFolder;

TEST_SUITE("e2e") {

TEST_CASE("bench runs one small case and prints parseable JSON") {
  ScratchFolder dir;
  const auto r = run_cli({"bench", "--filter", "conv 12-12 k3", "--runs", "1", "--warmup", "0", "--threads", "1", "--json"},
                         dir.path());
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  REQUIRE(doc["results"].is_array());
  REQUIRE(doc["results"].size() == 1);
  const auto& row = doc["results"][0];
  CHECK(row["name"] == "conv 12-12 k3 540x960");
  CHECK(row["threads"] == 1);
  CHECK(row["ms"].get<double>() > 0.0);
  CHECK(row["gflops"].get<double>() > 0.0);
  CHECK(row["opencv_ms"].get<double>() > 0.0);
  CHECK(doc["isa"].is_string());
}

TEST_CASE("bench refuses a filter that matches nothing") {
  ScratchFolder dir;
  const auto r = run_cli({"bench", "--filter", "no such case", "--runs", "1"}, dir.path());
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("no case matches") != std::string::npos);
}

TEST_CASE("bench puts ONNX Runtime's times from the anchor script beside the matching network rows") {
  ScratchFolder dir;
  std::ofstream(dir.path() / "ort.txt") << "npm notice something\n"
                                        << "onnxruntime espcn_x4 960x540 th=1 400.0 ms\n"
                                        << "onnxruntime espcn_x4 960x540 th=2 250.0 ms\n";
  const auto r = run_cli({"bench", "--filter", "espcn x4", "--runs", "1", "--warmup", "0", "--threads", "1",
                          "--no-opencv", "--json", "--onnxruntime", "ort.txt"},
                         dir.path());
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  const auto& row = doc["results"].at(0);
  CHECK(row["onnxruntime_ms"].get<double>() == 400.0);  // the 1-thread line, not the 2-thread one
  CHECK(row["speedup_vs_onnxruntime"].get<double>() == doctest::Approx(400.0 / row["ms"].get<double>()));

  std::ofstream(dir.path() / "bad.txt") << "onnxruntime espcn_x4 960x540 th=2 fast ms\n";
  const auto bad = run_cli({"bench", "--filter", "espcn x4", "--onnxruntime", "bad.txt"}, dir.path());
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("bad.txt line 1") != std::string::npos);
  std::ofstream(dir.path() / "other.txt") << "onnxruntime espcn_x4 64x64 th=2 5.0 ms\n";
  const auto other = run_cli({"bench", "--filter", "espcn x4", "--onnxruntime", "other.txt"}, dir.path());
  CHECK(other.exit_code == 1);
  CHECK(other.err.find("not the 1080p") != std::string::npos);
}

}  // TEST_SUITE
