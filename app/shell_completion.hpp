#pragma once
// Completion scripts for bash, zsh and fish, made from the command tree (cli_tree.hpp):
// subcommands, options, the values some options take (methods, formats), files for
// inputs and paths.
#include <string>
#include <vector>

#include "cli_tree.hpp"

namespace upsample::app {

// The shells there is a script for: bash, zsh, fish.
const std::vector<std::string>& completion_shells();

// The script for `shell` (one of completion_shells()).
std::string completion_script(const std::vector<CommandFacts>& tree, const std::string& shell);

}  // namespace upsample::app
