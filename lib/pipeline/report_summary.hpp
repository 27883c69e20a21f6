#pragma once
// `upsample report`: the --report files of one batch's workers merged into one account.
// An image (by its input path) reported by several lines is counted once: its status is
// that of its latest line (by finish time), except that a "skipped" line never hides an
// earlier "written" one (a resume skips what an earlier run wrote).
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace upsample::pipeline {

struct ReportedImage {
  std::string input, output, status, error, host, shard;
  double seconds = 0, finished = 0;
  int computed = 0;  // lines of this image that computed it (written, or lost the race after computing)
};

struct ReportSummary {
  size_t files = 0, lines = 0;
  std::vector<std::string> notes;  // lines that could not be read, each naming file and line
  size_t images = 0, written = 0, skipped = 0, failed = 0;
  size_t computed_twice = 0;       // images computed by more than one line
  std::vector<ReportedImage> failures;  // images whose status is failed, by input
  std::vector<ReportedImage> slowest;   // the longest computations, slowest first
  double compute_seconds = 0;      // summed over the lines that computed an image
  double wall_seconds = 0;         // first start to last finish of those lines
  std::uintmax_t input_bytes = 0, output_bytes = 0;  // of the images written
  std::vector<std::string> hosts;  // that reported, sorted
};

// Reads every line of `files`; throws upsample::Error for a file that cannot be read.
ReportSummary summarize_reports(const std::vector<std::filesystem::path>& files, size_t slowest_count = 5);

}  // namespace upsample::pipeline
