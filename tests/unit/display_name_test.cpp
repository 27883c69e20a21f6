#include <doctest/doctest.h>

#include "io/display_name.hpp"

namespace io = upsample::io;

TEST_CASE("display_name quotes and escapes a name with control characters, and leaves others as they are") {
  CHECK(io::display_name("in/plain name.png") == "in/plain name.png");
  CHECK(io::display_name("in/bad\nna\x1bme.png") == "\"in/bad\\nna\\x1bme.png\"");
  CHECK(io::c_quoted("a\"b\\c\td\x7f") == "\"a\\\"b\\\\c\\td\\x7f\"");
}

TEST_CASE("display_line strips the trailing newline and shows the names and other control bytes escaped") {
  const std::string name = "in/bad\nname.png";
  CHECK(io::display_line(name + ": cannot decode\n", {name, "out/x.png"}) == "\"in/bad\\nname.png\": cannot decode");
  CHECK(io::display_line("in/a.png: two\nlines \n\n", {"in/a.png"}) == "in/a.png: two\\nlines");
  CHECK(io::without_trailing_space("reason \r\n") == "reason");
}
