// `upsample man`: the manual page, made from the option definitions (cmake --install
// puts it in share/man/man1).
#include <cstdio>

#include "cli_tree.hpp"
#include "commands.hpp"
#include "man_page.hpp"

namespace upsample::app {

Command add_man_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("man", "Print the manual page (roff); read it with: upsample man | man -l -");
  return {cmd, [&app]() {
    std::fputs(man_page(command_tree(app), UPSAMPLE_VERSION, app.get_footer()).c_str(), stdout);
    return 0;
  }};
}

}  // namespace upsample::app
