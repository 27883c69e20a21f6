#include <doctest/doctest.h>

#include <map>
#include <sstream>

#include "pipeline/path_list.hpp"
#include "pipeline/shard.hpp"
#include "tensor/error.hpp"

using namespace upsample;

namespace {

pipeline::EnvironmentLookup environment_of(const std::map<std::string, std::string>& variables) {
  return [variables](const char* name) -> const char* {
    const auto it = variables.find(name);
    return it == variables.end() ? nullptr : it->second.c_str();
  };
}

}  // namespace

TEST_SUITE("shards") {

TEST_CASE("--shard I/N is 1-based, and anything else is a usage error naming it") {
  const auto shard = pipeline::parse_shard("2/4");
  CHECK(shard.index == 2);
  CHECK(shard.count == 4);
  for (const char* bad : {"0/4", "5/4", "1/0", "2", "a/4", "-1/4", "1/4x", "/4", "2/", " 1/4"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(pipeline::parse_shard(bad), UsageError);
  }
  CHECK_THROWS_WITH_AS(pipeline::parse_shard("0/4"), doctest::Contains("counted from 1"), UsageError);
}

TEST_CASE("the shard comes from --shard, else a Slurm array task, else a Kubernetes Indexed Job") {
  const auto none = environment_of({});
  CHECK_FALSE(pipeline::resolve_shard(std::nullopt, std::nullopt, none));
  const auto slurm = environment_of({{"SLURM_ARRAY_TASK_ID", "12"}, {"SLURM_ARRAY_TASK_MIN", "10"},
                                     {"SLURM_ARRAY_TASK_COUNT", "4"}, {"JOB_COMPLETION_INDEX", "0"}});
  auto shard = pipeline::resolve_shard(std::nullopt, std::nullopt, slurm);
  REQUIRE(shard);
  CHECK(pipeline::to_string(*shard) == "3/4");
  CHECK(doctest::String(shard->source.c_str()) == doctest::Contains("SLURM_ARRAY_TASK_ID=12"));
  shard = pipeline::resolve_shard(std::string("1/2"), std::nullopt, slurm);  // the option wins
  CHECK(pipeline::to_string(*shard) == "1/2");
  // With --shards the task id is the shard, so a resubmitted --array=1 (MIN=1, COUNT=1) redoes shard 2.
  const auto resubmitted = environment_of(
      {{"SLURM_ARRAY_TASK_ID", "1"}, {"SLURM_ARRAY_TASK_MIN", "1"}, {"SLURM_ARRAY_TASK_COUNT", "1"}});
  CHECK(pipeline::to_string(*pipeline::resolve_shard(std::nullopt, 4, resubmitted)) == "2/4");
  CHECK(pipeline::to_string(*pipeline::resolve_shard(std::nullopt, std::nullopt, resubmitted)) == "1/1");
  CHECK_THROWS_AS(pipeline::resolve_shard(std::nullopt, 1, resubmitted), UsageError);
  shard = pipeline::resolve_shard(std::string("1/2"), std::nullopt, slurm);
  CHECK(pipeline::to_string(*shard) == "1/2");
  // A stepped array (--array=0-6:2) is four tasks.
  shard = pipeline::resolve_shard(std::nullopt, std::nullopt,
                                  environment_of({{"SLURM_ARRAY_TASK_ID", "6"}, {"SLURM_ARRAY_TASK_MIN", "0"},
                                                  {"SLURM_ARRAY_TASK_STEP", "2"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}));
  CHECK(pipeline::to_string(*shard) == "4/4");
  // An id outside the array (a list like --array=1,7) is refused, not silently mis-split.
  CHECK_THROWS_AS(pipeline::resolve_shard(std::nullopt, std::nullopt,
                                          environment_of({{"SLURM_ARRAY_TASK_ID", "7"}, {"SLURM_ARRAY_TASK_MIN", "1"},
                                                          {"SLURM_ARRAY_TASK_COUNT", "2"}})),
                  UsageError);
  CHECK_THROWS_AS(pipeline::resolve_shard(std::nullopt, std::nullopt, environment_of({{"SLURM_ARRAY_TASK_ID", "x"},
                                                                                        {"SLURM_ARRAY_TASK_MIN", "0"},
                                                                                        {"SLURM_ARRAY_TASK_COUNT", "2"}})),
                  UsageError);

  const auto kubernetes = environment_of({{"JOB_COMPLETION_INDEX", "0"}});
  CHECK_THROWS_WITH_AS(pipeline::resolve_shard(std::nullopt, std::nullopt, kubernetes), doctest::Contains("--shards N"),
                       UsageError);
  shard = pipeline::resolve_shard(std::nullopt, 3, kubernetes);
  CHECK(pipeline::to_string(*shard) == "1/3");
  CHECK_THROWS_AS(pipeline::resolve_shard(std::nullopt, 3, environment_of({{"JOB_COMPLETION_INDEX", "3"}})), UsageError);
  CHECK_THROWS_AS(pipeline::resolve_shard(std::nullopt, 3, none), UsageError);  // --shards alone says no shard
  CHECK_THROWS_AS(pipeline::resolve_shard(std::string("1/2"), 2, none), UsageError);
}

TEST_CASE("select_shard takes every N-th task, and the shards together are the list once") {
  std::vector<pipeline::FileTask> tasks(10);
  for (size_t i = 0; i < tasks.size(); ++i) tasks[i].input = std::to_string(i);
  std::vector<std::string> seen;
  for (int index = 1; index <= 3; ++index)
    for (const auto& t : pipeline::select_shard(tasks, {index, 3, ""})) seen.push_back(t.input.string());
  CHECK(seen == std::vector<std::string>{"0", "3", "6", "9", "1", "4", "7", "2", "5", "8"});
  CHECK(pipeline::select_shard(tasks, {5, 12, ""}).size() == 1);
  CHECK(pipeline::select_shard(tasks, {11, 12, ""}).empty());
}

TEST_CASE("a path list splits at newlines or NULs, dropping empty entries and a Windows line end") {
  std::istringstream lines("a.png\nsub/b c.png\r\n\nlast.png");
  CHECK(pipeline::read_path_list(lines, '\n') ==
        std::vector<std::filesystem::path>{"a.png", "sub/b c.png", "last.png"});
  std::istringstream nul(std::string("x\ny.png\0z.png\0", 14));
  CHECK(pipeline::read_path_list(nul, '\0') == std::vector<std::filesystem::path>{"x\ny.png", "z.png"});
}

}  // TEST_SUITE
