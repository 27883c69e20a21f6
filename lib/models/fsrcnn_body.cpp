#include "models/fsrcnn_body.hpp"

#include <memory>

#include "nn/layers.hpp"
#include "tensor/error.hpp"

namespace upsample::models {

FsrcnnBody fsrcnn_body_of(const Metadata& meta) {
  return {metadata_int(meta, "d"), metadata_int(meta, "s"), metadata_int(meta, "m")};
}

int64_t fsrcnn_body_parameter_estimate(const Metadata& meta) {
  const FsrcnnBody body = fsrcnn_body_of(meta);
  const int64_t d = body.d, s = body.s, m = body.m;
  return input_planes(meta) * d * 25 + d * s + m * s * s * 9 + s * d;
}

int input_planes(const Metadata& meta) {
  const int image = meta.at("channels") == "rgb" ? 3 : 1;
  const int condition = meta.count("condition") ? metadata_int(meta, "condition") : 0;
  if (condition < 0 || condition > 8) throw Error("model metadata 'condition' must be 0..8, not " + meta.at("condition"));
  return image + condition;
}

void add_fsrcnn_body(nn::Sequential& net, int in_planes, const FsrcnnBody& body, std::mt19937& rng) {
  auto conv = [&](int in, int out, int kernel) {
    auto layer = std::make_unique<nn::Conv2d>(in, out, kernel);
    nn::init_kaiming_normal(layer->weight().value, 0.25, rng);
    net.add(std::move(layer));
    net.add(std::make_unique<nn::PRelu>(out));
  };
  conv(in_planes, body.d, 5);
  conv(body.d, body.s, 1);
  for (int i = 0; i < body.m; ++i) conv(body.s, body.s, 3);
  conv(body.s, body.d, 1);
}

}  // namespace upsample::models
