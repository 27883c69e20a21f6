// `upsample bench` runs a case and prints JSON that parses (timings themselves are not
// tested: benchmarks are not tests).
#include <doctest/doctest.h>

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

}  // TEST_SUITE
