#pragma once
// Splitting one work list between workers: shard I of N takes every N-th file of the
// sorted list, starting with the I-th (1-based). The shard comes from --shard, or from
// the scheduler that started the worker (a Slurm job array, a Kubernetes Indexed Job).
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/batch.hpp"

namespace upsample::pipeline {

struct Shard {
  int index = 1;       // 1-based
  int count = 1;
  std::string source;  // where it came from, for the log: "--shard", "SLURM_ARRAY_TASK_ID=3 ..."
};

// "I/N" with 1 <= I <= N; throws UsageError naming `option` and what is wrong.
Shard parse_shard(const std::string& text, const std::string& option = "--shard");

// Reads an environment variable; nullptr when it is not set.
using EnvironmentLookup = std::function<const char*(const char*)>;

// The shard of this worker: `shard_text` (--shard I/N) when given; else a Slurm array
// task: with `shards`, SLURM_ARRAY_TASK_ID is the 0-based shard (a resubmitted
// --array=1 redoes shard 2), without it the task's place in its array (_ID, _MIN, _STEP,
// _COUNT); else a Kubernetes Indexed Job (JOB_COMPLETION_INDEX, 0-based, which needs
// `shards`). None when nothing asks for sharding. Throws UsageError for values that
// cannot be right.
std::optional<Shard> resolve_shard(const std::optional<std::string>& shard_text, std::optional<int> shards,
                                   const EnvironmentLookup& environment);

// The tasks of `shard`, in their order: positions index-1, index-1+count, ...
std::vector<FileTask> select_shard(std::vector<FileTask> tasks, const Shard& shard);

// "2/4"
std::string to_string(const Shard& shard);

}  // namespace upsample::pipeline
