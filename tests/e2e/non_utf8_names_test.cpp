// End-to-end tests of file names that are not UTF-8 (#26 item 10): every JSON document
// is still written, each such name readable (U+FFFD) and exact ("..._bytes_hex").
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {
// "café.png" in Latin-1: the é is the single byte 0xE9, which is not UTF-8.
const std::string kLatin1Name = "caf\xE9.png";
const std::string kLatin1Hex = "636166e92e706e67";
}  // namespace

TEST_SUITE("non-UTF-8 names") {

TEST_CASE("compare and artifacts write their JSON for a Latin-1 file name, with the name's bytes in hex") {
  ScratchFolder dir;
  fs::copy_file(sample("scene.png"), dir / kLatin1Name);
  const CliResult compared = run_cli({"compare", kLatin1Name, "-m", "bicubic,nearest", "-s", "2", "-o", "cmp"}, dir.path());
  REQUIRE(compared.exit_code == 0);
  for (const char* report : {"report.json", "report.md", "report.csv"}) CHECK(fs::exists(dir / "cmp" / report));
  const auto doc = nlohmann::json::parse(read_file(dir / "cmp" / "report.json"));
  CHECK(doc["inputs"][0]["input"] == "caf\xEF\xBF\xBD.png");
  CHECK(doc["inputs"][0]["input_bytes_hex"] == kLatin1Hex);

  const CliResult measured = run_cli({"artifacts", kLatin1Name, "-s", "2", "--json"}, dir.path());
  REQUIRE(measured.exit_code == 0);
  const auto artifacts = nlohmann::json::parse(measured.out);
  CHECK(artifacts["images"][0]["input_bytes_hex"] == kLatin1Hex);
}

}  // TEST_SUITE

TEST_SUITE("non-UTF-8 names") {

TEST_CASE("the main job's --json and --report keep a Latin-1 file name readable and exact") {
  ScratchFolder dir;
  fs::copy_file(sample("scene.png"), dir / kLatin1Name);
  const CliResult r = run_cli({kLatin1Name, "-m", "nearest", "-s", "2", "-o", "out", "--json", "--report", "r.jsonl"}, dir.path());
  REQUIRE(r.exit_code == 0);
  const auto doc = nlohmann::json::parse(r.out);
  CHECK(doc["files"][0]["input_bytes_hex"] == kLatin1Hex);
  CHECK(doc["files"][0]["status"] == "written");
  CHECK(doc["files"][0]["output_bytes_hex"].get<std::string>().find("e9") != std::string::npos);
  const auto line = nlohmann::json::parse(read_file(dir / "r.jsonl"));
  CHECK(line["input_bytes_hex"] == kLatin1Hex);
  const CliResult merged = run_cli({"report", "r.jsonl", "--json"}, dir.path());
  CHECK(merged.exit_code == 0);
  CHECK(nlohmann::json::accept(merged.out));
}

}  // TEST_SUITE
