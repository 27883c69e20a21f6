#pragma once
// `upsample bench`: times the fast ops on the shapes of our networks' layers, the whole FSRCNN / ESPCN
// networks on a 1920×1080 → 4K job, and one FSRCNN training step, each with 1 and 2
// threads, and the same layers in OpenCV's dnn module for comparison. Medians of several
// runs after a warm-up; the machines are shared, so ratios mean more than milliseconds.
#include <functional>
#include <string>
#include <vector>

#include "bench/onnxruntime_times.hpp"

namespace upsample::bench {

struct Options {
  std::vector<std::string> filters;  // a case runs if its name contains one of these (none = all)
  int runs = 5;                      // timed runs per measurement; the median is reported
  int warmup = 1;
  std::vector<int> threads = {1, 2};
  bool opencv = true;  // also time the same layers in cv::dnn
  std::vector<AnchorTime> onnxruntime;  // ONNX Runtime's times, measured beside this run
};

struct Result {
  std::string name;  // e.g. "deconv 56-1 k9 s2 540x960"
  std::string kind;  // "op", "network" or "train"
  int threads = 1;
  double flops = 0;           // useful floating-point operations per run
  double ms = 0;              // median wall-clock time
  double cpu_ms = 0;          // median CPU time of all threads (what the run cost when cores were shared)
  double opencv_ms = -1;      // median of cv::dnn, −1 when not measured
  double opencv_cpu_ms = -1;
  double onnxruntime_ms = -1;  // ONNX Runtime on the same network, −1 when not given
  std::string note;           // what the OpenCV side differs in, if anything
  double gflops() const { return ms > 0 ? flops / (ms * 1e6) : 0.0; }
  // Useful GFLOP per CPU-second of one core: the kernel's efficiency, whatever the load.
  double gflops_per_core() const { return cpu_ms > 0 ? flops / (cpu_ms * 1e6) : 0.0; }
  double opencv_ratio() const { return opencv_ms > 0 && ms > 0 ? opencv_ms / ms : 0.0; }  // > 1: we are faster
  double onnxruntime_ratio() const { return onnxruntime_ms > 0 && ms > 0 ? onnxruntime_ms / ms : 0.0; }
};

// Names of all cases, in the order they run.
std::vector<std::string> case_names();

// Runs the selected cases; `on_result` sees each result as soon as it is measured.
// Throws upsample::Error when the filters select nothing.
std::vector<Result> run(const Options& options, const std::function<void(const Result&)>& on_result = {});

}  // namespace upsample::bench
