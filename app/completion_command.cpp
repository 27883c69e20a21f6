// `upsample completion bash|zsh|fish`: the shell's completion script, made from the
// option definitions (cmake --install puts them where each shell looks).
#include <cstdio>
#include <memory>

#include "cli_tree.hpp"
#include "commands.hpp"
#include "shell_completion.hpp"

namespace upsample::app {

Command add_completion_command(CLI::App& app) {
  auto shell = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  cmd->add_option("shell", *shell, "The shell: bash, zsh or fish")->required()->check(CLI::IsMember(completion_shells()));
  cmd->footer("\nExample:\n  source <(upsample completion bash)   completion in this bash session\n"
              "  (cmake --install puts the scripts where bash-completion, zsh and fish look)");
  return {cmd, [&app, shell]() {
    std::fputs(completion_script(command_tree(app), *shell).c_str(), stdout);
    return 0;
  }};
}

}  // namespace upsample::app
