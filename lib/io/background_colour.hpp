#pragma once
// The colour transparent pixels are flattened onto when the output format has no alpha
// channel (JPEG, BMP, PNM): named as a user names it, and said back the same way.
#include <cstdint>
#include <optional>
#include <string>

namespace upsample::io {

struct BackgroundColour {
  std::uint8_t red = 255, green = 255, blue = 255;  // white: what a viewer shows behind a transparent picture
  bool operator==(const BackgroundColour&) const = default;
};

// "white", "black", "grey"/"gray" (any case), or "#RRGGBB" / "RRGGBB" in hex; nullopt for
// anything else.
std::optional<BackgroundColour> parse_background_colour(const std::string& text);

// "white", "black", "grey", or "#rrggbb" for any other colour.
std::string background_colour_name(const BackgroundColour& colour);

}  // namespace upsample::io
