#include "bench/onnxruntime_times.hpp"

#include <sstream>

#include "tensor/error.hpp"

namespace upsample::bench {

std::vector<AnchorTime> parse_onnxruntime_times(std::istream& in, const std::string& source) {
  std::vector<AnchorTime> times;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.rfind("onnxruntime ", 0) != 0) continue;
    const std::string where = source + " line " + std::to_string(number) + ": ";
    std::istringstream fields(line);
    std::string tool, model, size, threads, unit;
    double ms = 0;
    fields >> tool >> model >> size >> threads >> ms >> unit;
    const size_t split = model.rfind("_x");
    int width = 0, height = 0, thread_count = 0, scale = 0;
    char by = 0;
    std::istringstream size_fields(size);
    size_fields >> width >> by >> height;
    if (fields.fail() || unit != "ms" || split == std::string::npos || threads.rfind("th=", 0) != 0 ||
        !(std::istringstream(model.substr(split + 2)) >> scale) || !(std::istringstream(threads.substr(3)) >> thread_count) ||
        size_fields.fail() || by != 'x' || scale < 1 || thread_count < 1 || !(ms > 0))
      throw Error(where + "expected 'onnxruntime MODEL_xS WxH th=N MS ms', got '" + line + "'");
    if (width * scale != 3840 || height * scale != 2160)
      throw Error(where + size + " ×" + std::to_string(scale) + " is not the 1080p → 4K job upsample bench times");
    times.push_back({model.substr(0, split) + " x" + std::to_string(scale) + " 1080p-4k", thread_count, ms});
  }
  if (times.empty()) throw Error(source + ": no 'onnxruntime ...' lines (the output of bench.sh?)");
  return times;
}

}  // namespace upsample::bench
