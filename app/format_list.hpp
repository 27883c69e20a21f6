#pragma once
// `upsample --formats`: the image formats this build reads and writes, and what each keeps.
#include <string>

namespace upsample::app {

// The table `--formats` prints.
std::string format_table();

}  // namespace upsample::app
