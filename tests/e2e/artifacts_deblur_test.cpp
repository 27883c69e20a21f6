// End-to-end: `upsample artifacts -m` on deblurring models, which work at scale 1 and
// must not be taken for super-resolution models (no deblur_x2 weights are looked for).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "models/model.hpp"
#include "test_values.hpp"

namespace fs = std::filesystem;
using namespace upsample::testing;

namespace {

void write_random_deblur_model(const fs::path& path) {
  const auto model = upsample::models::build_model(
      {{"arch", "deblur"}, {"scale", "1"}, {"channels", "y"}, {"depth", "2"}, {"width", "8"}, {"up", "deconv"}}, 3);
  upsample::models::save_model(*model, path);
}

}  // namespace

TEST_SUITE("e2e") {

TEST_CASE("artifacts -m on a deblurring model: diagnosed at scale 1, by file, by name and within 'all'") {
  ScratchFolder dir;
  write_random_deblur_model(dir / "blurfix.safetensors");

  const auto by_file = run_cli({"artifacts", "-m", "blurfix.safetensors", "-s", "2", "-o", "pat"}, dir.path());
  INFO(by_file.err);
  REQUIRE(by_file.exit_code == 0);
  CHECK(contains(by_file.out, "blurfix x1: constant-input amplitude "));
  CHECK(contains(by_file.out, "rows = y mod 4, columns = x mod 4"));
  CHECK(files_below(dir / "pat") == std::vector<std::string>{"blurfix_x1_phase.png"});

  // Installed weights are found as deblur_x1, whatever -s says.
  fs::create_directories(dir / "weights");
  write_random_deblur_model(dir / "weights/deblur_x1.safetensors");
  const std::vector<std::pair<std::string, std::string>> env = {{"UPSAMPLE_WEIGHTS", (dir / "weights").string()}};
  const auto by_name = run_cli({"artifacts", "-m", "deblur", "-s", "3", "-o", "named", "--json"}, dir.path(), env);
  INFO(by_name.err);
  REQUIRE(by_name.exit_code == 0);
  const nlohmann::json doc = nlohmann::json::parse(by_name.out);
  REQUIRE(doc["methods"].size() == 1);
  const nlohmann::json& row = doc["methods"][0];
  CHECK(row["method"] == "deblur");
  CHECK(row["scale"] == 1);
  CHECK(row["period"] == 4);
  CHECK(row["amplitude"].get<double>() > 0.5);  // random transposed-conv weights
  CHECK(row["pattern"] == "named/deblur_x1_phase.png");

  const auto all = run_cli({"artifacts", "-m", "all", "-s", "2", "-o", "all"}, dir.path(), env);
  INFO(all.err);
  REQUIRE(all.exit_code == 0);
  CHECK(contains(all.out, "\ndeblur x1: constant-input amplitude "));
  CHECK(contains(all.out, "\nbilinear x2: constant-input amplitude 0.000 levels"));
  CHECK_FALSE(contains(all.err, "deblur_x2"));
}

TEST_CASE("artifacts on a deblurring network told the blur, and the blur estimator is not an image model") {
  ScratchFolder dir;
  fs::create_directories(dir / "weights");
  const auto told = upsample::models::build_model(
      {{"arch", "deblur"}, {"scale", "1"}, {"depth", "2"}, {"width", "8"}, {"condition", "3"}}, 3);
  upsample::models::save_model(*told, dir / "weights/deblur_x1.safetensors");
  const auto estimator = upsample::models::build_model({{"arch", "blur-estimator"}, {"scale", "1"}, {"width", "4"}});
  upsample::models::save_model(*estimator, dir / "weights/blur-estimator_x1.safetensors");
  const std::vector<std::pair<std::string, std::string>> env = {{"UPSAMPLE_WEIGHTS", (dir / "weights").string()}};
  const auto all = run_cli({"artifacts", "-m", "all", "-s", "2", "-o", "all"}, dir.path(), env);
  INFO(all.err);
  REQUIRE(all.exit_code == 0);
  CHECK(contains(all.out, "\ndeblur x1: constant-input amplitude "));
  CHECK_FALSE(contains(all.out + all.err, "blur-estimator"));
}

}  // TEST_SUITE
