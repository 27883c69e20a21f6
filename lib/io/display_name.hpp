#pragma once
// File names and reasons as the terminal shows them: one line each, no raw control bytes.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace upsample::io {

// True if `text` holds a byte below 0x20 or 0x7f (newline, ESC, ...).
bool has_control_characters(std::string_view text);

// `text` in double quotes, C-style escaped: \n \t \r \" \\, other control bytes as \xHH.
std::string c_quoted(std::string_view text);

// The path as is, or c_quoted when it holds control characters ("in/bad\nname.png").
std::string display_name(const std::filesystem::path& path);

// `text` without trailing whitespace (OpenCV's exception texts end in a newline).
std::string without_trailing_space(std::string_view text);

// One line for the terminal from a message about `names`: trailing whitespace stripped,
// each of `names` that holds control characters shown as display_name, and any other
// control byte escaped as in c_quoted (without quotes).
std::string display_line(std::string_view message, const std::vector<std::filesystem::path>& names);

}  // namespace upsample::io
