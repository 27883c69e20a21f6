// Resize-convolution (Odena et al. 2016): FSRCNN's body, but the upscaling is a plain
// resize followed by a stride-1 convolution, which cannot overlap unevenly and so leaves
// no checkerboard.
#include "models/fsrcnn_body.hpp"
#include "models/model.hpp"
#include "nn/layers.hpp"
#include "tensor/error.hpp"

namespace upsample::models {

Architecture resizeconv_architecture() {
  Architecture a;
  a.name = "resizeconv";
  a.summary = "resize-conv: FSRCNN body, then nearest (or bilinear) resize ×scale and a conv k×k (k = 2·scale+1)";
  a.defaults = {{"d", "56"}, {"s", "12"}, {"m", "4"}, {"resize", "nearest"}};
  // 2·scale+1 is the widest kernel whose nearest-resize form folds to a 3×3 convolution at
  // the low resolution (nn::ResizeConv2d): it costs no more than a
  // smaller one, and each output pixel sees the 3×3 LR pixels around it, as through
  // FSRCNN's 9×9 transposed conv at ×3.
  a.scale_defaults = [](int scale) { return Metadata{{"kernel", std::to_string(2 * scale + 1)}}; };
  a.build = [](const Metadata& meta, std::mt19937& rng) {
    const int scale = metadata_int(meta, "scale");
    const int k = metadata_int(meta, "kernel");
    const int c = meta.at("channels") == "rgb" ? 3 : 1;
    const std::string& mode = meta.at("resize");
    if (mode != "nearest" && mode != "bilinear")
      throw Error("resizeconv: 'resize' must be nearest or bilinear, not '" + mode + "'");
    nn::Sequential net;
    add_fsrcnn_body(net, input_planes(meta), fsrcnn_body_of(meta), rng);
    // One layer for PyTorch's nn.Upsample and nn.Conv2d: its tensors take the conv's index,
    // as that model names them ("15.weight" after the default body's 0 … 13).
    const ops::ResizeMode resize = mode == "nearest" ? ops::ResizeMode::Nearest : ops::ResizeMode::Bilinear;
    auto last = std::make_unique<nn::ResizeConv2d>(resize, scale, fsrcnn_body_of(meta).d, c, k);
    nn::init_normal(last->weight().value, 0.001, rng);
    last->weight().lr_multiplier = last->bias().lr_multiplier = 0.1f;
    net.add(std::move(last));
    return net;
  };
  a.parameter_estimate = [](const Metadata& meta) {
    const int64_t k = metadata_int(meta, "kernel"), c = meta.at("channels") == "rgb" ? 3 : 1;
    return fsrcnn_body_parameter_estimate(meta) + fsrcnn_body_of(meta).d * c * k * k;
  };
  return a;
}

}  // namespace upsample::models
