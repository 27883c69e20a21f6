// File names in JSON: any bytes, readable and exact (io/json_path.hpp).
#include <doctest/doctest.h>

#include <string>

#include "io/json_path.hpp"

namespace io = upsample::io;

TEST_SUITE("json path") {

TEST_CASE("UTF-8 is told from other bytes: overlong forms, surrogates and cut sequences are not UTF-8") {
  CHECK(io::is_utf8(""));
  CHECK(io::is_utf8("plain.png"));
  CHECK(io::is_utf8("caf\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80.png"));
  CHECK_FALSE(io::is_utf8("latin1 caf\xE9.png"));
  CHECK_FALSE(io::is_utf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(io::is_utf8("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(io::is_utf8("\xF4\x90\x80\x80"));  // over U+10FFFF
  CHECK_FALSE(io::is_utf8("\xE6\x97"));          // cut short
  CHECK(io::utf8_or_replacement("a\xE9" "b\xE6\x97") == "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST_CASE("a name that is not UTF-8 is written readable, with its exact bytes in hex beside it, and the JSON dumps") {
  nlohmann::json entry;
  io::put_path(entry, "input", "in/caf\xE9.png");
  io::put_path(entry, "output", "out/caf\xC3\xA9.png");
  CHECK(entry["input"] == "in/caf\xEF\xBF\xBD.png");
  CHECK(entry["input_bytes_hex"] == "696e2f636166e92e706e67");
  CHECK(entry["output"] == "out/caf\xC3\xA9.png");
  CHECK_FALSE(entry.contains("output_bytes_hex"));
  CHECK_NOTHROW((void)entry.dump());
}

}  // TEST_SUITE
