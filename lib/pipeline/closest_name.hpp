#pragma once
// "Did you mean …?" for names a user typed: methods, commands, options.
#include <optional>
#include <string>
#include <vector>

namespace upsample::pipeline {

// The candidate nearest to `typed` by edit distance (insertions, deletions, substitutions
// and swaps of neighbours), if it is near enough to be a typo: at most 1 edit for names
// of up to 4 characters, 2 for longer ones. Ties go to the earlier candidate.
std::optional<std::string> closest_name(const std::string& typed, const std::vector<std::string>& candidates);

// " Did you mean 'NAME'?" for the closest candidate, or "" when none is close.
std::string did_you_mean(const std::string& typed, const std::vector<std::string>& candidates);

}  // namespace upsample::pipeline
