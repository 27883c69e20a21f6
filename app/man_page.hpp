#pragma once
// The manual page (roff, man(7) macros) made from the command tree (cli_tree.hpp): every
// subcommand and option as --help describes it, and `footer`, the examples and exit
// status of the main --help.
#include <string>
#include <vector>

#include "cli_tree.hpp"

namespace upsample::app {

std::string man_page(const std::vector<CommandFacts>& tree, const std::string& version, const std::string& footer);

}  // namespace upsample::app
