#include <doctest/doctest.h>

#include <fstream>

#include "cli_runner.hpp"
#include "pipeline/report_summary.hpp"

using namespace upsample;

TEST_SUITE("shards") {

TEST_CASE("report summary: one status per image, the latest, but a skip never hides a write in either order") {
  testing::ScratchFolder dir;
  {
    std::ofstream a(dir / "a.jsonl");
    // Another worker's skip logged before the write it skipped for, with a later time.
    a << R"({"input":"x.png","status":"skipped","finished":20,"seconds":0,"computed":false})" << "\n";
    a << R"({"input":"y.png","status":"failed","error":"y.png: bad","finished":10,"seconds":1,"computed":true})" << "\n";
    a << R"({"input":"z.png","status":"written","finished":10,"seconds":2,"computed":true,"output_bytes":5})" << "\n";
  }
  {
    std::ofstream b(dir / "b.jsonl");
    b << R"({"input":"x.png","status":"written","finished":10,"seconds":3,"computed":true,"host":"h2","shard":"2/2"})" << "\n";
    b << R"({"input":"y.png","status":"written","finished":30,"seconds":1,"computed":true})" << "\n";
    b << R"({"input":"z.png","status":"failed","error":"z.png: later failure","finished":40,"seconds":1,"computed":true})" << "\n";
    b << "{\"input\": \"cut";
  }
  const auto s = pipeline::summarize_reports({dir / "a.jsonl", dir / "b.jsonl"}, 2);
  CHECK(s.files == 2);
  CHECK(s.lines == 6);
  REQUIRE(s.notes.size() == 1);
  CHECK(s.notes[0].find("b.jsonl:4: not a report line") != std::string::npos);
  CHECK(s.images == 3);
  CHECK(s.written == 2);  // x (the skip does not hide it) and y (written after failing)
  CHECK(s.skipped == 0);
  CHECK(s.failed == 1);   // z: its latest line failed
  REQUIRE(s.failures.size() == 1);
  CHECK(s.failures[0].error == "z.png: later failure");
  CHECK(s.computed_twice == 2);  // y and z were each computed by two lines
  REQUIRE(s.slowest.size() == 2);
  CHECK(s.slowest[0].input == "x.png");
  CHECK(s.slowest[0].host == "h2");
  CHECK(s.wall_seconds == doctest::Approx(40 - 7));  // x started at 10 - 3, z's last line ended at 40
  CHECK(s.compute_seconds == doctest::Approx(3 + 1 + 2 + 1 + 1));
}

}  // TEST_SUITE
