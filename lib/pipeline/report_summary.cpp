#include "pipeline/report_summary.hpp"

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "tensor/error.hpp"

namespace upsample::pipeline {

namespace {

std::string text_of(const nlohmann::json& line, const char* key) {
  const auto it = line.find(key);
  return it != line.end() && it->is_string() ? it->get<std::string>() : std::string();
}

double number_of(const nlohmann::json& line, const char* key) {
  const auto it = line.find(key);
  return it != line.end() && it->is_number() ? it->get<double>() : 0.0;
}

// Whether `seen` decides the image's status over `known`: the later line, but a skip
// never over a write, whichever came first (a worker may log its skip of an image before
// the worker that wrote it logs the write).
bool decides_over(const ReportedImage& seen, const ReportedImage& known) {
  if (seen.status == "skipped" && known.status == "written") return false;
  if (seen.status == "written" && known.status == "skipped") return true;
  return seen.finished >= known.finished;
}

bool line_computed(const nlohmann::json& line) {
  const auto it = line.find("computed");
  if (it != line.end() && it->is_boolean()) return it->get<bool>();
  return text_of(line, "status") == "written";
}

}  // namespace

ReportSummary summarize_reports(const std::vector<std::filesystem::path>& files, size_t slowest_count) {
  ReportSummary summary;
  std::map<std::string, ReportedImage> images;
  std::map<std::string, std::uintmax_t> in_bytes, out_bytes;
  std::set<std::string> hosts;
  double first_start = std::numeric_limits<double>::infinity(), last_finish = -first_start;
  std::vector<ReportedImage> computations;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(file.string() + ": cannot open the report");
    ++summary.files;
    size_t number = 0;
    for (std::string text; std::getline(in, text);) {
      ++number;
      if (text.empty()) continue;
      nlohmann::json line = nlohmann::json::parse(text, nullptr, false);
      const std::string input = line.is_object() ? text_of(line, "input") : std::string();
      // A name that is not UTF-8 is told apart by its exact bytes (io/json_path.hpp).
      const std::string key = input + "\n" + text_of(line, "input_bytes_hex");
      const std::string status = line.is_object() ? text_of(line, "status") : std::string();
      if (input.empty() || (status != "written" && status != "skipped" && status != "failed")) {
        // A worker killed in the middle of a write leaves half a line.
        summary.notes.push_back(file.string() + ":" + std::to_string(number) + ": not a report line, passed over");
        continue;
      }
      ++summary.lines;
      ReportedImage seen{input,
                         text_of(line, "output"),
                         status,
                         text_of(line, "error"),
                         text_of(line, "host"),
                         text_of(line, "shard"),
                         number_of(line, "seconds"),
                         number_of(line, "finished"),
                         line_computed(line) ? 1 : 0};
      if (!seen.host.empty()) hosts.insert(seen.host);
      if (seen.computed) {
        summary.compute_seconds += seen.seconds;
        first_start = std::min(first_start, seen.finished - seen.seconds);
        last_finish = std::max(last_finish, seen.finished);
        computations.push_back(seen);
      }
      auto [it, fresh] = images.try_emplace(key, seen);
      if (!fresh) {
        ReportedImage& known = it->second;
        const int computed = known.computed + seen.computed;
        if (decides_over(seen, known)) known = seen;
        known.computed = computed;
      }
      if (status == "written") {
        in_bytes[key] = static_cast<std::uintmax_t>(number_of(line, "input_bytes"));
        out_bytes[key] = static_cast<std::uintmax_t>(number_of(line, "output_bytes"));
      }
    }
  }
  for (const auto& [input, image] : images) {
    ++summary.images;
    if (image.status == "written") {
      ++summary.written;
      summary.input_bytes += in_bytes[input];
      summary.output_bytes += out_bytes[input];
    } else if (image.status == "skipped") {
      ++summary.skipped;
    } else {
      ++summary.failed;
      summary.failures.push_back(image);
    }
    if (image.computed > 1) ++summary.computed_twice;
  }
  std::sort(computations.begin(), computations.end(),
            [](const ReportedImage& a, const ReportedImage& b) { return a.seconds > b.seconds; });
  if (computations.size() > slowest_count) computations.resize(slowest_count);
  summary.slowest = std::move(computations);
  summary.wall_seconds = last_finish > first_start ? last_finish - first_start : 0.0;
  summary.hosts.assign(hosts.begin(), hosts.end());
  return summary;
}

}  // namespace upsample::pipeline
