// The blur estimator: reads a blurred image and says which blur it is, as the three
// numbers of imaging::blur_code, so the deblurring network told the blur (condition=3) can
// work blind. Four stride-2 convolutions bring it to 1/16 resolution, where two more look
// at about 100 pixels around each cell; a 1×1 conv gives each cell's estimate and the
// caller combines them over the image (deblur/blur_estimate.hpp; the blur is assumed the
// same everywhere).
#include "models/model.hpp"
#include "nn/layers.hpp"
#include "tensor/error.hpp"

namespace upsample::models {

Architecture blur_estimator_architecture() {
  Architecture a;
  a.name = "blur-estimator";
  a.summary = "blur estimator: 4 stride-2 conv3×3·ReLU, 2 conv3×3·ReLU, conv1×1 to the 3-number blur code per 16×16 cell";
  a.defaults = {{"task", "blur-estimate"}, {"width", "16"}, {"code_size", "3"}};
  a.build = [](const Metadata& meta, std::mt19937& rng) {
    if (metadata_int(meta, "scale") != 1) throw Error("blur-estimator: works at scale 1");
    if (meta.at("channels") != "y") throw Error("blur-estimator: reads the Y channel only");
    const int w = metadata_int(meta, "width"), code = metadata_int(meta, "code_size");
    if (w < 1 || w > 128) throw Error("blur-estimator: width must be 1..128, not " + std::to_string(w));
    nn::Sequential net;
    auto conv = [&](int in, int out, int stride) {
      auto layer = std::make_unique<nn::Conv2d>(in, out, 3, stride, 1);
      nn::init_kaiming_normal(layer->weight().value, 0.0, rng);
      net.add(std::move(layer));
      net.add(std::make_unique<nn::ActivationLayer>(ops::Activation::Relu));
    };
    conv(1, w, 2);
    conv(w, 2 * w, 2);
    conv(2 * w, 4 * w, 2);
    conv(4 * w, 4 * w, 2);
    conv(4 * w, 4 * w, 1);
    conv(4 * w, 4 * w, 1);
    auto out = std::make_unique<nn::Conv2d>(4 * w, code, 1);
    nn::init_normal(out->weight().value, 1e-3, rng);
    net.add(std::move(out));
    return net;
  };
  return a;
}

}  // namespace upsample::models
