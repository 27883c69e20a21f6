#include "pipeline/path_list.hpp"

#include <string>

namespace upsample::pipeline {

std::vector<std::filesystem::path> read_path_list(std::istream& in, char separator) {
  std::vector<std::filesystem::path> paths;
  for (std::string entry; std::getline(in, entry, separator);) {
    if (separator == '\n' && !entry.empty() && entry.back() == '\r') entry.pop_back();
    if (!entry.empty()) paths.emplace_back(entry);
  }
  return paths;
}

}  // namespace upsample::pipeline
