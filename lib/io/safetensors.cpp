#include "io/safetensors.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>

#include "tensor/error.hpp"

namespace upsample::io {

namespace {

static_assert(std::numeric_limits<float>::is_iec559, "the file format stores IEEE-754 floats");

using Json = nlohmann::json;

constexpr std::size_t kLengthPrefixBytes = 8;

enum class Dtype { F32, F16, BF16 };

std::size_t element_bytes(Dtype dtype) { return dtype == Dtype::F32 ? 4 : 2; }

const char* dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::F32: return "F32";
    case Dtype::F16: return "F16";
    case Dtype::BF16: return "BF16";
  }
  return "?";
}

std::optional<Dtype> dtype_from_name(const std::string& name) {
  if (name == "F32") return Dtype::F32;
  if (name == "F16") return Dtype::F16;
  if (name == "BF16") return Dtype::BF16;
  return std::nullopt;
}

// Names and strings come from the file: keep messages on one line, valid UTF-8 and of
// bounded length (JSON escaping turns control characters and bad bytes into visible text).
std::string printable(std::string_view text) {
  constexpr std::size_t kMaxShown = 200;
  const std::string quoted =
      Json(std::string(text.substr(0, kMaxShown))).dump(-1, ' ', false, Json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2) + (text.size() > kMaxShown ? "..." : "");
}

// "an array", "a number": JSON type names for messages.
std::string a_json_type(const Json& value) {
  const std::string name = value.type_name();
  return (name == "array" || name == "object" ? "an " : "a ") + name;
}

std::string tensor_label(std::string_view name) { return "tensor '" + printable(name) + "'"; }

// A JSON value as it appears in the file, shortened for messages without splitting a character.
std::string shown_json(const Json& value) {
  constexpr std::size_t kMaxShown = 200;
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() <= kMaxShown) return text;
  std::size_t cut = kMaxShown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  return text.substr(0, cut) + "...";
}

std::string dims_text(std::span<const std::uint64_t> dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

std::string range_text(std::uint64_t begin, std::uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

std::uint64_t load_u64_le(const std::byte* p) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | std::to_integer<std::uint64_t>(p[i]);
  return value;
}

std::uint16_t load_u16_le(const std::byte* p) {
  return static_cast<std::uint16_t>(std::to_integer<unsigned>(p[0]) | (std::to_integer<unsigned>(p[1]) << 8));
}

std::uint32_t load_u32_le(const std::byte* p) {
  return std::to_integer<std::uint32_t>(p[0]) | (std::to_integer<std::uint32_t>(p[1]) << 8) |
         (std::to_integer<std::uint32_t>(p[2]) << 16) | (std::to_integer<std::uint32_t>(p[3]) << 24);
}

void store_u64_le(std::uint64_t value, std::byte* p) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::byte>((value >> (8 * i)) & 0xff);
}

// Index of the first NaN or Inf, or npos. Tests the exponent bits, which vectorises.
constexpr std::size_t kAllFinite = static_cast<std::size_t>(-1);
std::size_t first_non_finite(std::span<const float> values) {
  for (std::size_t i = 0; i < values.size(); ++i)
    if ((std::bit_cast<std::uint32_t>(values[i]) & 0x7f800000u) == 0x7f800000u) return i;
  return kAllFinite;
}

// "a NaN at element 5 (index [1, 2])"
std::string describe_non_finite(const Tensor& tensor, std::size_t flat_index) {
  const float value = tensor.values()[flat_index];
  const std::string kind = std::isnan(value) ? "a NaN" : (value > 0 ? "+Inf" : "-Inf");
  std::vector<std::int64_t> index(static_cast<std::size_t>(tensor.shape().rank()));
  auto remaining = static_cast<std::int64_t>(flat_index);
  for (int axis = tensor.shape().rank() - 1; axis >= 0; --axis) {
    index[static_cast<std::size_t>(axis)] = remaining % tensor.shape()[axis];
    remaining /= tensor.shape()[axis];
  }
  std::string index_text;
  for (std::size_t i = 0; i < index.size(); ++i) index_text += (i ? ", " : "") + std::to_string(index[i]);
  return kind + " at element " + std::to_string(flat_index) + " (index [" + index_text + "])";
}

// One tensor as described by the header, checked against itself and the buffer size.
struct HeaderEntry {
  std::string name;
  Dtype dtype = Dtype::F32;
  std::vector<std::uint64_t> dims;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

class HeaderReader {
 public:
  HeaderReader(const std::string& source, std::uint64_t buffer_bytes) : source_(source), buffer_bytes_(buffer_bytes) {}

  [[noreturn]] void fail(const std::string& reason) const { throw Error(source_ + ": " + reason); }

  // Parses the JSON and reports the first key that occurs twice in one object, which
  // nlohmann would otherwise resolve silently by keeping the last value.
  Json parse(const char* first, const char* last) const {
    std::vector<std::set<std::string>> open_objects;
    std::string current_top_key;
    std::optional<std::string> duplicate_key;
    std::string duplicate_owner;
    std::size_t duplicate_level = 0;
    const Json::parser_callback_t track_keys = [&](int depth, Json::parse_event_t event, Json& parsed) {
      const bool opens = event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start;
      if (opens && depth >= kMaxSafetensorsHeaderNesting)
        fail("header is nested deeper than " + std::to_string(kMaxSafetensorsHeaderNesting) +
             " levels; is it a safetensors file?");
      if (event == Json::parse_event_t::object_start) {
        open_objects.emplace_back();
      } else if (event == Json::parse_event_t::object_end) {
        open_objects.pop_back();
      } else if (event == Json::parse_event_t::key && !open_objects.empty()) {
        const auto& key = parsed.get_ref<const std::string&>();
        if (open_objects.size() == 1) current_top_key = key;
        if (!open_objects.back().insert(key).second && !duplicate_key) {
          duplicate_key = key;
          duplicate_owner = current_top_key;
          duplicate_level = open_objects.size();
        }
      }
      return true;
    };
    Json header;
    try {
      header = Json::parse(first, last, track_keys);
    } catch (const Json::parse_error& e) {
      // Drop nlohmann's "[json.exception.parse_error.101] " prefix; the rest says where and why.
      const std::string_view detail = e.what();
      const auto prefix_end = detail.find("] ");
      const std::string_view reason = prefix_end == detail.npos ? detail : detail.substr(prefix_end + 2);
      fail("header is not valid JSON (" + printable(reason) + "); is it a safetensors file?");
    } catch (const Json::exception&) {
      // Only a number too large for a double gets here (out_of_range.406), and nlohmann's
      // message quotes all of its digits: name the entry it is in instead.
      const std::string where = current_top_key.empty()         ? "the header"
                                : current_top_key == "__metadata__" ? "__metadata__"
                                                                    : "the header entry of " + tensor_label(current_top_key);
      fail(where + " holds a number too large to read (over 1e308)");
    }
    if (!header.is_object())
      fail("header is JSON but " + a_json_type(header) + ", not an object; is it a safetensors file?");
    if (duplicate_key) {
      if (duplicate_level == 1 && *duplicate_key == "__metadata__") fail("header has two __metadata__ entries");
      if (duplicate_level == 1) fail(tensor_label(*duplicate_key) + " appears twice in the header");
      if (duplicate_owner == "__metadata__")
        fail("__metadata__ has the key '" + printable(*duplicate_key) + "' twice");
      fail(tensor_label(duplicate_owner) + " has the key '" + printable(*duplicate_key) + "' twice");
    }
    return header;
  }

  std::map<std::string, std::string> read_metadata(const Json& value) const {
    if (!value.is_object())
      fail("__metadata__ is " + a_json_type(value) + ", not an object of strings");
    std::map<std::string, std::string> metadata;
    for (const auto& [key, text] : value.items()) {
      if (!text.is_string())
        fail("__metadata__ value of '" + printable(key) + "' is " + a_json_type(text) + " (" + shown_json(text) +
             "), not a string");
      metadata.emplace(key, text.get<std::string>());
    }
    return metadata;
  }

  HeaderEntry read_entry(const std::string& name, const Json& value) const {
    const std::string label = tensor_label(name);
    if (!value.is_object())
      fail(label + " has a header entry that is " + a_json_type(value) +
           ", not an object with dtype, shape and data_offsets");
    HeaderEntry entry;
    entry.name = name;
    entry.dtype = read_dtype(label, value);
    entry.dims = read_dims(label, value);
    std::tie(entry.begin, entry.end) = read_offsets(label, value);
    check_byte_count(label, entry);
    return entry;
  }

 private:
  const Json& member(const std::string& label, const Json& entry, const char* key) const {
    const auto found = entry.find(key);
    if (found == entry.end()) fail(label + " has no " + key + " in its header entry");
    return *found;
  }

  Dtype read_dtype(const std::string& label, const Json& entry) const {
    const Json& value = member(label, entry, "dtype");
    if (!value.is_string())
      fail(label + " has a dtype that is " + a_json_type(value) + " (" + shown_json(value) + "), not a string");
    const auto& name = value.get_ref<const std::string&>();
    const auto dtype = dtype_from_name(name);
    if (!dtype) fail(label + " has dtype " + printable(name) + ", which upsample cannot read (F32, F16, BF16 only)");
    return *dtype;
  }

  std::vector<std::uint64_t> read_dims(const std::string& label, const Json& entry) const {
    const Json& shape = member(label, entry, "shape");
    if (!shape.is_array())
      fail(label + " has a shape that is " + a_json_type(shape) + " (" + shown_json(shape) + "), not an array");
    std::vector<std::uint64_t> dims;
    for (const Json& dim : shape) {
      if (!dim.is_number_unsigned())  // nlohmann stores non-negative integers as unsigned
        fail(label + " has the dimension " + shown_json(dim) + " in its shape " + shown_json(shape) +
             "; dimensions are non-negative integers");
      dims.push_back(dim.get<std::uint64_t>());
    }
    if (dims.empty() || dims.size() > static_cast<std::size_t>(Shape::kMaxRank))
      fail(label + " has rank " + std::to_string(dims.size()) + " (shape " + dims_text(dims) +
           "); upsample reads tensors of rank 1 to 4 only");
    return dims;
  }

  std::pair<std::uint64_t, std::uint64_t> read_offsets(const std::string& label, const Json& entry) const {
    const Json& offsets = member(label, entry, "data_offsets");
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
        !offsets[1].is_number_unsigned())
      fail(label + " has data_offsets " + shown_json(offsets) + "; expected [begin, end], two non-negative integers");
    const auto begin = offsets[0].get<std::uint64_t>();
    const auto end = offsets[1].get<std::uint64_t>();
    if (begin > end) fail(label + " has data_offsets " + range_text(begin, end) + " that end before they begin");
    if (end > buffer_bytes_)
      fail(label + " has data_offsets " + range_text(begin, end) + " outside the data buffer, which is " +
           std::to_string(buffer_bytes_) + " bytes long");
    return {begin, end};
  }

  void check_byte_count(const std::string& label, const HeaderEntry& entry) const {
    const std::string described =
        label + " (" + dtype_name(entry.dtype) + ", shape " + dims_text(entry.dims) + ")";
    // Multiply with overflow checks: the dimensions are arbitrary 64-bit numbers from the file.
    // Zeros are left out so that an empty tensor cannot smuggle in dimensions whose product
    // would overflow later in Shape::numel (which multiplies them in order).
    std::uint64_t nonzero_bytes = element_bytes(entry.dtype);
    bool overflow = false;
    for (std::uint64_t dim : entry.dims)
      if (dim != 0) overflow = __builtin_mul_overflow(nonzero_bytes, dim, &nonzero_bytes) || overflow;
    const bool has_zero_dim = std::find(entry.dims.begin(), entry.dims.end(), 0u) != entry.dims.end();
    const std::uint64_t needed = has_zero_dim ? 0 : nonzero_bytes;
    const std::uint64_t spanned = entry.end - entry.begin;
    if (overflow) fail(described + " has dimensions whose product overflows 64 bits");
    if (needed != spanned)
      fail(described + " needs " + std::to_string(needed) + " bytes, but its data_offsets " +
           range_text(entry.begin, entry.end) + " span " + std::to_string(spanned));
  }

  const std::string& source_;
  std::uint64_t buffer_bytes_;
};

// Sorted by offset, the tensors must tile the data buffer: no overlaps, no bytes left over.
void check_tiling(const HeaderReader& reader, const std::vector<HeaderEntry>& sorted_entries,
                  std::uint64_t buffer_bytes) {
  std::uint64_t covered = 0;
  const HeaderEntry* previous = nullptr;
  for (const HeaderEntry& entry : sorted_entries) {
    if (entry.begin < covered)
      reader.fail(tensor_label(previous->name) + " and " + tensor_label(entry.name) +
                  " overlap in the data buffer (data_offsets " + range_text(previous->begin, previous->end) +
                  " and " + range_text(entry.begin, entry.end) + ")");
    if (entry.begin > covered)
      reader.fail("bytes " + std::to_string(covered) + " to " + std::to_string(entry.begin) +
                  " of the data buffer belong to no tensor (they come before " + tensor_label(entry.name) + ")");
    covered = entry.end;
    previous = &entry;
  }
  if (covered == buffer_bytes) return;
  const std::string unused = std::to_string(buffer_bytes - covered) + " bytes";
  if (previous == nullptr) reader.fail("the header lists no tensors, but the data buffer holds " + unused);
  reader.fail("the last " + unused + " of the data buffer belong to no tensor (they come after " +
              tensor_label(previous->name) + ")");
}

Tensor convert(const HeaderEntry& entry, const std::byte* data) {
  std::vector<std::int64_t> dims(entry.dims.begin(), entry.dims.end());
  Tensor tensor{Shape(std::span<const std::int64_t>(dims))};
  float* out = tensor.data();
  const auto count = static_cast<std::size_t>(tensor.numel());
  switch (entry.dtype) {
    case Dtype::F32:
      if constexpr (std::endian::native == std::endian::little) {
        if (count > 0) std::memcpy(out, data, count * sizeof(float));  // memcpy: the source may be unaligned
      } else {
        for (std::size_t i = 0; i < count; ++i) out[i] = std::bit_cast<float>(load_u32_le(data + 4 * i));
      }
      break;
    case Dtype::F16:
      for (std::size_t i = 0; i < count; ++i) out[i] = f16_bits_to_float(load_u16_le(data + 2 * i));
      break;
    case Dtype::BF16:
      for (std::size_t i = 0; i < count; ++i) out[i] = bf16_bits_to_float(load_u16_le(data + 2 * i));
      break;
  }
  return tensor;
}

// Serialising a string that is not UTF-8 would throw deep inside nlohmann; say which one.
void require_utf8(const std::string& text, const std::string& what) {
  try {
    (void)Json(text).dump();
  } catch (const Json::type_error&) {
    throw Error("cannot save: " + what + " is not valid UTF-8");
  }
}

}  // namespace

float f16_bits_to_float(std::uint16_t bits) {
  const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
  const std::uint32_t exponent = (bits >> 10) & 0x1fu;
  std::uint32_t mantissa = bits & 0x3ffu;
  std::uint32_t widened = 0;
  if (exponent == 0x1f) {
    widened = sign | 0x7f800000u | (mantissa << 13);  // Inf, or NaN with its payload kept
  } else if (exponent != 0) {
    widened = sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    widened = sign;  // ±0
  } else {
    // Subnormal half (mantissa × 2^-24) is a normal float: shift the leading 1 into the
    // implicit bit position and lower the exponent by the same amount.
    std::uint32_t shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    widened = sign | ((127 - 14 - shift) << 23) | ((mantissa & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(widened);
}

float bf16_bits_to_float(std::uint16_t bits) {
  // bfloat16 is the top half of a float32, so every encoding widens exactly by a shift.
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

const Tensor& SafetensorsContent::get(std::string_view name) const {
  for (const auto& [tensor_name, tensor] : tensors)
    if (tensor_name == name) return tensor;
  constexpr std::size_t kMaxListed = 12;
  std::string listed;
  for (std::size_t i = 0; i < tensors.size() && i < kMaxListed; ++i)
    listed += (i ? ", " : "") + printable(tensors[i].first);
  if (tensors.size() > kMaxListed) listed += ", ...";
  throw Error(source + ": has no " + tensor_label(name) +
              (tensors.empty() ? " (it holds no tensors)" : " (it has: " + listed + ")"));
}

bool SafetensorsContent::contains(std::string_view name) const {
  return std::any_of(tensors.begin(), tensors.end(), [&](const auto& named) { return named.first == name; });
}

SafetensorsContent parse_safetensors(std::span<const std::byte> bytes, const std::string& source_name) {
  if (bytes.size() < kLengthPrefixBytes)
    throw Error(source_name + ": file is " + std::to_string(bytes.size()) +
                " bytes long, too short for a safetensors file (at least 8 bytes)");
  const std::uint64_t header_bytes = load_u64_le(bytes.data());
  const std::uint64_t after_prefix = bytes.size() - kLengthPrefixBytes;
  if (header_bytes > kMaxSafetensorsHeaderBytes)
    throw Error(source_name + ": header length " + std::to_string(header_bytes) + " is over the limit of " +
                std::to_string(kMaxSafetensorsHeaderBytes) + " bytes; is it a safetensors file?");
  if (header_bytes > after_prefix)
    throw Error(source_name + ": header length " + std::to_string(header_bytes) +
                " is larger than the rest of the file (" + std::to_string(after_prefix) +
                " bytes); the file is truncated or not a safetensors file");

  const std::uint64_t buffer_bytes = after_prefix - header_bytes;
  const HeaderReader reader(source_name, buffer_bytes);
  const auto* header_text = reinterpret_cast<const char*>(bytes.data() + kLengthPrefixBytes);
  const Json header = reader.parse(header_text, header_text + header_bytes);

  SafetensorsContent content;
  content.source = source_name;
  std::vector<HeaderEntry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__")
      content.metadata = reader.read_metadata(value);
    else
      entries.push_back(reader.read_entry(key, value));
  }

  std::sort(entries.begin(), entries.end(), [](const HeaderEntry& a, const HeaderEntry& b) {
    return std::tie(a.begin, a.end, a.name) < std::tie(b.begin, b.end, b.name);
  });
  check_tiling(reader, entries, buffer_bytes);

  const std::byte* buffer = bytes.data() + kLengthPrefixBytes + header_bytes;
  content.tensors.reserve(entries.size());
  for (const HeaderEntry& entry : entries) {
    Tensor tensor = convert(entry, buffer + entry.begin);
    if (const std::size_t bad = first_non_finite(tensor.values()); bad != kAllFinite)
      reader.fail(tensor_label(entry.name) + " holds " + describe_non_finite(tensor, bad) +
                  "; upsample refuses models with NaN or Inf values");
    content.tensors.emplace_back(entry.name, std::move(tensor));
  }
  return content;
}

SafetensorsContent read_safetensors(const std::filesystem::path& path) {
  const std::vector<std::byte> bytes = read_file_bytes(path);
  return parse_safetensors(bytes, path.string());
}

std::vector<std::byte> serialize_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                             const std::map<std::string, std::string>& metadata) {
  // ordered_json keeps __metadata__ first and the tensors in the caller's order, as the
  // Python package lays its header out; the output depends on nothing but the input.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    auto& metadata_json = header["__metadata__"] = nlohmann::ordered_json::object();
    for (const auto& [key, value] : metadata) {
      require_utf8(key, "the metadata key '" + printable(key) + "'");
      require_utf8(value, "the metadata value of '" + printable(key) + "'");
      metadata_json[key] = value;
    }
  }

  std::set<std::string_view> seen;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    const std::string label = tensor_label(name);
    require_utf8(name, "the name of " + label);
    if (name == "__metadata__") throw Error("cannot save a tensor named __metadata__: the name is reserved");
    if (!seen.insert(name).second) throw Error("cannot save: two tensors are named '" + printable(name) + "'");
    if (tensor.empty()) throw Error("cannot save " + label + ": it has no shape and no data");
    if (const std::size_t bad = first_non_finite(tensor.values()); bad != kAllFinite)
      throw Error("cannot save " + label + ": it holds " + describe_non_finite(tensor, bad));
    const std::uint64_t size = static_cast<std::uint64_t>(tensor.numel()) * sizeof(float);
    nlohmann::ordered_json entry = nlohmann::ordered_json::object();
    entry["dtype"] = "F32";
    entry["shape"] = tensor.shape().dims();
    entry["data_offsets"] = nlohmann::ordered_json::array({offset, offset + size});
    header[name] = std::move(entry);
    offset += size;
  }

  std::string header_text = header.dump();
  header_text.append((8 - header_text.size() % 8) % 8, ' ');  // data starts 8-byte aligned

  std::vector<std::byte> bytes(kLengthPrefixBytes + header_text.size() + offset);
  store_u64_le(header_text.size(), bytes.data());
  std::memcpy(bytes.data() + kLengthPrefixBytes, header_text.data(), header_text.size());
  std::byte* out = bytes.data() + kLengthPrefixBytes + header_text.size();
  for (const auto& named : tensors) {
    const std::span<const float> values = named.second.values();
    if constexpr (std::endian::native == std::endian::little) {
      if (!values.empty()) std::memcpy(out, values.data(), values.size_bytes());
      out += values.size_bytes();
    } else {
      for (float value : values) {
        const auto bits = std::bit_cast<std::uint32_t>(value);
        for (int i = 0; i < 4; ++i) *out++ = static_cast<std::byte>((bits >> (8 * i)) & 0xff);
      }
    }
  }
  return bytes;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata, ExistingFile existing) {
  std::vector<std::byte> bytes;
  try {
    bytes = serialize_safetensors(tensors, metadata);
  } catch (const Error& e) {
    throw Error(path.string() + ": " + e.what());
  }
  write_file_atomically(path, bytes, existing);
}

}  // namespace upsample::io
