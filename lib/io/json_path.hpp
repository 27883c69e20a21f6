#pragma once
// File names in JSON documents. JSON text is Unicode, but a Linux file name is any bytes:
// a name that is not valid UTF-8 made every JSON writer throw, and `--json` printed
// nothing. Such a name is written readable and exact: the string with U+FFFD in place of
// each byte that is not UTF-8, and beside it "<key>_bytes_hex", the name's bytes in hex.
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace upsample::io {

// True if `text` is well-formed UTF-8 (no overlong forms, surrogates or values over U+10FFFF).
bool is_utf8(std::string_view text);

// `text` with every byte that is not part of a well-formed UTF-8 sequence replaced by U+FFFD.
std::string utf8_or_replacement(std::string_view text);

// Sets object[key] to `path` as above, adding object[key + "_bytes_hex"] when it is not UTF-8.
// An empty path is written as null.
void put_path(nlohmann::json& object, const std::string& key, const std::filesystem::path& path);

// The document as JSON text (indented by `indent`, -1: one line) that never throws: any
// other string that is not UTF-8 (a message quoting such a name) gets U+FFFD for its bad bytes.
std::string json_text(const nlohmann::json& document, int indent = 2);

}  // namespace upsample::io
