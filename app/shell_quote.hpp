#pragma once
// Command lines printed for a user to run again (a resumed batch, a model's recorded
// training command).
#include <string>

namespace upsample::app {

// `text` as a POSIX shell reads it back: bare when it is safe, else in single quotes.
std::string shell_quoted(const std::string& text);

}  // namespace upsample::app
