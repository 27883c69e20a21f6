#pragma once
// The command line as data, read from the CLI11 App tree: what the shell completions and
// the man page are made from, so they follow the option definitions.
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace upsample::app {

struct OptionFacts {
  std::vector<std::string> names;  // "-s", "--scale"; empty for a positional
  std::string positional;          // the positional's name ("inputs"), else empty
  std::string description;
  std::string type;                // "NUMBER", "TEXT", ...; empty for a flag
  std::string default_value;       // as --help shows it, "" if none
  std::vector<std::string> values; // what a shell offers for the value
  bool takes_value = false;
  bool many = false;               // a positional that takes several words
  bool path = false;               // the value is likely a file or folder
};

struct CommandFacts {
  std::string name;  // "upsample" for the main job, else the subcommand's
  std::string description;
  std::vector<OptionFacts> options;      // in definition order, help first
  std::vector<OptionFacts> positionals;
};

// The main job first, then every subcommand that --help lists, in definition order.
std::vector<CommandFacts> command_tree(CLI::App& app);

// The values a shell completes for an option that also takes others (a method name, or a
// model's path): kept on the option as a check that lets every value pass, so the option
// definition says them. An IsMember check is read as its set without this.
CLI::Validator suggested_values(const std::vector<std::string>& values);

}  // namespace upsample::app
