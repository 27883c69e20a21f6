#pragma once
// ONNX Runtime's times for the networks `upsample bench` times, as the anchor script
// (../shared/anchors/onnxruntime/bench.sh) prints them, one line per case:
//   onnxruntime fsrcnn_x2 1920x1080 th=2 991.9 ms
// Read so that each lands on the matching network row ("fsrcnn x2 1080p-4k", 2 threads).
#include <istream>
#include <string>
#include <vector>

namespace upsample::bench {

struct AnchorTime {
  std::string case_name;  // e.g. "fsrcnn x2 1080p-4k"
  int threads = 1;
  double ms = 0;
};

// Reads every "onnxruntime ..." line of `in` (others, such as npm's, are skipped). Throws
// upsample::Error naming `source` and the line when one is malformed or is not the
// 1080p → 4K job, and when there is none at all.
std::vector<AnchorTime> parse_onnxruntime_times(std::istream& in, const std::string& source);

}  // namespace upsample::bench
