// libFuzzer target: any bytes as a model file, through the model builder. A file that
// loads must run: its network is applied to a small image, and the output must have the
// shape the model promises (an image `scale` times larger, for all but the blur estimator).
#include <cstddef>
#include <cstdint>
#include <span>

#include "io/safetensors.hpp"
#include "models/model.hpp"
#include "tensor/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace upsample;
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  std::unique_ptr<models::Model> model;
  try {
    model = models::model_from_file(io::parse_safetensors(bytes, "fuzz input"), "fuzz input");
  } catch (const Error&) {
    return 0;
  }
  const int64_t side = 7;  // odd, and not a multiple of any block or tile
  Tensor x(Shape{1, model->channels() + model->condition_planes(), side, side});
  for (int64_t i = 0; i < x.numel(); ++i) x.data()[i] = static_cast<float>(i % 13) / 12.0f;
  const Tensor y = model->forward(x);
  const auto task = model->metadata().find("task");
  if (task != model->metadata().end() && task->second == "blur-estimate") return 0;  // a code, not an image
  if (!(y.shape() == Shape{1, model->channels(), side * model->scale(), side * model->scale()})) __builtin_trap();
  return 0;
}
