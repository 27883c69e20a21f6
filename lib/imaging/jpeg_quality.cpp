#include "imaging/jpeg_quality.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tensor/error.hpp"

namespace upsample::imaging {

namespace {

// Position k of a DQT segment holds the natural-order entry kZigZagToNatural[k].
constexpr std::array<uint8_t, 64> kZigZagToNatural = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,  12, 19, 26, 33, 40, 48,
    41, 34, 27, 20, 13, 6,  7,  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23,
    30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

// JPEG standard Annex K, natural order: the tables libjpeg scales.
constexpr JpegQuantTable kStandardLuma = {
    16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
    14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
    18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
constexpr JpegQuantTable kStandardChroma = {
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99,
    99, 99, 47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

constexpr uint8_t kSoi = 0xD8, kEoi = 0xD9, kSos = 0xDA, kDqt = 0xDB, kTem = 0x01;
// What jpeg_quality_of_file reads: the tables follow the metadata segments (EXIF with its
// thumbnail, ICC profile, XMP), which rarely come to more.
constexpr std::size_t kHeaderReadLimit = 256 * 1024;

std::string hex_byte(unsigned value) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", value & 0xFFu);
  return text;
}

bool is_standalone_marker(uint8_t marker) { return marker == kTem || (marker >= 0xD0 && marker <= 0xD7); }

// Start-of-frame markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC).
bool is_frame_marker(uint8_t marker) {
  return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// A DQT payload: one or more tables, each Pq/Tq then 64 entries of 1 (Pq = 0) or 2 bytes.
void read_dqt(std::span<const uint8_t> payload, JpegQuantTables& tables) {
  while (!payload.empty()) {
    const unsigned precision = payload[0] >> 4, slot = payload[0] & 0x0Fu;
    if (precision > 1) throw Error("JPEG DQT: table precision " + std::to_string(precision) + " is not 0 or 1");
    if (slot > 3) throw Error("JPEG DQT: table destination " + std::to_string(slot) + " is not 0 to 3");
    const std::size_t entry_bytes = precision + 1;
    if (payload.size() < 1 + 64 * entry_bytes) throw Error("JPEG DQT: segment ends inside a table");
    JpegQuantTable table{};
    for (std::size_t k = 0; k < 64; ++k) {
      const uint8_t* entry = &payload[1 + k * entry_bytes];
      table[kZigZagToNatural[k]] = static_cast<uint16_t>(entry_bytes == 2 ? (entry[0] << 8) | entry[1] : entry[0]);
    }
    tables.slots[slot] = table;
    payload = payload.subspan(1 + 64 * entry_bytes);
  }
}

// A frame header: precision, height, width, Nf, then (id, sampling, Tq) per component.
void read_frame_header(std::span<const uint8_t> payload, JpegQuantTables& tables) {
  if (payload.size() < 6) throw Error("JPEG SOF: frame header is too short");
  const std::size_t components = payload[5];
  if (components == 0 || payload.size() < 6 + 3 * components)
    throw Error("JPEG SOF: frame header does not hold its " + std::to_string(components) + " components");
  const auto table_of = [&](std::size_t component) {
    const int slot = payload[6 + 3 * component + 2];
    if (slot > 3) throw Error("JPEG SOF: quantisation table " + std::to_string(slot) + " is not 0 to 3");
    return slot;
  };
  tables.luma_slot = table_of(0);
  tables.chroma_slot.reset();
  if (components >= 2 && table_of(1) != tables.luma_slot) tables.chroma_slot = table_of(1);
}

// Walks the markers from SOI to the first scan. `bytes_are_prefix`: the data is the start
// of a longer file, so running out of it ends the walk instead of meaning truncation.
std::optional<JpegQuantTables> read_header(std::span<const uint8_t> bytes, bool bytes_are_prefix) {
  if (bytes.size() < 2 || bytes[0] != 0xFF || bytes[1] != kSoi) return std::nullopt;
  JpegQuantTables tables;
  bool seen_frame = false;
  const auto result = [&]() -> std::optional<JpegQuantTables> {
    const bool any = std::any_of(tables.slots.begin(), tables.slots.end(), [](const auto& t) { return t.has_value(); });
    if (!any) return std::nullopt;
    if (!seen_frame && tables.slots[1]) tables.chroma_slot = 1;
    return tables;
  };
  const auto out_of_data = [&](std::size_t at) {
    if (bytes_are_prefix) return result();
    throw Error("JPEG header is truncated at byte " + std::to_string(at) + ", before the first scan");
  };

  std::size_t pos = 2;
  for (;;) {
    if (pos >= bytes.size()) return out_of_data(pos);
    if (bytes[pos] != 0xFF)
      throw Error("JPEG header: expected a marker at byte " + std::to_string(pos) + ", found " + hex_byte(bytes[pos]));
    while (pos < bytes.size() && bytes[pos] == 0xFF) ++pos;  // fill bytes may pad any marker
    if (pos >= bytes.size()) return out_of_data(pos);
    const uint8_t marker = bytes[pos++];
    if (is_standalone_marker(marker)) continue;
    if (marker == kSos || marker == kEoi) return result();  // EOI first: a tables-only stream
    if (marker == 0x00 || marker == kSoi)
      throw Error("JPEG header: marker " + hex_byte(marker) + " at byte " + std::to_string(pos - 1) + " is out of place");
    if (bytes.size() - pos < 2) return out_of_data(pos);
    const std::size_t length = (std::size_t{bytes[pos]} << 8) | bytes[pos + 1];
    if (length < 2) throw Error("JPEG header: segment " + hex_byte(marker) + " has length " + std::to_string(length));
    if (bytes.size() - pos < length) return out_of_data(pos);
    const auto payload = bytes.subspan(pos + 2, length - 2);
    if (marker == kDqt) read_dqt(payload, tables);
    if (is_frame_marker(marker) && !seen_frame) {
      read_frame_header(payload, tables);
      seen_frame = true;
    }
    pos += length;
  }
}

int ijg_entry(int standard, int quality, int max_entry) {
  const int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  return std::clamp((standard * scale + 50) / 100, 1, max_entry);
}

struct TableMisfit {
  double squared = 0, absolute = 0;
};

// How far `table` is from IJG's scaling of `standard` at `quality`. libjpeg clamps to 255
// for baseline files and writes a 16-bit table only when an entry needs it, so a table
// with nothing above 255 is compared with the baseline clamp.
void add_misfit(const JpegQuantTable& table, const JpegQuantTable& standard, int quality, TableMisfit& misfit) {
  const int max_entry = *std::max_element(table.begin(), table.end()) > 255 ? 32767 : 255;
  for (std::size_t i = 0; i < 64; ++i) {
    const double difference = table[i] - ijg_entry(standard[i], quality, max_entry);
    misfit.squared += difference * difference;
    misfit.absolute += std::abs(difference);
  }
}

// The table in `slot`, or null when the slot is out of range or holds none.
const JpegQuantTable* table_in(const JpegQuantTables& tables, int slot) {
  if (slot < 0 || slot > 3) return nullptr;
  const auto& table = tables.slots[static_cast<std::size_t>(slot)];
  return table ? &*table : nullptr;
}

}  // namespace

std::optional<JpegQuantTables> read_jpeg_quant_tables(std::span<const uint8_t> bytes) {
  return read_header(bytes, false);
}

std::optional<JpegQualityEstimate> estimate_jpeg_quality(const JpegQuantTables& tables) {
  const JpegQuantTable* luma = table_in(tables, tables.luma_slot);
  if (!luma) return std::nullopt;
  const JpegQuantTable* chroma = tables.chroma_slot ? table_in(tables, *tables.chroma_slot) : nullptr;
  const double entries = chroma ? 128.0 : 64.0;

  JpegQualityEstimate best;
  double best_squared = 0;
  for (int quality = 1; quality <= 100; ++quality) {
    TableMisfit misfit;
    add_misfit(*luma, kStandardLuma, quality, misfit);
    if (chroma) add_misfit(*chroma, kStandardChroma, quality, misfit);
    if (quality == 1 || misfit.squared < best_squared) {
      best_squared = misfit.squared;
      best = {static_cast<double>(quality), misfit.absolute / entries};
    }
  }
  return best;
}

std::optional<JpegQualityEstimate> jpeg_quality_of_file(const std::filesystem::path& path) {
  std::error_code status_error;
  const auto type = std::filesystem::status(path, status_error).type();
  if (type == std::filesystem::file_type::not_found) throw Error(path.string() + ": no such file");
  // Anything else (a FIFO, a device) could block or never end.
  if (type != std::filesystem::file_type::regular) throw Error(path.string() + ": not a regular file");
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path.string() + ": cannot open");
  std::vector<uint8_t> bytes(kHeaderReadLimit + 1);
  file.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (file.bad()) throw Error(path.string() + ": read error");
  bytes.resize(static_cast<std::size_t>(file.gcount()));
  // One byte past the limit tells a file that ends there from one that goes on.
  const bool is_prefix = bytes.size() > kHeaderReadLimit;
  if (is_prefix) bytes.resize(kHeaderReadLimit);
  try {
    const auto tables = read_header(bytes, is_prefix);
    return tables ? estimate_jpeg_quality(*tables) : std::nullopt;
  } catch (const Error& e) {
    throw Error(path.string() + ": " + e.what());
  }
}

}  // namespace upsample::imaging
