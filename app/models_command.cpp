// `upsample models`: the installed model files with what their metadata records.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "commands.hpp"
#include "models/model.hpp"
#include "pipeline/learned_methods.hpp"

namespace upsample::app {

namespace fs = std::filesystem;

namespace {
struct ModelsOptions {
  std::vector<std::string> folders;
  bool json = false;
};

std::string meta_or(const models::Metadata& m, const std::string& key, const std::string& fallback = "-") {
  const auto it = m.find(key);
  return it == m.end() ? fallback : it->second;
}
}  // namespace

Command add_models_command(CLI::App& app) {
  auto o = std::make_shared<ModelsOptions>();
  CLI::App* cmd = app.add_subcommand("models", "List installed model weights with their recorded scores");
  cmd->add_option("folders", o->folders, "Folders to list (default: where -m looks for weights)");
  cmd->add_flag("--json", o->json, "Print JSON on stdout");
  cmd->footer(R"(
Scores are Y PSNR (dB) by the protocol of `upsample eval`, recorded when the model was trained.
Without folders, each file name is listed once: the copy -m uses, first on the search path
($UPSAMPLE_WEIGHTS, then beside the binary, then the weights/ it was built with).

Examples:
  upsample models
  upsample models weights/ --json)");
  return {cmd, [o]() {
            std::vector<fs::path> folders;
            for (const auto& f : o->folders) folders.emplace_back(f);
            if (folders.empty()) folders = pipeline::weights_search_path();
            nlohmann::json list = nlohmann::json::array();
            // -m uses the first file of a name along the search path: later ones (the
            // source tree's weights/ behind an installed copy) are shadowed, not listed.
            const bool search_path = o->folders.empty();
            std::set<fs::path> seen;
            if (!o->json)
              std::printf("%-30s %-14s %5s %7s %8s %8s %8s  %s\n", "file", "arch", "scale", "params", "Set5", "Set14",
                          "BSD100", "trained");
            for (const auto& folder : folders) {
              std::error_code ec;
              if (!fs::is_directory(folder, ec)) continue;
              std::vector<fs::path> files;
              for (const auto& e : fs::directory_iterator(folder))
                if (e.path().extension() == ".safetensors") files.push_back(e.path());
              std::sort(files.begin(), files.end());
              for (const auto& f : files) {
                if (!seen.insert(search_path ? f.filename() : fs::weakly_canonical(f)).second) continue;
                try {
                  const auto model = models::load_model(f);
                  const auto& m = model->metadata();
                  if (o->json) {
                    nlohmann::json j = {{"file", f.string()}, {"parameters", model->parameter_count()}};
                    for (const auto& [k, v] : m) j["metadata"][k] = v;
                    list.push_back(j);
                    continue;
                  }
                  std::printf("%-30s %-14s %5d %7lld %8s %8s %8s  %s\n", f.filename().string().c_str(), model->arch().c_str(),
                              model->scale(), static_cast<long long>(model->parameter_count()),
                              meta_or(m, "eval.Set5.psnr").c_str(), meta_or(m, "eval.Set14.psnr").c_str(),
                              meta_or(m, "eval.BSD100.psnr").c_str(),
                              (meta_or(m, "training_steps", "?") + " steps").c_str());
                } catch (const std::exception& e) {
                  spdlog::warn("{}", e.what());
                }
              }
            }
            if (o->json) std::printf("%s\n", list.dump(2).c_str());
            return 0;
          }};
}

}  // namespace upsample::app
