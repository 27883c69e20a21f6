#include "version.hpp"

#include <filesystem>

#include <opencv2/core/version.hpp>

#include "git_commit.h"
#include "ops/x86/isa.hpp"
#include "pipeline/learned_methods.hpp"

namespace upsample::app {

std::string version_text() {
  namespace x86 = ops::x86;
  std::string text = std::string("upsample ") + UPSAMPLE_VERSION + " (git " + UPSAMPLE_GIT_COMMIT + ")\n";
  text += std::string("kernels: ") + x86::isa_name(x86::active_isa()) + " (best this CPU has: " +
          x86::isa_name(x86::best_isa()) + "; UPSAMPLE_ISA=avx2|avx512|ref chooses)\n";
  text += std::string("OpenCV ") + CV_VERSION + "\n";
  text += "weights, searched in order:";
  for (const std::filesystem::path& folder : pipeline::weights_search_path()) {
    std::error_code ec;
    text += "\n  " + folder.string() + (std::filesystem::is_directory(folder, ec) ? "" : "  (missing)");
  }
  return text;
}

}  // namespace upsample::app
