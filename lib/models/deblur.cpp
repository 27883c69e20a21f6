// The deblurring network: a U-Net (nn/unet.hpp) at scale 1 whose up-path is a transposed
// conv, a pixel shuffle or a resize-conv, working on Y like the SR models. With
// condition=3 it is also told the blur: the three planes of its code (imaging::blur_code)
// follow the image's, given by the user's --psf or by the blur estimator. With
// prefilter=wiener its input is the Wiener deconvolution with that blur's kernel
// (deblur/told_network.hpp); the network itself is the same.
#include "models/model.hpp"
#include "nn/unet.hpp"
#include "tensor/error.hpp"

namespace upsample::models {

Architecture deblur_architecture() {
  Architecture a;
  a.name = "deblur";
  a.summary = "deblurring U-Net: stride-2 convs down, deconv/pixelshuffle/resizeconv up, skips, global residual";
  a.defaults = {{"task", "deblur"}, {"up", "deconv"}, {"depth", "2"}, {"width", "32"}, {"blocks", "1"},
                {"condition", "0"}, {"prefilter", "none"}, {"prefilter_nsr", "0.01"}};
  a.build = [](const Metadata& meta, std::mt19937& rng) {
    if (metadata_int(meta, "scale") != 1) throw Error("deblur: the deblurring network works at scale 1");
    nn::UNetOptions o;
    o.channels = meta.at("channels") == "rgb" ? 3 : 1;
    o.depth = metadata_int(meta, "depth");
    o.width = metadata_int(meta, "width");
    o.blocks = metadata_int(meta, "blocks");
    o.up = nn::parse_up_path(meta.at("up"));
    o.condition = metadata_int(meta, "condition");
    if (o.condition != 0 && o.condition != 3)
      throw Error("deblur: condition must be 0 (blind) or 3 (told the blur code), not " + meta.at("condition"));
    nn::Sequential net;
    net.add(std::make_unique<nn::UNet>(o, rng));
    return net;
  };
  // The 3×3 convolutions of each level (nn/unet.hpp), with the up-path counted as one more.
  a.parameter_estimate = [](const Metadata& meta) {
    const int depth = metadata_int(meta, "depth");
    const int64_t width = metadata_int(meta, "width"), blocks = metadata_int(meta, "blocks");
    int64_t values = 0;
    for (int level = 0; level < depth; ++level) {
      const int64_t here = width << level, below = width << (level + 1);
      values += 2 * blocks * 9 * here * here + 2 * 9 * here * below;
    }
    const int64_t bottom = width << depth;
    return values + blocks * 9 * bottom * bottom;
  };
  return a;
}

}  // namespace upsample::models
