#include "io/display_name.hpp"

#include <algorithm>
#include <cstdio>

namespace upsample::io {

namespace {

bool is_control_byte(char c) {
  const auto b = static_cast<unsigned char>(c);
  return b < 0x20 || b == 0x7f;
}

void append_escaped_byte(std::string& out, char c) {
  switch (c) {
    case '\n': out += "\\n"; return;
    case '\t': out += "\\t"; return;
    case '\r': out += "\\r"; return;
    default: break;
  }
  char hex[8];
  std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned>(static_cast<unsigned char>(c)));
  out += hex;
}

}  // namespace

bool has_control_characters(std::string_view text) {
  return std::any_of(text.begin(), text.end(), is_control_byte);
}

std::string c_quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (is_control_byte(c)) append_escaped_byte(out, c);
    else out += c;
  }
  return out + "\"";
}

std::string display_name(const std::filesystem::path& path) {
  const std::string& text = path.native();
  return has_control_characters(text) ? c_quoted(text) : text;
}

std::string without_trailing_space(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\n' || text[end - 1] == '\r' ||
                     text[end - 1] == '\t' || text[end - 1] == '\v' || text[end - 1] == '\f'))
    --end;
  return std::string(text.substr(0, end));
}

std::string display_line(std::string_view message, const std::vector<std::filesystem::path>& names) {
  const std::string text = without_trailing_space(message);
  std::vector<std::string> odd;  // names that need showing quoted, longest first
  for (const auto& n : names)
    if (!n.empty() && has_control_characters(n.native())) odd.push_back(n.native());
  std::sort(odd.begin(), odd.end(), [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const auto hit = std::find_if(odd.begin(), odd.end(),
                                  [&](const std::string& n) { return text.compare(i, n.size(), n) == 0; });
    if (hit != odd.end()) {
      out += c_quoted(*hit);
      i += hit->size();
    } else {
      if (is_control_byte(text[i])) append_escaped_byte(out, text[i]);
      else out += text[i];
      ++i;
    }
  }
  return out;
}

}  // namespace upsample::io
