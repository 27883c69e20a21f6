#pragma once
// Help for a command line that went wrong: `upsample help`, and "did you mean" for a
// mistyped command or option.
#include <string>

#include <CLI/CLI.hpp>

namespace upsample::app {

// `upsample help [COMMAND]`: prints the help of the app or of that command and returns
// true; false when the command line is not a help request.
bool print_help_command(const CLI::App& app, int argc, char** argv);

// A first word that is neither a file nor a command but one typo away from a command's
// name ("compar") is a usage error that names the command, rather than a missing input.
void check_command_typo(const CLI::App& app, int argc, char** argv);

// " Did you mean '--scale'?" for the first long option in argv that the command it
// belongs to does not have but has one close to; "" otherwise.
std::string option_hint(const CLI::App& app, int argc, char** argv);

}  // namespace upsample::app
