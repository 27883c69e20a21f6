#pragma once
// What `upsample --version` prints: the release, the commit it was built from, the
// kernels this CPU runs, the OpenCV it links and where it finds its weights.
#include <string>

namespace upsample::app {

std::string version_text();

}  // namespace upsample::app
