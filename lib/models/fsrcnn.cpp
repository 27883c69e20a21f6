// FSRCNN (Dong et al. 2016): feature extraction, shrinking, mapping, expanding on the
// low-resolution image, then one 9×9 transposed convolution to upscale: the classic
// deconvolution upsampler, and the one that shows checkerboard artifacts.
#include "models/fsrcnn_body.hpp"
#include "models/model.hpp"
#include "nn/layers.hpp"

namespace upsample::models {

Architecture fsrcnn_architecture() {
  Architecture a;
  a.name = "fsrcnn";
  a.summary = "FSRCNN: conv5×5(d)·PReLU, conv1×1(s)·PReLU, m×conv3×3(s)·PReLU, conv1×1(d)·PReLU, deconv 9×9 stride scale";
  a.defaults = {{"d", "56"}, {"s", "12"}, {"m", "4"}, {"deconv_kernel", "9"}};
  a.build = [](const Metadata& meta, std::mt19937& rng) {
    const int scale = metadata_int(meta, "scale");
    const int k = metadata_int(meta, "deconv_kernel");
    const int c = meta.at("channels") == "rgb" ? 3 : 1;
    nn::Sequential net;
    add_fsrcnn_body(net, input_planes(meta), fsrcnn_body_of(meta), rng);
    // Padding k/2 with output_padding scale−1 makes the output exactly scale × the input.
    auto deconv = std::make_unique<nn::ConvTranspose2d>(fsrcnn_body_of(meta).d, c, k, scale, k / 2, scale - 1);
    nn::init_normal(deconv->weight().value, 0.001, rng);  // as in the paper
    deconv->weight().lr_multiplier = deconv->bias().lr_multiplier = 0.1f;
    net.add(std::move(deconv));
    return net;
  };
  a.parameter_estimate = [](const Metadata& meta) {
    const int64_t k = metadata_int(meta, "deconv_kernel"), c = meta.at("channels") == "rgb" ? 3 : 1;
    return fsrcnn_body_parameter_estimate(meta) + fsrcnn_body_of(meta).d * c * k * k;
  };
  return a;
}

}  // namespace upsample::models
