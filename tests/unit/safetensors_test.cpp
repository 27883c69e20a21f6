#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

#include "io/safetensors.hpp"
#include "tensor/error.hpp"
#include "tensor/tensor.hpp"
#include "test_values.hpp"

using upsample::Error;
using upsample::Shape;
using upsample::Tensor;
namespace io = upsample::io;

using upsample::testing::same_bits;

namespace {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using Metadata = std::map<std::string, std::string>;

constexpr const char* kSource = "bad.safetensors";

// A file made by hand: length prefix, header exactly as given (no padding), data.
std::vector<std::byte> file_bytes(std::string_view header, const std::vector<std::byte>& data = {}) {
  std::vector<std::byte> bytes(8 + header.size() + data.size());
  const std::uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) bytes[static_cast<size_t>(i)] = static_cast<std::byte>((length >> (8 * i)) & 0xff);
  std::memcpy(bytes.data() + 8, header.data(), header.size());
  if (!data.empty()) std::memcpy(bytes.data() + 8 + header.size(), data.data(), data.size());
  return bytes;
}

std::vector<std::byte> f32_data(std::initializer_list<float> values) {
  std::vector<std::byte> bytes;
  for (float value : values) {
    const auto bits = std::bit_cast<std::uint32_t>(value);
    for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<std::byte>((bits >> (8 * i)) & 0xff));
  }
  return bytes;
}

std::vector<std::byte> u16_data(std::initializer_list<std::uint16_t> values) {
  std::vector<std::byte> bytes;
  for (std::uint16_t bits : values) {
    bytes.push_back(static_cast<std::byte>(bits & 0xff));
    bytes.push_back(static_cast<std::byte>(bits >> 8));
  }
  return bytes;
}

std::vector<std::byte> zero_bytes(size_t count) { return std::vector<std::byte>(count); }

std::string refusal_of(const std::vector<std::byte>& bytes) {
  try {
    io::parse_safetensors(bytes, kSource);
  } catch (const Error& e) {
    return e.what();
  }
  return "<the file was accepted>";
}

// The message must name the file first and contain every fragment (tensor name, reason).
void check_refused(const std::vector<std::byte>& bytes, std::initializer_list<std::string_view> fragments) {
  const std::string message = refusal_of(bytes);
  INFO("message: ", message);
  CHECK(message.starts_with(std::string(kSource) + ": "));
  CHECK(message.find('\n') == std::string::npos);
  for (std::string_view fragment : fragments) CHECK(message.find(fragment) != std::string::npos);
}

std::string header_of(const std::vector<std::byte>& file) {
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | std::to_integer<std::uint64_t>(file[static_cast<size_t>(i)]);
  return {reinterpret_cast<const char*>(file.data() + 8), static_cast<size_t>(length)};
}
Tensor ramp_tensor(const Shape& shape, float scale) {
  Tensor t(shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data()[i] = scale * static_cast<float>(i) - 1.0f;
  return t;
}

class TempFolder {
 public:
  TempFolder() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("upsample-safetensors-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

TEST_SUITE("safetensors") {

TEST_CASE("tensors of every rank and the metadata survive a file round trip bit for bit") {
  Tensor special = Tensor::from(Shape{6}, std::vector<float>{-0.0f, 1e-40f, std::numeric_limits<float>::max(),
                                                             -std::numeric_limits<float>::min(), 1.0f / 3.0f, 0.0f});
  const NamedTensors tensors = {{"zeta.weight", ramp_tensor(Shape{4, 3, 5, 5}, 0.01f)},
                                {"alpha.bias", ramp_tensor(Shape{4}, 0.5f)},
                                {"mid", ramp_tensor(Shape{2, 3}, -0.25f)},
                                {"cube", ramp_tensor(Shape{2, 2, 2}, 1.5f)},
                                {"special", special}};
  const Metadata metadata = {{"arch", "fsrcnn"}, {"scale", "3"}, {"channels", "y"}, {"note", "ünïcödé ✓"}};
  TempFolder folder;
  const auto path = folder.path() / "model.safetensors";
  io::write_safetensors(path, tensors, metadata);

  const io::SafetensorsContent loaded = io::read_safetensors(path);
  CHECK(loaded.source == path.string());
  CHECK(loaded.metadata == metadata);
  REQUIRE(loaded.tensors.size() == tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    CHECK(loaded.tensors[i].first == tensors[i].first);  // file order = the order given
    CHECK(same_bits(loaded.tensors[i].second, tensors[i].second));
    CHECK(reinterpret_cast<std::uintptr_t>(loaded.tensors[i].second.data()) % 64 == 0);
  }
  CHECK(std::signbit(loaded.get("special").values()[0]));
  CHECK(loaded.contains("mid"));
  CHECK_FALSE(loaded.contains("missing"));
  CHECK(loaded.get("cube").shape() == Shape{2, 2, 2});

  // Replace is the default; Refuse keeps the existing file.
  CHECK_NOTHROW(io::write_safetensors(path, tensors, {}));
  CHECK_THROWS_WITH_AS(io::write_safetensors(path, tensors, {}, io::ExistingFile::Refuse),
                       doctest::Contains("already exists"), Error);
  CHECK(io::read_safetensors(path).metadata.empty());
}

TEST_CASE("the header follows the Python package's layout: padded with spaces to 8 bytes, metadata first") {
  const NamedTensors tensors = {{"w", Tensor::from(Shape{2}, std::vector<float>{1.0f, -2.0f})},
                                {"b", Tensor::from(Shape{1, 1}, std::vector<float>{0.5f})}};
  const auto bytes = io::serialize_safetensors(tensors, {{"arch", "espcn"}});
  const std::string expected_json =
      R"({"__metadata__":{"arch":"espcn"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"F32","shape":[1,1],"data_offsets":[8,12]}})";
  const std::string header = header_of(bytes);
  CHECK(header.size() % 8 == 0);
  CHECK(header.substr(0, expected_json.size()) == expected_json);
  CHECK(header.find_first_not_of(' ', expected_json.size()) == std::string::npos);
  CHECK(header.size() - expected_json.size() < 8);
  REQUIRE(bytes.size() == 8 + header.size() + 12);
  CHECK(std::vector<std::byte>(bytes.end() - 12, bytes.end()) == f32_data({1.0f, -2.0f, 0.5f}));
}

TEST_CASE("serialising is deterministic") {
  const NamedTensors tensors = {{"b", ramp_tensor(Shape{3, 1, 3, 3}, 0.1f)}, {"a", ramp_tensor(Shape{3}, 2.0f)}};
  const Metadata metadata = {{"scale", "2"}, {"arch", "espcn"}};
  const auto first = io::serialize_safetensors(tensors, metadata);
  const auto second = io::serialize_safetensors(tensors, metadata);
  CHECK(first == second);
  // Copies of the tensors (other storage, other addresses) give the same bytes too.
  NamedTensors copies;
  for (const auto& [name, tensor] : tensors) copies.emplace_back(name, tensor.clone());
  CHECK(io::serialize_safetensors(copies, metadata) == first);
  // And what is read back serialises to the same bytes again.
  const auto reread = io::parse_safetensors(first, "memory");
  CHECK(io::serialize_safetensors(reread.tensors, reread.metadata) == first);
}

TEST_CASE("empty metadata is left out of the header and reads back empty") {
  const auto bytes = io::serialize_safetensors({{"x", ramp_tensor(Shape{2}, 1.0f)}}, {});
  CHECK(header_of(bytes).find("__metadata__") == std::string::npos);
  const auto content = io::parse_safetensors(bytes, "memory");
  CHECK(content.metadata.empty());
  CHECK(content.tensors.size() == 1);
}

TEST_CASE("a file without tensors round-trips") {
  const auto bytes = io::serialize_safetensors({}, {{"arch", "none"}});
  const auto content = io::parse_safetensors(bytes, "memory");
  CHECK(content.tensors.empty());
  CHECK(content.metadata.at("arch") == "none");
  const auto bare = io::serialize_safetensors({}, {});
  CHECK(header_of(bare) == "{}      ");
  CHECK(io::parse_safetensors(bare, "memory").tensors.empty());
}

TEST_CASE("tensors with a zero dimension are supported: no bytes, any position") {
  const NamedTensors tensors = {{"before", ramp_tensor(Shape{2}, 1.0f)},
                                {"empty", Tensor(Shape{0, 3})},
                                {"after", ramp_tensor(Shape{1, 2}, 1.0f)}};
  const auto bytes = io::serialize_safetensors(tensors, {});
  CHECK(header_of(bytes).find(R"("empty":{"dtype":"F32","shape":[0,3],"data_offsets":[8,8]})") != std::string::npos);
  const auto content = io::parse_safetensors(bytes, "memory");
  REQUIRE(content.tensors.size() == 3);
  CHECK(content.tensors[1].first == "empty");
  CHECK(content.get("empty").shape() == Shape{0, 3});
  CHECK(content.get("empty").numel() == 0);
  // An empty tensor at the very end of the buffer, and one in a file with no data at all.
  CHECK(io::parse_safetensors(file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                         R"("z":{"dtype":"BF16","shape":[5,0],"data_offsets":[4,4]}})",
                                         f32_data({1.0f})),
                              "memory")
            .tensors.size() == 2);
  CHECK(io::parse_safetensors(file_bytes(R"({"z":{"dtype":"F16","shape":[0],"data_offsets":[0,0]}})"), "memory")
            .get("z")
            .numel() == 0);
}

TEST_CASE("tensors come back in file order (by data offset), not header order") {
  const auto bytes = file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},)"
                                R"("c":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                                R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                                f32_data({1.0f, 2.0f, 3.0f}));
  const auto content = io::parse_safetensors(bytes, "memory");
  REQUIRE(content.tensors.size() == 3);
  CHECK(content.tensors[0].first == "c");
  CHECK(content.tensors[1].first == "b");
  CHECK(content.tensors[2].first == "a");
  CHECK(content.get("a").values()[0] == 3.0f);
}

TEST_CASE("a header whose length is not a multiple of 8 (unaligned data) reads correctly") {
  // 58-byte header: the data starts at byte 66, so every float is misaligned in the buffer.
  const std::string header = R"({"t":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  REQUIRE(header.size() % 4 != 0);
  const auto content = io::parse_safetensors(file_bytes(header, f32_data({1.5f, -2.5f, 1e-30f, 7.0f})), "memory");
  CHECK(content.get("t").values()[0] == 1.5f);
  CHECK(content.get("t").values()[1] == -2.5f);
  CHECK(content.get("t").values()[2] == 1e-30f);
  CHECK(content.get("t").values()[3] == 7.0f);
}

TEST_CASE("F16 bit patterns widen to F32 exactly") {
  CHECK(io::f16_bits_to_float(0x0000) == 0.0f);
  CHECK_FALSE(std::signbit(io::f16_bits_to_float(0x0000)));
  CHECK(io::f16_bits_to_float(0x8000) == 0.0f);
  CHECK(std::signbit(io::f16_bits_to_float(0x8000)));
  CHECK(io::f16_bits_to_float(0x3c00) == 1.0f);
  CHECK(io::f16_bits_to_float(0xc000) == -2.0f);
  CHECK(io::f16_bits_to_float(0x3555) == 0.333251953125f);
  CHECK(io::f16_bits_to_float(0x7bff) == 65504.0f);                     // largest half
  CHECK(io::f16_bits_to_float(0xfbff) == -65504.0f);
  CHECK(io::f16_bits_to_float(0x0400) == std::ldexp(1.0f, -14));        // smallest normal
  CHECK(io::f16_bits_to_float(0x0001) == std::ldexp(1.0f, -24));        // smallest subnormal
  CHECK(io::f16_bits_to_float(0x8001) == -std::ldexp(1.0f, -24));
  CHECK(io::f16_bits_to_float(0x03ff) == std::ldexp(1023.0f, -24));     // largest subnormal
  CHECK(io::f16_bits_to_float(0x0200) == std::ldexp(1.0f, -15));
  CHECK(io::f16_bits_to_float(0x7c00) == std::numeric_limits<float>::infinity());
  CHECK(io::f16_bits_to_float(0xfc00) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(io::f16_bits_to_float(0x7e00)));
  CHECK(std::isnan(io::f16_bits_to_float(0x7c01)));  // signalling NaN stays a NaN, not Inf
  CHECK(std::isnan(io::f16_bits_to_float(0xfe00)));
  // Every finite half: value = (-1)^s × m × 2^(e-25) with the implicit bit, checked independently.
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const std::uint32_t exponent = (bits >> 10) & 0x1f;
    if (exponent == 0x1f) continue;
    const std::uint32_t mantissa = bits & 0x3ff;
    const float magnitude =
        exponent == 0 ? std::ldexp(static_cast<float>(mantissa), -24)
                      : std::ldexp(static_cast<float>(mantissa | 0x400), static_cast<int>(exponent) - 25);
    const float expected = (bits & 0x8000) ? -magnitude : magnitude;
    const float widened = io::f16_bits_to_float(static_cast<std::uint16_t>(bits));
    if (std::bit_cast<std::uint32_t>(widened) != std::bit_cast<std::uint32_t>(expected)) {
      FAIL_CHECK("half 0x" << std::hex << bits << " widened to " << widened << ", expected " << expected);
      break;
    }
  }
}

TEST_CASE("BF16 bit patterns widen to F32 exactly") {
  CHECK(io::bf16_bits_to_float(0x3f80) == 1.0f);
  CHECK(io::bf16_bits_to_float(0xc040) == -3.0f);
  CHECK(io::bf16_bits_to_float(0x3eab) == 0.333984375f);
  CHECK(io::bf16_bits_to_float(0x0000) == 0.0f);
  CHECK(std::signbit(io::bf16_bits_to_float(0x8000)));
  CHECK(io::bf16_bits_to_float(0x7f7f) == std::bit_cast<float>(0x7f7f0000u));  // largest bfloat16
  CHECK(io::bf16_bits_to_float(0x7f7f) == std::ldexp(255.0f, 120));
  CHECK(io::bf16_bits_to_float(0x0080) == std::numeric_limits<float>::min());   // smallest normal
  CHECK(io::bf16_bits_to_float(0x0001) == std::ldexp(1.0f, -133));             // smallest subnormal
  CHECK(io::bf16_bits_to_float(0x7f80) == std::numeric_limits<float>::infinity());
  CHECK(io::bf16_bits_to_float(0xff80) == -std::numeric_limits<float>::infinity());
  CHECK(std::isnan(io::bf16_bits_to_float(0x7fc0)));
  CHECK(std::isnan(io::bf16_bits_to_float(0x7f81)));
}

TEST_CASE("F16 and BF16 tensors in a file are read as F32") {
  const auto bytes = file_bytes(R"({"half":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},)"
                                R"("brain":{"dtype":"BF16","shape":[3],"data_offsets":[8,14]}})",
                                [] {
                                  auto data = u16_data({0x3c00, 0x8001, 0x7bff, 0xb800});
                                  const auto more = u16_data({0x3f80, 0x0001, 0xc2f7});
                                  data.insert(data.end(), more.begin(), more.end());
                                  return data;
                                }());
  const auto content = io::parse_safetensors(bytes, "memory");
  const auto half = content.get("half").values();
  CHECK(half[0] == 1.0f);
  CHECK(half[1] == -std::ldexp(1.0f, -24));
  CHECK(half[2] == 65504.0f);
  CHECK(half[3] == -0.5f);
  const auto brain = content.get("brain").values();
  CHECK(brain[0] == 1.0f);
  CHECK(brain[1] == std::ldexp(1.0f, -133));
  CHECK(brain[2] == -123.5f);
}

TEST_CASE("a file written by Python with struct and json loads: the same values as F32, F16 and BF16") {
  // tests/make_golden.py writes it with the Python package's layout rules, independently of us.
  const std::filesystem::path fixture = std::filesystem::path(UPSAMPLE_FIXTURES_DIR) / "golden" / "dtypes.safetensors";
  INFO("fixture: ", fixture.string());
  REQUIRE_MESSAGE(std::filesystem::exists(fixture), "fixture missing: run /usr/bin/python3 tests/make_golden.py");
  const auto content = io::read_safetensors(fixture);
  CHECK_FALSE(content.metadata.empty());
  REQUIRE(content.tensors.size() == 3);
  CHECK(content.tensors[0].first == "f32");  // written in this order, so read in this order
  CHECK(content.tensors[1].first == "f16");
  CHECK(content.tensors[2].first == "bf16");
  const Tensor& f32 = content.get("f32");
  CHECK(f32.numel() > 0);
  CHECK(same_bits(content.get("f16"), f32));
  CHECK(same_bits(content.get("bf16"), f32));
}

TEST_CASE("large tensors are read into their own aligned storage with the right values") {
  // Reading makes one pass over the file bytes per tensor; this checks the result, the
  // complexity is in the code (one read_file_bytes, one conversion into each Tensor).
  Tensor big(Shape{1, 16, 256, 256});
  for (int64_t i = 0; i < big.numel(); ++i) big.data()[i] = static_cast<float>(i % 1000) * 0.001f;
  auto bytes = io::serialize_safetensors({{"big", big}}, {});
  const auto content = io::parse_safetensors(bytes, "memory");
  std::fill(bytes.begin(), bytes.end(), std::byte{0xff});  // the result must not alias the input
  CHECK(same_bits(content.get("big"), big));
}

TEST_CASE("get names the missing tensor and the file") {
  const auto content = io::parse_safetensors(io::serialize_safetensors({{"conv1.weight", ramp_tensor(Shape{1}, 1.0f)}}, {}),
                                             "model.safetensors");
  CHECK_THROWS_WITH_AS(content.get("conv2.weight"),
                       "model.safetensors: has no tensor 'conv2.weight' (it has: conv1.weight)", Error);
}

TEST_CASE("a missing file is refused with its name") {
  TempFolder folder;
  CHECK_THROWS_WITH_AS(io::read_safetensors(folder.path() / "nope.safetensors"),
                       doctest::Contains("nope.safetensors"), Error);
}

// ---- Refused files: one case per kind of damage. ----

TEST_CASE("refused: file shorter than the 8-byte length prefix") {
  check_refused(zero_bytes(5), {"5 bytes long", "too short"});
  check_refused({}, {"0 bytes long"});
}

TEST_CASE("refused: header length larger than the file") {
  auto bytes = file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", f32_data({1.0f}));
  bytes.resize(30);  // truncated inside the header
  check_refused(bytes, {"header length 54", "larger than the rest of the file (22 bytes)"});
}

TEST_CASE("refused: header length over the 1 MB limit") {
  auto bytes = zero_bytes(16);
  const std::uint64_t length = 1'000'001;
  for (int i = 0; i < 8; ++i) bytes[static_cast<size_t>(i)] = static_cast<std::byte>((length >> (8 * i)) & 0xff);
  check_refused(bytes, {"header length 1000001", "limit of 1000000 bytes"});
  bytes[7] = std::byte{0xff};  // absurd lengths near 2^64 must not overflow anything
  check_refused(bytes, {"over the limit"});
}

TEST_CASE("refused: a header nested deeper than the format needs, before it is parsed whole") {
  // 400 000 levels of arrays cost gigabytes as a parsed document.
  const std::string deep = R"({"__metadata__":{"arch":"fsrcnn"},"x":)" + std::string(400'000, '[') +
                           std::string(400'000, ']') + "}";
  check_refused(file_bytes(deep), {"nested deeper than 8 levels"});
  check_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[[[[[[[[1]]]]]]]],"data_offsets":[0,4]}})", f32_data({1.0f})),
                {"nested deeper"});
}

TEST_CASE("refused: header that is not JSON") {
  check_refused(file_bytes(R"({"a":{"dtype":"F32",)"), {"not valid JSON"});
  check_refused(file_bytes(""), {"not valid JSON"});
  check_refused(file_bytes("{\"a\xff\":{}}"), {"not valid JSON", "invalid string: ill-formed UTF-8"});
  check_refused(file_bytes("{} trailing"), {"not valid JSON"});
}

TEST_CASE("refused: header that is JSON but not an object") {
  check_refused(file_bytes("[1, 2]"), {"header is JSON but an array, not an object"});
  check_refused(file_bytes("\"text\""), {"header is JSON but a string"});
}

TEST_CASE("refused: entry that is not an object") {
  check_refused(file_bytes(R"({"w":[0,4]})", zero_bytes(4)), {"tensor 'w'", "not an object"});
}

TEST_CASE("refused: missing or wrongly typed dtype") {
  check_refused(file_bytes(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'w' has no dtype"});
  check_refused(file_bytes(R"({"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'w' has a dtype that is a number (32), not a string"});
}

TEST_CASE("refused: unknown dtype, named") {
  CHECK(refusal_of(file_bytes(R"({"steps":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", zero_bytes(8))) ==
        "bad.safetensors: tensor 'steps' has dtype I64, which upsample cannot read (F32, F16, BF16 only)");
  check_refused(file_bytes(R"({"w":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'w' has dtype f32"});
  // A name with a line break is shown escaped: messages stay on one line.
  check_refused(file_bytes(R"({"a\nb":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}})", zero_bytes(1)),
                {R"(tensor 'a\nb' has dtype U8)"});
}

TEST_CASE("refused: missing or wrongly typed shape") {
  check_refused(file_bytes(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'w' has no shape"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":"[1]","data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'w' has a shape that is a string", "not an array"});
}

TEST_CASE("refused: negative or non-integer dimensions") {
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[2,-1],"data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'w'", "dimension -1", "non-negative integers"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'w'", "dimension 1.0"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'w'", "dimension \"1\""});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[1e30],"data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'w'", "dimension"});
}

TEST_CASE("refused: rank 0 and rank above 4") {
  check_refused(file_bytes(R"({"scalar":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'scalar' has rank 0 (shape [])", "rank 1 to 4"});
  check_refused(file_bytes(R"({"deep":{"dtype":"F32","shape":[1,1,1,1,1],"data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'deep' has rank 5 (shape [1, 1, 1, 1, 1])"});
}

TEST_CASE("refused: missing or malformed data_offsets") {
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[1]}})", zero_bytes(4)),
                {"tensor 'w' has no data_offsets"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}})", zero_bytes(4)),
                {"tensor 'w' has data_offsets [0]", "expected [begin, end]"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})", zero_bytes(4)),
                {"tensor 'w'", "expected [begin, end]"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})", zero_bytes(4)),
                {"tensor 'w' has data_offsets [-4,0]"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4.0]}})", zero_bytes(4)),
                {"tensor 'w'", "non-negative integers"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":{"begin":0}}})", zero_bytes(4)),
                {"tensor 'w'", "expected [begin, end]"});
}

TEST_CASE("refused: shape and dtype do not match the byte range") {
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", zero_bytes(20)),
                {"tensor 'w' (F32, shape [2, 3]) needs 24 bytes", "[0, 20] span 20"});
  check_refused(file_bytes(R"({"h":{"dtype":"F16","shape":[3],"data_offsets":[0,12]}})", zero_bytes(12)),
                {"tensor 'h' (F16, shape [3]) needs 6 bytes"});
  // Dimensions whose product overflows 64 bits must not wrap around to a matching size.
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})"),
                {"tensor 'w'", "product overflows 64 bits"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})"),
                {"tensor 'w'", "product overflows 64 bits"});
  // Even next to a zero dimension: the Tensor's element count would overflow on the way.
  check_refused(file_bytes(R"({"w":{"dtype":"F16","shape":[4611686018427387904,4,0],"data_offsets":[0,0]}})"),
                {"tensor 'w'", "product overflows 64 bits"});
  check_refused(file_bytes(R"({"w":{"dtype":"F16","shape":[18446744073709551615,0],"data_offsets":[0,0]}})"),
                {"tensor 'w'", "product overflows 64 bits"});
}

TEST_CASE("refused: data_offsets that end before they begin") {
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})", zero_bytes(8)),
                {"tensor 'w' has data_offsets [8, 4] that end before they begin"});
}

TEST_CASE("refused: data_offsets outside the data buffer") {
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", zero_bytes(4)),
                {"tensor 'w' has data_offsets [0, 8] outside the data buffer, which is 4 bytes long"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[18446744073709551612,)"
                           R"(18446744073709551615]}})",
                           zero_bytes(4)),
                {"tensor 'w'", "outside the data buffer"});
}

TEST_CASE("refused: overlapping tensors, named both") {
  check_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                           zero_bytes(12)),
                {"tensor 'a' and tensor 'b' overlap", "[0, 8] and [4, 12]"});
  // Two names for the same bytes.
  check_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                           R"("b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                           zero_bytes(4)),
                {"tensor 'a' and tensor 'b' overlap"});
}

TEST_CASE("refused: bytes of the data buffer that belong to no tensor") {
  check_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                           R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                           zero_bytes(12)),
                {"bytes 4 to 8 of the data buffer belong to no tensor", "before tensor 'b'"});
  check_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", zero_bytes(8)),
                {"bytes 0 to 4", "before tensor 'a'"});
  check_refused(file_bytes(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", zero_bytes(7)),
                {"the last 3 bytes of the data buffer belong to no tensor", "after tensor 'a'"});
  check_refused(file_bytes("{}", zero_bytes(16)), {"lists no tensors", "holds 16 bytes"});
}

TEST_CASE("refused: duplicate names and duplicate keys") {
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                           R"("w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                           zero_bytes(8)),
                {"tensor 'w' appears twice in the header"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","dtype":"F16","shape":[1],"data_offsets":[0,4]}})", zero_bytes(4)),
                {"tensor 'w' has the key 'dtype' twice"});
  check_refused(file_bytes(R"({"__metadata__":{"arch":"a","arch":"b"}})"), {"__metadata__ has the key 'arch' twice"});
  check_refused(file_bytes(R"({"__metadata__":{},"__metadata__":{}})"), {"two __metadata__ entries"});
}

TEST_CASE("refused: __metadata__ that is not an object of strings") {
  check_refused(file_bytes(R"({"__metadata__":{"scale":2}})"),
                {"__metadata__ value of 'scale' is a number (2), not a string"});
  check_refused(file_bytes(R"({"__metadata__":{"x":null}})"), {"'x' is a null"});
  check_refused(file_bytes(R"({"__metadata__":["arch"]})"), {"__metadata__ is an array, not an object"});
}

TEST_CASE("refused: NaN or Inf values, with the tensor and the index of the first one") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})",
                           f32_data({0.0f, 1.0f, 2.0f, 3.0f, 4.0f, nan})),
                {"tensor 'w' holds a NaN at element 5 (index [1, 2])", "refuses models with NaN or Inf"});
  check_refused(file_bytes(R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})",
                           f32_data({0.0f, -inf, inf})),
                {"tensor 'w' holds -Inf at element 1 (index [1])"});
  check_refused(file_bytes(R"({"h":{"dtype":"F16","shape":[1,1,1,2],"data_offsets":[0,4]}})",
                           u16_data({0x3c00, 0x7c00})),
                {"tensor 'h' holds +Inf at element 1 (index [0, 0, 0, 1])"});
  check_refused(file_bytes(R"({"b":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", u16_data({0x7fc0, 0})),
                {"tensor 'b' holds a NaN at element 0 (index [0])"});
}

TEST_CASE("the writer refuses what the reader would refuse") {
  const Tensor ok = ramp_tensor(Shape{2}, 1.0f);
  Tensor with_nan = ramp_tensor(Shape{2, 2}, 1.0f);
  with_nan.data()[3] = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH_AS(io::serialize_safetensors({{"w", with_nan}}, {}),
                       "cannot save tensor 'w': it holds a NaN at element 3 (index [1, 1])", Error);
  CHECK_THROWS_WITH_AS(io::serialize_safetensors({{"w", ok}, {"w", ok}}, {}),
                       "cannot save: two tensors are named 'w'", Error);
  CHECK_THROWS_WITH_AS(io::serialize_safetensors({{"__metadata__", ok}}, {}), doctest::Contains("reserved"), Error);
  CHECK_THROWS_WITH_AS(io::serialize_safetensors({{"w", Tensor()}}, {}),
                       "cannot save tensor 'w': it has no shape and no data", Error);
  CHECK_THROWS_WITH_AS(io::serialize_safetensors({{"bad\xff", ok}}, {}), doctest::Contains("not valid UTF-8"), Error);
  CHECK_THROWS_WITH_AS(io::serialize_safetensors({}, {{"arch", "\xc3"}}), doctest::Contains("not valid UTF-8"), Error);
  TempFolder folder;
  const auto path = folder.path() / "nan.safetensors";
  CHECK_THROWS_WITH_AS(io::write_safetensors(path, {{"w", with_nan}}, {}),
                       doctest::Contains("nan.safetensors: cannot save tensor 'w'"), Error);
  CHECK_FALSE(std::filesystem::exists(path));
}

}  // TEST_SUITE("safetensors")
