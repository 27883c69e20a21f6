#include "io/background_colour.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <utility>

namespace upsample::io {

namespace {

struct NamedColour {
  const char* name;
  BackgroundColour colour;
};

// The first name of a colour is the one it is said back with.
constexpr std::array<NamedColour, 4> kNamedColours = {{
    {"white", {255, 255, 255}},
    {"black", {0, 0, 0}},
    {"grey", {128, 128, 128}},
    {"gray", {128, 128, 128}},
}};

std::optional<int> hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower >= 'a' && lower <= 'f') return lower - 'a' + 10;
  return std::nullopt;
}

}  // namespace

std::optional<BackgroundColour> parse_background_colour(const std::string& text) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const NamedColour& named : kNamedColours)
    if (lower == named.name) return named.colour;
  // Without the '#' too: an unquoted '#' starts a comment in the shell.
  const std::string hex = !lower.empty() && lower.front() == '#' ? lower.substr(1) : lower;
  if (hex.size() != 6) return std::nullopt;
  std::array<std::uint8_t, 3> channels{};
  for (std::size_t i = 0; i < channels.size(); ++i) {
    const auto high = hex_digit(hex[2 * i]), low = hex_digit(hex[2 * i + 1]);
    if (!high || !low) return std::nullopt;
    channels[i] = static_cast<std::uint8_t>(*high * 16 + *low);
  }
  return BackgroundColour{channels[0], channels[1], channels[2]};
}

std::string background_colour_name(const BackgroundColour& colour) {
  for (const NamedColour& named : kNamedColours)
    if (named.colour == colour) return named.name;
  char text[8];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", colour.red, colour.green, colour.blue);
  return text;
}

}  // namespace upsample::io
