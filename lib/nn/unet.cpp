#include "nn/unet.hpp"

#include <algorithm>
#include <cmath>
#include <type_traits>

#include "nn/layers.hpp"
#include "ops/add.hpp"
#include "tensor/error.hpp"

namespace upsample::nn {

UpPath parse_up_path(const std::string& name) {
  if (name == "deconv") return UpPath::Deconv;
  if (name == "pixelshuffle") return UpPath::PixelShuffle;
  if (name == "resizeconv") return UpPath::ResizeConv;
  throw Error("up-path '" + name + "' is not one of deconv, pixelshuffle, resizeconv");
}

const char* up_path_name(UpPath up) {
  switch (up) {
    case UpPath::Deconv: return "deconv";
    case UpPath::PixelShuffle: return "pixelshuffle";
    case UpPath::ResizeConv: return "resizeconv";
  }
  return "?";
}

// ---- Building -------------------------------------------------------------------------

namespace {

void add_conv(Sequential& stage, int in, int out, int stride, std::mt19937& rng) {
  auto conv = std::make_unique<Conv2d>(in, out, 3, stride, 1);
  init_kaiming_normal(conv->weight().value, 0.0, rng);
  stage.add(std::move(conv));
  stage.add(std::make_unique<ActivationLayer>(ops::Activation::Relu));
}

void add_up(Sequential& stage, UpPath up, int in, int out, std::mt19937& rng) {
  switch (up) {
    case UpPath::Deconv: {
      // k = 4 = 2·stride: every output pixel gets the same number of kernel taps.
      auto deconv = std::make_unique<ConvTranspose2d>(in, out, 4, 2, 1, 0);
      // He init for the taps that actually reach an output pixel: in·k²/s² of them.
      init_normal(deconv->weight().value, std::sqrt(2.0 / (in * 4.0)), rng);
      stage.add(std::move(deconv));
      break;
    }
    case UpPath::PixelShuffle: {
      auto conv = std::make_unique<Conv2d>(in, out * 4, 3);
      init_icnr(conv->weight().value, 2, rng);
      stage.add(std::move(conv));
      stage.add(std::make_unique<PixelShuffle>(2));
      break;
    }
    case UpPath::ResizeConv: {
      auto conv = std::make_unique<ResizeConv2d>(ops::ResizeMode::Nearest, 2, in, out, 3);
      init_kaiming_normal(conv->weight().value, 0.0, rng);
      stage.add(std::move(conv));
      break;
    }
  }
  stage.add(std::make_unique<ActivationLayer>(ops::Activation::Relu));
}

// Zero-pads a [N, C, H, W] tensor at the bottom and right to rows × cols, or crops it
// back (both are the other's adjoint).
Tensor resized_bottom_right(const Tensor& x, int64_t rows, int64_t cols) {
  const Shape& s = x.shape();
  if (s.h() == rows && s.w() == cols) return x;
  Tensor out(Shape{s.n(), s.c(), rows, cols});
  const int64_t copy_rows = std::min(rows, s.h()), copy_cols = std::min(cols, s.w());
  for (int64_t n = 0; n < s.n(); ++n)
    for (int64_t c = 0; c < s.c(); ++c)
      for (int64_t y = 0; y < copy_rows; ++y) std::copy_n(x.row(n, c, y), copy_cols, out.row(n, c, y));
  return out;
}

void add_into(Tensor& target, const Tensor& delta) {
  check_shape(delta.shape(), target.shape(), "U-Net gradient");
  float* t = target.data();
  const float* d = delta.data();
  for (int64_t i = 0; i < target.numel(); ++i) t[i] += d[i];
}

// The first `channels` planes of x (the image, without the condition planes after it).
Tensor leading_planes(const Tensor& x, int64_t channels) {
  const Shape& s = x.shape();
  if (s.c() == channels) return x;
  Tensor out(Shape{s.n(), channels, s.h(), s.w()});
  for (int64_t n = 0; n < s.n(); ++n)
    for (int64_t c = 0; c < channels; ++c) std::copy_n(x.plane(n, c), s.h() * s.w(), out.plane(n, c));
  return out;
}

// target's first planes += delta (the residual's gradient reaches the image planes only).
void add_into_leading(Tensor& target, const Tensor& delta) {
  const Shape& s = target.shape();
  if (s.n() != delta.shape().n() || s.h() != delta.shape().h() || s.w() != delta.shape().w() || s.c() < delta.shape().c())
    throw Error("U-Net gradient: " + delta.shape().str() + " does not fit the leading planes of " + s.str());
  for (int64_t n = 0; n < s.n(); ++n)
    for (int64_t c = 0; c < delta.shape().c(); ++c) {
      float* t = target.plane(n, c);
      const float* d = delta.plane(n, c);
      for (int64_t i = 0; i < s.h() * s.w(); ++i) t[i] += d[i];
    }
}

}  // namespace

UNet::UNet(const UNetOptions& o, std::mt19937& rng) : options_(o) {
  if (o.channels != 1 && o.channels != 3) throw Error("U-Net: channels must be 1 or 3");
  if (o.depth < 1 || o.depth > 5) throw Error("U-Net: depth must be 1..5, not " + std::to_string(o.depth));
  if (o.width < 1 || o.width > 256) throw Error("U-Net: width must be 1..256, not " + std::to_string(o.width));
  if (o.blocks < 0 || o.blocks > 8) throw Error("U-Net: blocks must be 0..8, not " + std::to_string(o.blocks));
  if (o.condition < 0 || o.condition > 16) throw Error("U-Net: condition planes must be 0..16, not " + std::to_string(o.condition));
  auto width_at = [&](int level) { return o.width << level; };
  add_conv(head_, o.channels + o.condition, o.width, 1, rng);
  enc_.resize(static_cast<size_t>(o.depth));
  down_.resize(enc_.size());
  up_.resize(enc_.size());
  dec_.resize(enc_.size());
  for (int l = 0; l < o.depth; ++l) {
    const auto i = static_cast<size_t>(l);
    for (int b = 0; b < o.blocks; ++b) add_conv(enc_[i], width_at(l), width_at(l), 1, rng);
    add_conv(down_[i], width_at(l), width_at(l + 1), 2, rng);
    add_up(up_[i], o.up, width_at(l + 1), width_at(l), rng);
    for (int b = 0; b < o.blocks; ++b) add_conv(dec_[i], width_at(l), width_at(l), 1, rng);
  }
  for (int b = 0; b < o.blocks; ++b) add_conv(mid_, width_at(o.depth), width_at(o.depth), 1, rng);
  auto tail = std::make_unique<Conv2d>(o.width, o.channels, 3);
  // Starts as (almost) the identity through the global residual: training begins at the
  // blurred input's quality instead of at noise.
  init_normal(tail->weight().value, 1e-3, rng);
  tail_.add(std::move(tail));
  set_name_prefix("");

  // Receptive radius of the longest (main) path, in input pixels. `step` is how many input
  // pixels one feature pixel spans at the current level; resampling layers add one step
  // for the rounding of their grid.
  int radius = 0, step = 1;
  auto walk_layer = [&](const Layer& layer) {
    radius += step * layer.context();
    if (layer.upscale() > 1) {
      radius += step;
      step /= layer.upscale();
    }
  };
  // A resize-conv's own context() rounds its conv's up to whole input pixels; walked as
  // its two parts, the conv's counts at the resized step.
  auto walk = [&](const Stage& stage) {
    for (size_t i = 0; i < stage.size(); ++i) {
      if (const auto* resize_conv = dynamic_cast<const ResizeConv2d*>(&stage[i])) {
        walk_layer(resize_conv->resize());
        walk_layer(resize_conv->conv());
      } else {
        walk_layer(stage[i]);
      }
    }
  };
  walk(head_);
  for (size_t i = 0; i < enc_.size(); ++i) {
    walk(enc_[i]);
    walk(down_[i]);
    radius += step;  // the stride-2 conv's output sits on every other input pixel
    step *= 2;
  }
  walk(mid_);
  for (size_t i = enc_.size(); i-- > 0;) {
    walk(up_[i]);
    walk(dec_[i]);
  }
  walk(tail_);
  context_ = radius;
}

std::string UNet::describe() const {
  return "U-Net depth " + std::to_string(options_.depth) + ", width " + std::to_string(options_.width) + ", " +
         std::to_string(options_.blocks) + " block(s) per stage, " + up_path_name(options_.up) +
         " up-path, global residual" +
         (options_.condition > 0 ? ", told " + std::to_string(options_.condition) + " condition plane(s)" : "");
}

std::vector<std::pair<std::string, UNet::Stage*>> UNet::named_stages() {
  std::vector<std::pair<std::string, Stage*>> all = {{"head.", &head_}};
  for (size_t i = 0; i < enc_.size(); ++i) {
    const std::string index = std::to_string(i) + ".";
    all.emplace_back("enc." + index, &enc_[i]);
    all.emplace_back("down." + index, &down_[i]);
    all.emplace_back("up." + index, &up_[i]);
    all.emplace_back("dec." + index, &dec_[i]);
  }
  all.emplace_back("mid.", &mid_);
  all.emplace_back("tail.", &tail_);
  return all;
}

void UNet::set_name_prefix(const std::string& prefix) {
  for (auto& [name, stage] : named_stages()) stage->set_name_prefix(prefix + name);
}

std::vector<Parameter*> UNet::parameters() {
  std::vector<Parameter*> all;
  for (auto& [name, stage] : named_stages())
    for (Parameter* p : stage->parameters()) all.push_back(p);
  return all;
}

void UNet::weights_changed() {
  for (auto& [name, stage] : named_stages()) stage->weights_changed();
}

// ---- Running --------------------------------------------------------------------------

namespace {
int64_t round_up(int64_t value, int64_t multiple) { return (value + multiple - 1) / multiple * multiple; }
}  // namespace

template <typename Self>
Tensor UNet::run(Self& self, const Tensor& input) {
  constexpr bool training = !std::is_const_v<Self>;
  auto step = [](auto& stage, const Tensor& x) {
    if constexpr (training) return stage.forward_train(x);
    else return stage.forward(x);
  };
  check_rank4(input, "U-Net input");
  const int in_planes = self.options_.channels + self.options_.condition;
  if (input.shape().c() != in_planes)
    throw Error("U-Net: expects " + std::to_string(in_planes) + " input plane(s), got " + std::to_string(input.shape().c()));
  const int64_t align = self.alignment();
  const Tensor padded =
      resized_bottom_right(input, round_up(input.shape().h(), align), round_up(input.shape().w(), align));
  if constexpr (training) {
    self.saved_input_shape_ = input.shape();
    self.saved_padded_shape_ = padded.shape();
  }
  Tensor h = step(self.head_, padded);
  std::vector<Tensor> skips;
  for (size_t i = 0; i < self.enc_.size(); ++i) {
    h = step(self.enc_[i], h);
    skips.push_back(h);
    h = step(self.down_[i], h);
  }
  h = step(self.mid_, h);
  for (size_t i = self.enc_.size(); i-- > 0;) {
    h = ops::add_forward(step(self.up_[i], h), skips[i]);
    h = step(self.dec_[i], h);
  }
  const Tensor restored = ops::add_forward(step(self.tail_, h), leading_planes(padded, self.options_.channels));
  return resized_bottom_right(restored, input.shape().h(), input.shape().w());
}

Tensor UNet::forward(const Tensor& input) const { return run(*this, input); }

Tensor UNet::forward_train(const Tensor& input) { return run(*this, input); }

Tensor UNet::backward(const Tensor& grad_output) { return backward(grad_output, true); }

void UNet::backward_parameters(const Tensor& grad_output) { (void)backward(grad_output, false); }

Tensor UNet::backward(const Tensor& grad_output, bool need_input_gradient) {
  if (saved_padded_shape_.rank() != 4) throw Error("U-Net: backward called without forward_train");
  check_shape(grad_output.shape(), output_shape(saved_input_shape_), "U-Net output gradient");
  // The crop's adjoint: zero gradient for the padding.
  const Tensor grad = resized_bottom_right(grad_output, saved_padded_shape_.h(), saved_padded_shape_.w());
  Tensor g = tail_.backward(grad);
  std::vector<Tensor> skip_grads(enc_.size());
  for (size_t i = 0; i < enc_.size(); ++i) {
    g = dec_[i].backward(g);
    skip_grads[i] = g;  // the additive skip passes the gradient on unchanged
    g = up_[i].backward(g);
  }
  g = mid_.backward(g);
  for (size_t i = enc_.size(); i-- > 0;) {
    g = down_[i].backward(g);
    add_into(g, skip_grads[i]);
    g = enc_[i].backward(g);
  }
  g = head_.backward(g, need_input_gradient);
  if (!need_input_gradient) return Tensor();
  add_into_leading(g, grad);  // the global residual
  return resized_bottom_right(g, saved_input_shape_.h(), saved_input_shape_.w());
}

double UNet::flops(const Shape& input) const {
  const int64_t align = alignment();
  Shape s{input.n(), input.c(), round_up(input.h(), align), round_up(input.w(), align)};
  double total = 0;
  auto count = [&](const Stage& stage) {
    total += stage.flops(s);
    s = stage.output_shape(s);
  };
  count(head_);
  for (size_t i = 0; i < enc_.size(); ++i) {
    count(enc_[i]);
    count(down_[i]);
  }
  count(mid_);
  for (size_t i = enc_.size(); i-- > 0;) {
    count(up_[i]);
    count(dec_[i]);
  }
  count(tail_);
  return total;
}

double UNet::working_bytes(const Shape& input) const {
  // At full resolution a skip, a stage's input and output and the padded input are alive
  // at once; the lower levels add a geometric series (a quarter of the pixels, twice the
  // channels: half as much per level).
  const double pixels = static_cast<double>(input.n() * round_up(input.h(), alignment()) * round_up(input.w(), alignment()));
  return 4.0 * pixels * (2.0 * options_.channels + options_.condition + 3.0 * options_.width * 2.0);
}

}  // namespace upsample::nn
