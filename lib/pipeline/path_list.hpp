#pragma once
// --files-from: a list of input paths, one per line or NUL-separated (find -print0).
#include <filesystem>
#include <istream>
#include <vector>

namespace upsample::pipeline {

// The paths in `in`, split at `separator` ('\n' or '\0'); empty entries are dropped. With
// '\n', a line's trailing '\r' (a list written on Windows) is dropped too.
std::vector<std::filesystem::path> read_path_list(std::istream& in, char separator);

}  // namespace upsample::pipeline
