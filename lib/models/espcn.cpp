// ESPCN (Shi et al. 2016): three convolutions on the low-resolution image, the last one
// with scale² channels, rearranged into the image by a pixel shuffle (sub-pixel conv).
#include "models/model.hpp"
#include "nn/layers.hpp"

namespace upsample::models {

Architecture espcn_architecture() {
  Architecture a;
  a.name = "espcn";
  a.summary = "ESPCN: conv5×5(64)·tanh, conv3×3(32)·tanh, conv3×3(scale²), pixel shuffle";
  a.defaults = {{"features1", "64"}, {"features2", "32"}, {"icnr", "true"}};
  a.build = [](const Metadata& meta, std::mt19937& rng) {
    const int scale = metadata_int(meta, "scale");
    const int f1 = metadata_int(meta, "features1"), f2 = metadata_int(meta, "features2");
    const int c = meta.at("channels") == "rgb" ? 3 : 1;
    nn::Sequential net;
    auto first = std::make_unique<nn::Conv2d>(c, f1, 5);
    nn::init_kaiming_normal_fan_out(first->weight().value, rng);
    net.add(std::move(first));
    net.add(std::make_unique<nn::ActivationLayer>(ops::Activation::Tanh));
    auto second = std::make_unique<nn::Conv2d>(f1, f2, 3);
    nn::init_kaiming_normal_fan_out(second->weight().value, rng);
    net.add(std::move(second));
    net.add(std::make_unique<nn::ActivationLayer>(ops::Activation::Tanh));
    // The last conv starts near zero, as FSRCNN's paper starts its deconvolution: a
    // full-scale start trains to a worse model (weights/HISTORY.md). ICNR keeps that scale.
    auto last = std::make_unique<nn::Conv2d>(f2, c * scale * scale, 3);
    constexpr double kLastLayerStd = 0.001;
    if (meta.at("icnr") == "true") nn::init_icnr(last->weight().value, scale, rng, kLastLayerStd);
    else nn::init_normal(last->weight().value, kLastLayerStd, rng);
    last->weight().lr_multiplier = last->bias().lr_multiplier = 0.1f;  // as the paper
    net.add(std::move(last));
    net.add(std::make_unique<nn::PixelShuffle>(scale));
    return net;
  };
  a.parameter_estimate = [](const Metadata& meta) {
    const int64_t scale = metadata_int(meta, "scale"), c = meta.at("channels") == "rgb" ? 3 : 1;
    const int64_t f1 = metadata_int(meta, "features1"), f2 = metadata_int(meta, "features2");
    return c * f1 * 25 + f1 * f2 * 9 + f2 * c * scale * scale * 9;
  };
  return a;
}

}  // namespace upsample::models
