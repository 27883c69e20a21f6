// `upsample report FILE...`: the --report files of a batch's workers (shards, resumes)
// merged into one summary: counts, failures with their reasons, throughput, slowest files.
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "batch_options.hpp"
#include "commands.hpp"
#include "io/display_name.hpp"
#include "io/json_path.hpp"
#include "pipeline/report_summary.hpp"

namespace upsample::app {

namespace {

struct ReportCliOptions {
  std::vector<std::string> files;
  bool json = false;
  size_t slowest = 5;
};

nlohmann::json image_json(const pipeline::ReportedImage& image) {
  return {{"input", image.input}, {"output", image.output}, {"status", image.status}, {"error", image.error},
          {"seconds", image.seconds}, {"host", image.host}, {"shard", image.shard}};
}

nlohmann::json summary_json(const pipeline::ReportSummary& s) {
  nlohmann::json failures = nlohmann::json::array(), slowest = nlohmann::json::array();
  for (const auto& f : s.failures) failures.push_back(image_json(f));
  for (const auto& f : s.slowest) slowest.push_back(image_json(f));
  return {{"files", s.files},
          {"lines", s.lines},
          {"notes", s.notes},
          {"images", s.images},
          {"written", s.written},
          {"skipped", s.skipped},
          {"failed", s.failed},
          {"computed_twice", s.computed_twice},
          {"compute_seconds", s.compute_seconds},
          {"wall_seconds", s.wall_seconds},
          {"images_per_second", s.wall_seconds > 0 ? s.written / s.wall_seconds : 0.0},
          {"input_bytes", s.input_bytes},
          {"output_bytes", s.output_bytes},
          {"hosts", s.hosts},
          {"failures", failures},
          {"slowest", slowest}};
}

void print_table(const pipeline::ReportSummary& s) {
  std::string hosts;
  for (const auto& h : s.hosts) hosts += (hosts.empty() ? "" : ", ") + h;
  std::printf("%zu report file%s, %zu lines, from %s\n", s.files, s.files == 1 ? "" : "s", s.lines,
              hosts.empty() ? "no host" : hosts.c_str());
  std::printf("  images          %8zu\n", s.images);
  std::printf("  written         %8zu\n", s.written);
  std::printf("  skipped         %8zu\n", s.skipped);
  std::printf("  failed          %8zu\n", s.failed);
  std::printf("  computed twice  %8zu\n", s.computed_twice);
  std::printf("  wall time       %8.1f s (first start to last finish)\n", s.wall_seconds);
  std::printf("  compute time    %8.1f s (summed over workers)\n", s.compute_seconds);
  if (s.wall_seconds > 0) std::printf("  throughput      %8.2f images/s\n", s.written / s.wall_seconds);
  std::printf("  bytes           %8.1f MB in, %.1f MB out\n", s.input_bytes / 1e6, s.output_bytes / 1e6);
  if (!s.failures.empty()) {
    std::printf("failures:\n");
    for (const auto& f : s.failures) std::printf("  %s\n", io::display_line(f.error.empty() ? f.input : f.error, {f.input}).c_str());
  }
  if (!s.slowest.empty()) {
    std::printf("slowest:\n");
    for (const auto& f : s.slowest)
      std::printf("  %8.2f s  %s  (%s%s%s)\n", f.seconds, io::display_name(f.input).c_str(), f.host.c_str(),
                  f.shard.empty() ? "" : ", shard ", f.shard.c_str());
  }
}

}  // namespace

Command add_report_command(CLI::App& app) {
  auto o = std::make_shared<ReportCliOptions>();
  CLI::App* cmd = app.add_subcommand("report", "Merge the --report files of a batch's workers into one summary");
  cmd->add_option("files", o->files, "--report files (JSON lines), e.g. one per shard")->required();
  cmd->add_flag("--json", o->json, "Print the summary as JSON on stdout");
  cmd->add_option("--slowest", o->slowest, "How many of the slowest files to list")->capture_default_str();
  cmd->footer(R"(
An image reported by several lines (a resumed shard, workers sharing a folder) is
counted once: its status is that of its latest line, except that a "skipped" line never
hides an earlier "written" one. "computed twice" counts images more than one line
computed. Exit status: 0, or 1 when some image's status is failed.

Examples:
  upsample report reports/*.jsonl
  upsample report reports/*.jsonl --json | jq .failures)");
  return {cmd, [o]() {
            std::vector<std::filesystem::path> files(o->files.begin(), o->files.end());
            const pipeline::ReportSummary summary = pipeline::summarize_reports(files, o->slowest);
            for (const auto& note : summary.notes) spdlog::warn("{}", note);
            if (o->json) std::printf("%s\n", io::json_text(summary_json(summary)).c_str());
            else print_table(summary);
            return summary.failed > 0 ? 1 : 0;
          }};
}

}  // namespace upsample::app
