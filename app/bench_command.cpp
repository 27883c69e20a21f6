// `upsample bench`: speed of the fast ops, the networks and a training step, with the
// same layers in OpenCV's dnn module for comparison.
#include <malloc.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <utility>

#include <nlohmann/json.hpp>

#include "bench/bench.hpp"
#include "commands.hpp"
#include "ops/conv_plan.hpp"
#include "ops/x86/isa.hpp"

namespace upsample::app {

namespace {

struct BenchCliOptions {
  bench::Options bench;
  bool json = false;
  bool list = false;
  bool no_opencv = false;
  bool fresh_memory = false;
  std::string onnxruntime_file;
};

// "ms" and "ratio" cells of a comparison, or "-" when it was not measured.
std::pair<std::string, std::string> comparison_cells(double their_ms, double ratio) {
  if (their_ms <= 0) return {"-", "-"};
  char ms[32], times[32];
  std::snprintf(ms, sizeof ms, "%.1f", their_ms);
  std::snprintf(times, sizeof times, "%.2fx", ratio);
  return {ms, times};
}

void print_row(const bench::Result& r, bool onnxruntime) {
  const auto [opencv, opencv_ratio] = comparison_cells(r.opencv_ms, r.opencv_ratio());
  std::printf("%-30s %2d %10.2f %9.1f %9.1f %12s %9s", r.name.c_str(), r.threads, r.ms, r.gflops(), r.gflops_per_core(),
              opencv.c_str(), opencv_ratio.c_str());
  if (onnxruntime) {
    const auto [ort, ort_ratio] = comparison_cells(r.onnxruntime_ms, r.onnxruntime_ratio());
    std::printf(" %9s %8s", ort.c_str(), ort_ratio.c_str());
  }
  std::printf("  %s\n", r.note.c_str());
  std::fflush(stdout);
}

}  // namespace

Command add_bench_command(CLI::App& app) {
  auto o = std::make_shared<BenchCliOptions>();
  CLI::App* cmd = app.add_subcommand("bench", "Time the fast ops, the networks and a training step (vs OpenCV dnn)");
  cmd->add_option("--filter", o->bench.filters, "Run only cases whose name contains this text (repeatable)");
  cmd->add_option("--runs", o->bench.runs, "Timed runs per measurement (the median is reported)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--warmup", o->bench.warmup, "Untimed runs first")->check(CLI::NonNegativeNumber)->capture_default_str();
  cmd->add_option("--threads", o->bench.threads, "Thread counts to measure (repeatable)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--no-opencv", o->no_opencv, "Do not time OpenCV dnn");
  cmd->add_flag("--fresh-memory", o->fresh_memory,
                "Leave glibc's default of mapping large tensors afresh (page faults and clearing on every layer)");
  cmd->add_option("--onnxruntime", o->onnxruntime_file,
                  "ONNX Runtime's times from the anchor script, run just before or after this (FILE, or - for "
                  "stdin): adds its ms and how many times faster this is to each network row");
  cmd->add_flag("--json", o->json, "Print the results as JSON on stdout");
  cmd->add_flag("--list", o->list, "List the case names and exit");
  cmd->footer(R"(
Each case is timed after a warm-up; the table gives the median in ms, the useful GFLOP/s
(2·N·H·W·Cin·Cout/groups·kH·kW per conv), the useful GFLOP per CPU-second (per-core: the
kernel's efficiency even when other processes share the cores), OpenCV dnn's median on
the same layers and how many times faster this is. UPSAMPLE_ISA=avx2|avx512|ref picks the kernels.

Examples:
  upsample bench                                  everything, 1 and 2 threads
  upsample bench --filter deconv --threads 2      the transposed convs only
  upsample bench --filter fsrcnn --json           the FSRCNN networks, as JSON
  THREADS=2 bash ../shared/anchors/onnxruntime/bench.sh > ort.txt
  upsample bench --threads 2 --filter x --onnxruntime ort.txt   beside ONNX Runtime)");
  return {cmd, [o]() {
    if (o->list) {
      for (const std::string& name : bench::case_names()) std::printf("%s\n", name.c_str());
      return 0;
    }
    o->bench.opencv = !o->no_opencv;
    if (!o->onnxruntime_file.empty()) {
      if (o->onnxruntime_file == "-") {
        o->bench.onnxruntime = bench::parse_onnxruntime_times(std::cin, "standard input");
      } else {
        std::ifstream file(o->onnxruntime_file);
        if (!file) throw Error(o->onnxruntime_file + ": cannot read it (" + std::strerror(errno) + ")");
        o->bench.onnxruntime = bench::parse_onnxruntime_times(file, o->onnxruntime_file);
      }
    }
    const bool with_onnxruntime = !o->bench.onnxruntime.empty();
    if (o->fresh_memory) {
      // main() keeps freed tensors in the heap; this restores glibc's defaults (large
      // blocks mapped afresh, and returned to the kernel) to show what that saves.
      mallopt(M_MMAP_MAX, 65536);
      mallopt(M_MMAP_THRESHOLD, 128 * 1024);
      mallopt(M_TRIM_THRESHOLD, 128 * 1024);
    }
    const std::string isa = ops::x86::isa_name(ops::x86::active_isa());
    if (!o->json) {
      std::printf("kernels: %s; median of %d runs after %d warm-up\n", isa.c_str(), o->bench.runs, o->bench.warmup);
      if (ops::x86::active_isa() != ops::x86::Isa::Ref)
        std::printf("3x3 same convs with %lld+ channels in and %lld+ out: Winograd F(4x4, 3x3); the rest: direct\n",
                    static_cast<long long>(ops::kWinogradMinInChannels),
                    static_cast<long long>(ops::kWinogradMinOutChannels));
      std::printf("%-30s %2s %10s %9s %9s %12s %9s", "case", "th", "ms", "GFLOP/s", "per-core", "opencv ms", "speedup");
      if (with_onnxruntime) std::printf(" %9s %8s", "ort ms", "vs ort");
      std::printf("  %s\n", "note");
    }
    const auto results = bench::run(o->bench, o->json ? std::function<void(const bench::Result&)>{}
                                                      : [&](const bench::Result& r) { print_row(r, with_onnxruntime); });
    if (o->json) {
      nlohmann::json out = {{"isa", isa}, {"runs", o->bench.runs}, {"warmup", o->bench.warmup}};
      out["results"] = nlohmann::json::array();
      for (const bench::Result& r : results) {
        nlohmann::json row = {{"name", r.name},         {"kind", r.kind},     {"threads", r.threads},
                              {"ms", r.ms},             {"cpu_ms", r.cpu_ms}, {"flops", r.flops},
                              {"gflops", r.gflops()},   {"gflops_per_core_second", r.gflops_per_core()}};
        if (r.opencv_ms > 0) {
          row["opencv_ms"] = r.opencv_ms;
          row["opencv_cpu_ms"] = r.opencv_cpu_ms;
          row["speedup_vs_opencv"] = r.opencv_ratio();
        }
        if (r.onnxruntime_ms > 0) {
          row["onnxruntime_ms"] = r.onnxruntime_ms;
          row["speedup_vs_onnxruntime"] = r.onnxruntime_ratio();
        }
        if (!r.note.empty()) row["note"] = r.note;
        out["results"].push_back(row);
      }
      std::cout << out.dump(2) << "\n";
    }
    return 0;
  }};
}

}  // namespace upsample::app
