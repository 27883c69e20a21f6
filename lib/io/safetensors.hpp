#pragma once
// safetensors, the model file format: an 8-byte little-endian header length N, N bytes
// of UTF-8 JSON ({name: {"dtype", "shape", "data_offsets"}, optional "__metadata__"}),
// then the data buffer that the offsets point into.
//
// The reader accepts F32, F16 and BF16 tensors of rank 1..4 (half types are widened to
// F32 exactly) and refuses anything it cannot trust, with one line naming the file and,
// where there is one, the tensor. The writer produces F32 files that the Python package
// reads, byte for byte the same for the same input.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "io/atomic_file.hpp"
#include "tensor/tensor.hpp"

namespace upsample::io {

struct SafetensorsContent {
  std::vector<std::pair<std::string, Tensor>> tensors;  // in file order (by data offset)
  std::map<std::string, std::string> metadata;          // "__metadata__"
  // Throws upsample::Error naming the tensor and the source if there is no such tensor.
  const Tensor& get(std::string_view name) const;
  bool contains(std::string_view name) const;
  std::string source;  // file path or name used in messages
};

// The header may not be longer than this. The Python package allows 100 MB, but a model
// of ours lists a few dozen tensors in a few KB, and a 100 MB header parsed costs
// gigabytes before anything can be refused.
inline constexpr std::size_t kMaxSafetensorsHeaderBytes = 1'000'000;
// Nor nested deeper than this: the format itself needs 3 levels (header, tensor, shape).
inline constexpr int kMaxSafetensorsHeaderNesting = 8;

// Reads and validates a whole file; throws upsample::Error naming the file and the problem.
SafetensorsContent read_safetensors(const std::filesystem::path& path);

// Validates and converts the bytes of a file; `source_name` is used in messages.
SafetensorsContent parse_safetensors(std::span<const std::byte> bytes, const std::string& source_name);

// F32 file bytes: tensors in the given order, contiguous; metadata omitted when empty.
// Throws upsample::Error for duplicate or reserved names, empty tensors, NaN or Inf.
std::vector<std::byte> serialize_safetensors(const std::vector<std::pair<std::string, Tensor>>& tensors,
                                             const std::map<std::string, std::string>& metadata);

// serialize_safetensors, then an atomic write (see write_file_atomically).
void write_safetensors(const std::filesystem::path& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::map<std::string, std::string>& metadata,
                       ExistingFile existing = ExistingFile::Replace);

// Exact widening of one IEEE half / bfloat16 value given by its bits (exposed for tests).
float f16_bits_to_float(std::uint16_t bits);
float bf16_bits_to_float(std::uint16_t bits);

}  // namespace upsample::io
