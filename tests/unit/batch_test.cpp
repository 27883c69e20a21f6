#include <doctest/doctest.h>

#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "cli_runner.hpp"
#include "io/atomic_file.hpp"
#include "pipeline/batch.hpp"
#include "pipeline/method_registry.hpp"
#include "pipeline/upscale_image.hpp"
#include "tensor/error.hpp"

namespace fs = std::filesystem;
using namespace upsample;
using pipeline::FileStatus;

TEST_SUITE("batch") {

TEST_CASE("name templates: {dir} and {relpath} may place outputs in folders, never outside -o") {
  pipeline::NameFields fields{"cat", "m", 2, "png", "pets/2024", "pets/2024/cat"};
  CHECK(pipeline::expand_name_template("{dir}/{stem}_x{scale}.{ext}", fields) == "pets/2024/cat_x2.png");
  CHECK(pipeline::expand_name_template("{relpath}.{ext}", fields) == "pets/2024/cat.png");
  CHECK(pipeline::expand_name_template("big/{relpath}.{ext}", fields) == "big/pets/2024/cat.png");
  fields.dir = ".";
  CHECK(pipeline::expand_name_template("{dir}/{stem}.{ext}", fields) == "cat.png");
  CHECK_THROWS_AS(pipeline::expand_name_template("../{dir}/{stem}.{ext}", fields), UsageError);
  CHECK_THROWS_AS(pipeline::expand_name_template("/{dir}/{stem}.{ext}", fields), UsageError);
  CHECK_THROWS_AS(pipeline::expand_name_template("{dir}/", fields), UsageError);
  CHECK(pipeline::template_mirrors_folders("{relpath}.png"));
  CHECK_FALSE(pipeline::template_mirrors_folders("{stem}.png"));
}

TEST_CASE("name templates expand their fields and refuse unknown ones") {
  CHECK(pipeline::expand_name_template("{stem}_{method}_x{scale}.{ext}", "cat", "lanczos", 3, "png") == "cat_lanczos_x3.png");
  CHECK(pipeline::expand_name_template("{stem}@{scale}x.{ext}", "a b", "m", 2, "jpg") == "a b@2x.jpg");
  CHECK_THROWS_AS(pipeline::expand_name_template("{stem}_{size}.png", "cat", "m", 2, "png"), UsageError);
  CHECK_THROWS_AS(pipeline::expand_name_template("out/{stem}.png", "cat", "m", 2, "png"), UsageError);
  CHECK_THROWS_AS(pipeline::expand_name_template("{stem", "cat", "m", 2, "png"), UsageError);
}

TEST_CASE("plans name outputs, mirror folders, and refuse collisions and clobbering") {
  testing::ScratchFolder dir;
  fs::create_directories(dir / "in/sub");
  for (const char* f : {"in/a.png", "in/sub/b.jpg", "in/notes.txt", "c.png"}) std::ofstream(dir / f) << "x";
  fs::create_directories(dir / "out");
  std::ofstream(dir / "out/c_m_x2.png") << "old";

  pipeline::BatchOptions o;
  o.inputs = {dir / "in", dir / "c.png", dir / "missing.png"};
  o.recursive = true;
  o.output = dir / "out";
  o.method_label = "m";
  o.scale = 2;
  auto plan = pipeline::plan_batch(o);
  REQUIRE(plan.tasks.size() == 4);
  // Sorted by the bytes of the input paths, not in the order given.
  CHECK(plan.tasks[0].input == dir / "c.png");
  CHECK(plan.tasks[0].status == FileStatus::Failed);  // exists, no --overwrite
  CHECK(plan.tasks[1].output == dir / "out/a_m_x2.png");
  CHECK(plan.tasks[2].output == dir / "out/sub/b_m_x2.jpg");
  CHECK(plan.tasks[3].status == FileStatus::Failed);
  CHECK(plan.tasks[3].error.find("no such file or folder") != std::string::npos);
  REQUIRE(plan.notes.size() == 1);
  CHECK(plan.notes[0].find("notes.txt: skipped") != std::string::npos);

  o.existing = pipeline::ExistingOutput::Skip;
  CHECK(pipeline::plan_batch(o).tasks[0].status == FileStatus::Skipped);
  o.existing = pipeline::ExistingOutput::Overwrite;
  CHECK(pipeline::plan_batch(o).tasks[0].status == FileStatus::Pending);

  o.inputs = {dir / "c.png", dir / "c.png"};  // the same file twice maps to one output
  plan = pipeline::plan_batch(o);
  CHECK(plan.tasks[0].status == FileStatus::Pending);
  CHECK(plan.tasks[1].status == FileStatus::Failed);
}

TEST_CASE("run_batch reports every task once and keeps going after a failure") {
  testing::ScratchFolder dir;
  cv::imwrite((dir / "good.png").string(), cv::Mat(6, 5, CV_8UC3, cv::Scalar(1, 2, 3)));
  std::ofstream(dir / "bad.png") << "nope";
  pipeline::BatchOptions o;
  o.inputs = {dir / "bad.png", dir / "good.png"};
  o.method_label = "nearest";
  auto plan = pipeline::plan_batch(o);
  const auto up = pipeline::create_upscaler("nearest", 2);
  int reported = 0;
  pipeline::RunOptions run;
  run.jobs = 2;
  pipeline::run_batch(plan.tasks, [&](const cv::Mat& m, pipeline::FileTask&) { return pipeline::upscale_image(m, *up); }, run,
                      [&](const pipeline::FileTask&) { ++reported; });
  CHECK(reported == 2);
  CHECK(plan.tasks[0].status == FileStatus::Failed);
  CHECK(plan.tasks[1].status == FileStatus::Written);
  CHECK(plan.tasks[1].output_size == cv::Size(10, 12));
  CHECK(cv::imread(plan.tasks[1].output.string()).size() == cv::Size(10, 12));
}

TEST_CASE("every classical method keeps type and channels and scales by s") {
  for (const auto& m : pipeline::MethodRegistry::builtin().all()) {
    if (m.learned) continue;
    for (int type : {CV_8UC1, CV_8UC3, CV_16UC1, CV_16UC3}) {
      CAPTURE(m.name);
      CAPTURE(type);
      const auto up = pipeline::create_upscaler(m.name, 3);
      const cv::Mat out = up->upscale(cv::Mat(7, 9, type, cv::Scalar::all(100)));
      CHECK(out.type() == type);
      CHECK(out.size() == cv::Size(27, 21));
    }
  }
  CHECK_THROWS_WITH_AS(pipeline::create_upscaler("cubic", 2), doctest::Contains("known: nearest"), Error);
}

TEST_CASE("alpha is upscaled separately and never dropped") {
  cv::Mat rgba(4, 4, CV_8UC4, cv::Scalar(10, 20, 30, 0));
  rgba(cv::Rect(0, 0, 2, 4)).setTo(cv::Scalar(10, 20, 30, 255));
  const auto up = pipeline::create_upscaler("nearest", 2);
  const cv::Mat out = pipeline::upscale_image(rgba, *up);
  REQUIRE(out.type() == CV_8UC4);
  CHECK(out.at<cv::Vec4b>(0, 0)[3] == 255);
  CHECK(out.at<cv::Vec4b>(0, 7)[3] == 0);
  CHECK(out.at<cv::Vec4b>(3, 0) == cv::Vec4b(10, 20, 30, 255));
  CHECK(out.at<cv::Vec4b>(3, 4)[3] > 0);  // bicubic, not nearest: the edge is soft
  CHECK(out.at<cv::Vec4b>(3, 4)[3] < 255);
}

}  // TEST_SUITE
