#pragma once
// A small U-Net for image restoration (deblurring), one layer from the outside so that a
// Sequential of it is a model like any other. In the style of RED-Net (Mao et al. 2016):
//
//   head:   conv3×3 C→w, ReLU
//   level l = 0 … depth−1 (width w·2^l):
//     enc[l]:  blocks × (conv3×3, ReLU)                 → skip[l]
//     down[l]: conv3×3 stride 2 → width w·2^(l+1), ReLU
//   mid:    blocks × (conv3×3, ReLU) at 1/2^depth resolution
//   level l = depth−1 … 0:
//     up[l]:   ×2 to width w·2^l, ReLU, then + skip[l]  (additive skip connection)
//     dec[l]:  blocks × (conv3×3, ReLU)
//   tail:   conv3×3 w→C, added to the input             (global residual)
//
// With `condition` = K > 0 the input has C + K planes: the image, then K planes the
// network is told (e.g. a blur's code, constant over the image). The head reads all of
// them; the output has C planes and the residual adds the image planes only.
//
// The ×2 up-path is one of: deconv (transposed conv 4×4 stride 2), pixelshuffle (conv3×3
// to 4× the channels, pixel shuffle, ICNR init) or resizeconv (nearest ×2, conv3×3), so
// the three upsamplers can be compared on this task.
//
// Parameters are named as the PyTorch module with submodules head, enc, down, mid, up,
// dec (nn.Sequential / nn.ModuleList) and tail would name them, e.g. "0.enc.1.0.weight".
//
// Sizes that are not multiples of 2^depth are zero-padded at the bottom and right and the
// result is cropped back. Tiles must start at multiples of alignment() = 2^depth so the
// stride-2 grids of a tile and of the whole image coincide.
#include <random>
#include <string>
#include <vector>

#include "nn/layer.hpp"
#include "nn/sequential.hpp"

namespace upsample::nn {

enum class UpPath { Deconv, PixelShuffle, ResizeConv };

// "deconv", "pixelshuffle", "resizeconv"; parse throws Error naming the choices.
UpPath parse_up_path(const std::string& name);
const char* up_path_name(UpPath up);

struct UNetOptions {
  int channels = 1;  // image planes in and out (1 = Y, 3 = RGB)
  int depth = 2;     // number of stride-2 levels
  int width = 32;    // features at full resolution (doubling per level)
  int blocks = 1;    // conv3×3 + ReLU pairs per encoder, middle and decoder stage
  UpPath up = UpPath::Deconv;
  int condition = 0; // extra input planes after the image's (see above)
};

class UNet final : public Layer {
 public:
  UNet(const UNetOptions& options, std::mt19937& rng);
  std::string describe() const override;
  Shape output_shape(const Shape& input) const override {
    return Shape{input.n(), options_.channels, input.h(), input.w()};
  }
  Tensor forward(const Tensor& input) const override;
  Tensor forward_train(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  void backward_parameters(const Tensor& grad_output) override;
  std::vector<Parameter*> parameters() override;
  int context() const override { return context_; }
  int alignment() const override { return 1 << options_.depth; }
  double working_bytes(const Shape& input) const override;
  double flops(const Shape& input) const override;
  void set_name_prefix(const std::string& prefix) override;
  void weights_changed() override;

 private:
  // Each stage is a Sequential, so inference runs its plan: every conv fused with its
  // ReLU, a resize-conv up-path folded to the low resolution (nn::ResizeConv2d).
  using Stage = Sequential;
  // Every stage in a fixed order with its PyTorch name (for naming and iteration).
  std::vector<std::pair<std::string, Stage*>> named_stages();
  // The forward pass, shared by forward (Self const: no saving) and forward_train.
  template <typename Self>
  static Tensor run(Self& self, const Tensor& input);
  Tensor backward(const Tensor& grad_output, bool need_input_gradient);

  UNetOptions options_;
  Stage head_, mid_, tail_;
  std::vector<Stage> enc_, down_, up_, dec_;
  int context_ = 0;
  Shape saved_input_shape_, saved_padded_shape_;
};

}  // namespace upsample::nn
