#include "scale_option.hpp"

#include <exception>
#include <string>

#include "pipeline/target_size.hpp"

namespace upsample::app {

CLI::Validator scale_factor_check() {
  return CLI::Validator(
      [](std::string& text) {
        try {
          pipeline::parse_scale_factor(text);
          return std::string();
        } catch (const std::exception& e) {
          return std::string(e.what());
        }
      },
      "");
}

}  // namespace upsample::app
