#pragma once
// The -s option of the commands that take a factor that need not be whole (the main job,
// eval): checked while parsing, so a bad value is a usage error naming the option.
#include <CLI/CLI.hpp>

namespace upsample::app {

// Accepts what pipeline::parse_scale_factor accepts; its reason is CLI11's message.
CLI::Validator scale_factor_check();

}  // namespace upsample::app
