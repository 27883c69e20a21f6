#include "usage_hints.hpp"

#include <cstdio>
#include <filesystem>
#include <vector>

#include "pipeline/closest_name.hpp"
#include "tensor/error.hpp"

namespace upsample::app {

namespace {

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  return names;
}

// The command argv addresses: the first word naming one, or the app (the main job).
const CLI::App& addressed_command(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word == "--") break;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == word) return *sub;
  }
  return app;
}

}  // namespace

bool print_help_command(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) != "help" || std::filesystem::exists(argv[1])) return false;
  const CLI::App* target = &app;
  if (argc > 2) {
    const std::string wanted = argv[2];
    target = nullptr;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
      if (sub->get_name() == wanted) target = sub;
    if (target == nullptr)
      throw UsageError("help: no command '" + wanted + "' (commands: " + [&] {
        std::string list;
        for (const std::string& name : command_names(app)) list += (list.empty() ? "" : ", ") + name;
        return list;
      }() + ")." + pipeline::did_you_mean(wanted, command_names(app)));
  }
  std::fputs(target->help().c_str(), stdout);
  return true;
}

void check_command_typo(const CLI::App& app, int argc, char** argv) {
  if (argc < 2) return;
  const std::string first = argv[1];
  if (first.empty() || first[0] == '-' || first.find('/') != std::string::npos || first.find('.') != std::string::npos)
    return;
  std::error_code ec;
  if (std::filesystem::exists(first, ec)) return;
  const std::vector<std::string> commands = command_names(app);
  for (const std::string& name : commands)
    if (name == first) return;
  if (const auto best = pipeline::closest_name(first, commands))
    throw UsageError("'" + first + "' is neither a file nor a command. Did you mean 'upsample " + *best + "'?");
}

std::string option_hint(const CLI::App& app, int argc, char** argv) {
  const CLI::App& command = addressed_command(app, argc, argv);
  std::vector<std::string> known;
  for (const CLI::Option* option : command.get_options())
    for (const std::string& name : option->get_lnames()) known.push_back("--" + name);
  for (int i = 1; i < argc; ++i) {
    std::string word = argv[i];
    if (word == "--") break;
    if (!word.starts_with("--")) continue;
    word = word.substr(0, word.find('='));
    bool exists = false;
    for (const std::string& name : known) exists = exists || name == word;
    if (!exists) {
      const std::string hint = pipeline::did_you_mean(word, known);
      if (!hint.empty()) return hint;
    }
  }
  return "";
}

}  // namespace upsample::app
