#include "pipeline/shard.hpp"

#include <charconv>

#include "tensor/error.hpp"

namespace upsample::pipeline {

namespace {

// Whole decimal number, digits only (no sign, no spaces), that fits an int.
std::optional<long long> parse_count(const std::string& text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

long long environment_number(const EnvironmentLookup& environment, const char* name, bool required) {
  const char* text = environment(name);
  if (!text) {
    if (required) throw UsageError(std::string(name) + " is not set, but SLURM_ARRAY_TASK_ID is: not a Slurm array task?");
    return -1;
  }
  const auto value = parse_count(text);
  if (!value) throw UsageError(std::string(name) + "='" + text + "' is not a whole number >= 0");
  return *value;
}

}  // namespace

Shard parse_shard(const std::string& text, const std::string& option) {
  const size_t slash = text.find('/');
  const auto index = slash == std::string::npos ? std::nullopt : parse_count(text.substr(0, slash));
  const auto count = slash == std::string::npos ? std::nullopt : parse_count(text.substr(slash + 1));
  if (!index || !count)
    throw UsageError(option + " " + text + ": give I/N, shard I of N counted from 1 (e.g. --shard 1/4 ... --shard 4/4)");
  if (*count < 1) throw UsageError(option + " " + text + ": the number of shards must be at least 1");
  if (*index < 1 || *index > *count)
    throw UsageError(option + " " + text + ": the shard must be between 1 and " + std::to_string(*count) +
                     " (shards are counted from 1)");
  return {static_cast<int>(*index), static_cast<int>(*count), option};
}

std::optional<Shard> resolve_shard(const std::optional<std::string>& shard_text, std::optional<int> shards,
                                   const EnvironmentLookup& environment) {
  if (shards && *shards < 1) throw UsageError("--shards " + std::to_string(*shards) + ": must be at least 1");
  if (shard_text) {
    if (shards) throw UsageError("--shard I/N already gives the number of shards: drop --shards");
    return parse_shard(*shard_text);
  }
  if (const char* id_text = environment("SLURM_ARRAY_TASK_ID")) {
    const long long id = environment_number(environment, "SLURM_ARRAY_TASK_ID", true);
    if (shards) {
      // The task id itself is the 0-based shard: resubmitting --array=1 redoes shard 2 of N.
      const std::string source = std::string("SLURM_ARRAY_TASK_ID=") + id_text + ", --shards " + std::to_string(*shards);
      if (id >= *shards) throw UsageError(source + ": the task id must be below --shards (ids count from 0)");
      return Shard{static_cast<int>(id + 1), *shards, source};
    }
    // The array's own size and offset: --array=0-3, 1-4 or 0-6:2 are four shards.
    const long long min = environment_number(environment, "SLURM_ARRAY_TASK_MIN", true);
    const long long step_or_none = environment_number(environment, "SLURM_ARRAY_TASK_STEP", false);
    const long long step = step_or_none > 0 ? step_or_none : 1;
    const long long count = environment_number(environment, "SLURM_ARRAY_TASK_COUNT", true);
    const std::string source = std::string("SLURM_ARRAY_TASK_ID=") + id_text + ", SLURM_ARRAY_TASK_MIN=" +
                               std::to_string(min) + ", SLURM_ARRAY_TASK_COUNT=" + std::to_string(count);
    if (id < min || (id - min) % step != 0 || (id - min) / step >= count)
      throw UsageError(source + ": the task is not one of " + std::to_string(count) +
                       " evenly spaced array tasks (give --shards N to use the task id as the shard)");
    return Shard{static_cast<int>((id - min) / step + 1), static_cast<int>(count), source};
  }
  if (const char* index_text = environment("JOB_COMPLETION_INDEX")) {
    const auto index = parse_count(index_text);
    if (!index) throw UsageError(std::string("JOB_COMPLETION_INDEX='") + index_text + "' is not a whole number >= 0");
    if (!shards)
      throw UsageError(std::string("JOB_COMPLETION_INDEX=") + index_text +
                       " (a Kubernetes Indexed Job) needs --shards N, the Job's completions; "
                       "--shard 1/1 processes every file instead");
    if (*index >= *shards)
      throw UsageError(std::string("JOB_COMPLETION_INDEX=") + index_text + " is not below --shards " +
                       std::to_string(*shards) + " (indexes count from 0)");
    return Shard{static_cast<int>(*index + 1), *shards,
                 std::string("JOB_COMPLETION_INDEX=") + index_text + ", --shards " + std::to_string(*shards)};
  }
  if (shards)
    throw UsageError("--shards " + std::to_string(*shards) +
                     " needs SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX to say which shard: give --shard I/N instead");
  return std::nullopt;
}

std::vector<FileTask> select_shard(std::vector<FileTask> tasks, const Shard& shard) {
  std::vector<FileTask> mine;
  for (size_t i = static_cast<size_t>(shard.index - 1); i < tasks.size(); i += static_cast<size_t>(shard.count))
    mine.push_back(std::move(tasks[i]));
  return mine;
}

std::string to_string(const Shard& shard) { return std::to_string(shard.index) + "/" + std::to_string(shard.count); }

}  // namespace upsample::pipeline
