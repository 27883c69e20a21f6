// libFuzzer target: any bytes as a model file. The reader must refuse what it cannot
// trust with an upsample::Error; what it accepts must survive a write and a re-read.
#include <cstddef>
#include <cstdint>
#include <span>

#include "io/safetensors.hpp"
#include "tensor/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace upsample;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  io::SafetensorsContent content;
  try {
    content = io::parse_safetensors(bytes, "fuzz input");
  } catch (const Error&) {
    return 0;
  }
  std::vector<std::byte> written;
  try {
    written = io::serialize_safetensors(content.tensors, content.metadata);
  } catch (const Error&) {
    return 0;  // the writer refuses NaN, Inf and empty tensors, which the reader takes
  }
  const io::SafetensorsContent again = io::parse_safetensors(written, "fuzz input, written back");
  if (again.tensors.size() != content.tensors.size() || again.metadata != content.metadata) __builtin_trap();
  for (size_t i = 0; i < content.tensors.size(); ++i) {
    const Tensor& a = content.tensors[i].second;
    const Tensor& b = again.tensors[i].second;
    if (content.tensors[i].first != again.tensors[i].first || !(a.shape() == b.shape())) __builtin_trap();
    for (int64_t k = 0; k < a.numel(); ++k)
      if (a.data()[k] != b.data()[k]) __builtin_trap();
  }
  return 0;
}
