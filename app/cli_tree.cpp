#include "cli_tree.hpp"

namespace upsample::app {

namespace {

constexpr const char* kSuggestionPrefix = "suggest:";

std::vector<std::string> split_on(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string::npos; at = text.find(separator, start)) {
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

// The values named by an option's checks: suggested_values(), or an IsMember set, whose
// description CLI11 writes as "{a,b,c}".
std::vector<std::string> values_of(CLI::Option& option) {
  for (int i = 0;; ++i) {
    const CLI::Validator* check = nullptr;
    try {
      check = option.get_validator(i);
    } catch (const CLI::OptionNotFound&) {
      return {};
    }
    const std::string& name = check->get_name();
    if (name.starts_with(kSuggestionPrefix)) return split_on(name.substr(std::string(kSuggestionPrefix).size()), ' ');
    const std::string description = check->get_description();
    if (description.size() > 2 && description.front() == '{' && description.back() == '}')
      return split_on(description.substr(1, description.size() - 2), ',');
  }
}

OptionFacts facts_of(CLI::Option& option) {
  OptionFacts facts;
  for (const auto& s : option.get_snames()) facts.names.push_back("-" + s);
  for (const auto& l : option.get_lnames()) facts.names.push_back("--" + l);
  if (!option.nonpositional()) facts.positional = option.get_name();
  facts.description = option.get_description();
  facts.takes_value = option.get_expected_max() > 0;  // a flag expects none
  if (facts.takes_value) {
    // CLI11 appends its checks' descriptions ("INT:INT in [1 - 256]"): the type is the first part.
    const std::string type = option.get_type_name();
    facts.type = type.substr(0, type.find(':'));
    facts.default_value = option.get_default_str();
    facts.values = values_of(option);
    facts.many = option.get_expected_max() > 1;
    // Text that is not one of a few words may well name a file: the shell offers files.
    facts.path = facts.values.empty() && (facts.type == "TEXT" || facts.type == "FILE" || facts.type == "PATH");
  }
  return facts;
}

CommandFacts command_facts(CLI::App& command, const std::string& name) {
  CommandFacts facts{name, command.get_description(), {}, {}};
  for (CLI::Option* option : command.get_options()) {
    if (option->get_group().empty()) continue;  // hidden
    OptionFacts o = facts_of(*option);
    (o.positional.empty() ? facts.options : facts.positionals).push_back(std::move(o));
  }
  return facts;
}

}  // namespace

std::vector<CommandFacts> command_tree(CLI::App& app) {
  std::vector<CommandFacts> tree = {command_facts(app, app.get_name())};
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    if (!sub->get_name().empty() && !sub->get_group().empty()) tree.push_back(command_facts(*sub, sub->get_name()));
  return tree;
}

CLI::Validator suggested_values(const std::vector<std::string>& values) {
  std::string name = kSuggestionPrefix;
  for (size_t i = 0; i < values.size(); ++i) name += (i ? " " : "") + values[i];
  // No description: --help shows the option as it was.
  return CLI::Validator([](const std::string&) { return std::string(); }, "", name);
}

}  // namespace upsample::app
