// Winograd F(4×4, 3×3) against the reference conv (the oracle), on the AVX2 and AVX-512
// kernels: shapes that leave partial tiles and partial blocks at every edge, the channel
// counts of the networks that use it, every activation; and which 3×3 convs take it.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fast_test_util.hpp"
#include "models/model.hpp"
#include "pipeline/tiling.hpp"
#include "test_models.hpp"
#include "test_values.hpp"
#include "ops/conv_pair_plan.hpp"
#include "ops/conv_plan.hpp"
#include "ops/ref/activations_ref.hpp"
#include "ops/ref/conv2d_ref.hpp"
#include "ops/ref/pixel_shuffle_ref.hpp"
#include "ops/ref/prelu_ref.hpp"
#include "ops/x86/winograd.hpp"
#include "ops/x86/winograd_conv.hpp"

namespace upsample {
namespace {

using fast_test::check_close;
using fast_test::each_isa;
using fast_test::random_tensor;
using testing::kSanitizedBuild;

ops::Conv2dParams same_3x3() {
  ops::Conv2dParams p;
  p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = 1;
  return p;
}

Tensor reference(const Tensor& x, const Tensor& w, const Tensor& b, const ops::ConvEpilogue& e) {
  return fast_test::reference_epilogue(ops::ref::conv2d_forward(x, w, b, same_3x3()), e);
}

// Under the sanitizers the sweeps keep every block edge of the widths but fewer heights and
// sizes (kSanitizedBuild).

TEST_CASE("winograd F(4x4, 3x3) matches the reference conv over a sweep of shapes, on every ISA") {
  std::mt19937 rng(23);
  // Widths around the block edges: 4 columns per tile, 24 (AVX2) or 48 (AVX-512) tiles per block.
  const int widths[] = {1, 3, 4, 5, 17, 95, 96, 97, 191, 192, 193, 250};
  const std::vector<int> heights = kSanitizedBuild ? std::vector<int>{1, 6} : std::vector<int>{1, 2, 4, 6, 9};
  const int channels[][2] = {{16, 8}, {64, 32}, {24, 13}, {32, 40}, {17, 9}};
  const ops::Activation activations[] = {ops::Activation::None, ops::Activation::Tanh, ops::Activation::PRelu,
                                         ops::Activation::Relu, ops::Activation::Sigmoid};
  each_isa([&](ops::x86::Isa isa) {
    int index = 0;
    for (const int w : widths)
      for (const int h : heights) {
        const auto& ch = channels[index % 5];
        const ops::Activation act = activations[index % 5];
        ++index;
        // Trained-like scales: each output sums 9·Cin terms of unit-sized inputs.
        const float scale = 1.0f / std::sqrt(9.0f * static_cast<float>(ch[0]));
        const Tensor x = random_tensor(Shape{2, ch[0], h, w}, rng, 1.0f);
        const Tensor wt = random_tensor(Shape{ch[1], ch[0], 3, 3}, rng, scale);
        const Tensor b = random_tensor(Shape{ch[1]}, rng, 0.1f);
        ops::ConvEpilogue e{act, {}};
        if (act == ops::Activation::PRelu) e.prelu_weight = random_tensor(Shape{ch[1]}, rng, 0.3f);
        ops::x86::Epilogue fast_e{act, {}};
        if (act == ops::Activation::PRelu) fast_e.slopes.assign(e.prelu_weight.data(), e.prelu_weight.data() + ch[1]);
        const ops::x86::PackedWinograd packed = ops::x86::pack_winograd(wt, b, fast_e, isa);
        Tensor y = Tensor::uninitialized(Shape{2, ch[1], h, w});
        ops::x86::run_winograd(packed, x, y);
        std::ostringstream what;
        what << ops::x86::isa_name(isa) << " winograd " << ch[0] << "→" << ch[1] << " " << h << "×" << w << " act "
             << static_cast<int>(act);
        check_close(y, reference(x, wt, b, e), what.str(), fast_test::kWinogradScaleTolerance);
      }
  });
}

TEST_CASE("conv plans take winograd for 3x3 same convs with 12+ input channels, and give the reference's result") {
  std::mt19937 rng(5);
  each_isa([&](ops::x86::Isa) {
    for (const int cin : {8, 12, 64}) {
      const Tensor x = random_tensor(Shape{1, cin, 37, 53}, rng, 1.0f);
      const Tensor wt = random_tensor(Shape{32, cin, 3, 3}, rng, 0.05f);
      const Tensor b = random_tensor(Shape{32}, rng, 0.1f);
      const ops::ConvPlan plan(wt, b, same_3x3(), {ops::Activation::Tanh, {}});
      CHECK(plan.uses_winograd() == (cin >= ops::kWinogradMinInChannels));
      check_close(plan.forward(x), reference(x, wt, b, {ops::Activation::Tanh, {}}), "plan C" + std::to_string(cin),
                  fast_test::kWinogradScaleTolerance);
    }
    ops::Conv2dParams strided = same_3x3();
    strided.stride_h = strided.stride_w = 2;
    CHECK_FALSE(ops::ConvPlan(random_tensor(Shape{32, 32, 3, 3}, rng, 0.1f), {}, strided).uses_winograd());
    ops::Conv2dParams valid;
    CHECK_FALSE(ops::ConvPlan(random_tensor(Shape{32, 32, 3, 3}, rng, 0.1f), {}, valid).uses_winograd());
  });
}

TEST_CASE("winograd writes through a pixel shuffle as the reference conv and shuffle do (ESPCN's last layer)") {
  std::mt19937 rng(17);
  const int sizes[][2] = {{1, 1}, {5, 7}, {9, 97}, {6, 193}};
  each_isa([&](ops::x86::Isa isa) {
    for (const int r : {2, 3, 4})
      for (const auto& size : sizes) {
        const int cout = r == 2 ? 8 : r * r;  // ×2 keeps 8 channels: the Winograd minimum
        const Tensor x = random_tensor(Shape{2, 32, size[0], size[1]}, rng, 1.0f);
        const Tensor wt = random_tensor(Shape{cout, 32, 3, 3}, rng, 1.0f / std::sqrt(9.0f * 32.0f));
        const Tensor b = random_tensor(Shape{cout}, rng, 0.1f);
        const ops::ConvPlan plan(wt, b, same_3x3(), {}, r);
        REQUIRE(plan.uses_winograd());
        std::ostringstream what;
        what << ops::x86::isa_name(isa) << " shuffle " << r << " " << size[0] << "×" << size[1];
        check_close(plan.forward(x), ops::ref::pixel_shuffle_forward(reference(x, wt, b, {}), r), what.str(),
                    fast_test::kWinogradScaleTolerance);
      }
  });
}

TEST_CASE("with winograd layers, tiles start on the 4-pixel grid and tiled inference equals the whole image exactly") {
  for (const int scale : {2, 3, 4}) {
    CAPTURE(scale);
    const auto model = models::build_model({{"arch", "espcn"}, {"scale", std::to_string(scale)}}, 3);
    testing::randomise(*model, 4);
    CHECK(pipeline::tile_alignment(model->net()) == 4);
    const cv::Mat image = testing::smooth_random_image(37, 29, CV_32F, 1);
    const cv::Mat whole = pipeline::run_network_tiled(model->net(), image, 0);
    for (int tile : {8, 13, 16}) {
      CAPTURE(tile);
      CHECK(cv::norm(whole, pipeline::run_network_tiled(model->net(), image, tile), cv::NORM_INF) == 0);
    }
  }
}

TEST_CASE("a same conv, a winograd conv and a third conv, as one pass, give the three reference convs' result") {
  std::mt19937 rng(31);
  struct Third {
    int kernel, out, shuffle;
    ops::Activation act;
  };
  // ESPCN's last layers: 32→4 through a shuffle by 2 (direct), 32→9 and 32→16 by 3 and 4
  // (Winograd); and kernels 1, 5 and 9 (padding up to one tile, the halo a block keeps).
  const Third thirds[] = {{3, 4, 2, ops::Activation::None}, {3, 9, 3, ops::Activation::None},
                          {3, 16, 4, ops::Activation::Tanh}, {1, 3, 1, ops::Activation::Relu},
                          {5, 2, 1, ops::Activation::PRelu}, {9, 4, 2, ops::Activation::None}};
  // Widths with partial blocks (184 owned columns per AVX-512 block, 88 per AVX2 one) and
  // one-pixel images; heights that cut a column of blocks into segments, or leave a last
  // tile row of 1–3 rows.
  std::vector<std::array<int, 2>> sizes = {{1, 1}, {5, 3}, {9, 89}, {13, 185}, {6, 370}};
  if (!kSanitizedBuild) sizes.insert(sizes.end(), {{30, 97}, {43, 250}, {2, 560}});
  // The weights, inputs and the reference's results once, for every instruction set.
  const int in = 1, mid = 16, mid2 = 16;  // 16 in: a third conv with 8+ out takes Winograd
  ops::Conv2dParams first_params;
  first_params.pad_top = first_params.pad_bottom = first_params.pad_left = first_params.pad_right = 2;
  const ops::ConvEpilogue e1{ops::Activation::Tanh, {}}, e2{ops::Activation::Tanh, {}};
  struct Case {
    Tensor w1, b1, w2, b2;
    ops::ConvPairPlan::Third third;
    std::vector<Tensor> inputs, expected;
  };
  std::vector<Case> cases;
  for (const Third& t : thirds) {
    ops::Conv2dParams third_params;
    third_params.pad_top = third_params.pad_bottom = third_params.pad_left = third_params.pad_right = t.kernel / 2;
    Case k{random_tensor(Shape{mid, in, 5, 5}, rng, 0.3f), random_tensor(Shape{mid}, rng, 0.1f),
           random_tensor(Shape{mid2, mid, 3, 3}, rng, 1.0f / std::sqrt(9.0f * static_cast<float>(mid))),
           random_tensor(Shape{mid2}, rng, 0.1f),
           {random_tensor(Shape{t.out, mid2, t.kernel, t.kernel}, rng,
                          1.0f / (static_cast<float>(t.kernel) * std::sqrt(static_cast<float>(mid2)))),
            random_tensor(Shape{t.out}, rng, 0.1f), third_params, {t.act, {}}, t.shuffle},
           {},
           {}};
    if (t.act == ops::Activation::PRelu) k.third.epilogue.prelu_weight = random_tensor(Shape{t.out}, rng, 0.3f);
    REQUIRE(ops::same_conv_within_tile(k.third.weight.shape(), third_params));
    for (size_t i = 0; i < sizes.size(); ++i) {
      const Tensor x = random_tensor(Shape{i % 2 == 0 ? 1 : 2, in, sizes[i][0], sizes[i][1]}, rng, 1.0f);
      const Tensor mid_out = ops::ref::tanh_forward(ops::ref::conv2d_forward(x, k.w1, k.b1, first_params));
      const Tensor second_out = reference(mid_out, k.w2, k.b2, e2);
      k.expected.push_back(ops::ref::pixel_shuffle_forward(
          fast_test::reference_epilogue(
              ops::ref::conv2d_forward(second_out, k.third.weight, k.third.bias, third_params), k.third.epilogue),
          t.shuffle));
      k.inputs.push_back(x);
    }
    cases.push_back(std::move(k));
  }
  each_isa([&](ops::x86::Isa isa) {
    for (const Case& k : cases) {
      const ops::ConvPairPlan plan(k.w1, k.b1, first_params, e1, k.w2, k.b2, same_3x3(), e2, &k.third);
      for (size_t i = 0; i < k.inputs.size(); ++i) {
        std::ostringstream what;
        what << ops::x86::isa_name(isa) << " three convs, last " << k.third.weight.shape().str() << " shuffle "
             << k.third.shuffle << " " << k.inputs[i].shape().str();
        check_close(plan.forward(k.inputs[i]), k.expected[i], what.str(), fast_test::kWinogradScaleTolerance);
      }
    }
  });
  // A strided conv, a grouped one or one wider than a tile's halo does not follow.
  ops::Conv2dParams strided = same_3x3();
  strided.stride_h = 2;
  CHECK_FALSE(ops::same_conv_within_tile(Shape{4, 32, 3, 3}, strided));
  ops::Conv2dParams pad5;
  pad5.pad_top = pad5.pad_bottom = pad5.pad_left = pad5.pad_right = 5;
  CHECK_FALSE(ops::same_conv_within_tile(Shape{4, 32, 11, 11}, pad5));
  CHECK(ops::same_conv_within_tile(Shape{4, 32, 3, 3}, same_3x3()));
}

TEST_CASE("a same conv into a winograd conv, as one pass, gives the two reference convs' result") {
  std::mt19937 rng(8);
  struct Pair {
    int in, mid, out, kernel;
    ops::Activation first, second;
  };
  // ESPCN's shape (5×5 into 3×3, tanh), and a 3×3 one with PReLU; sizes with partial
  // blocks and tiles, and heights that cut a column of blocks into several segments.
  const Pair pairs[] = {{1, 16, 8, 5, ops::Activation::Tanh, ops::Activation::Tanh},
                        {3, 24, 32, 3, ops::Activation::PRelu, ops::Activation::None}};
  std::vector<std::array<int, 2>> sizes = {{1, 1}, {3, 5}, {9, 95}, {13, 193}};
  if (!kSanitizedBuild) sizes.insert(sizes.end(), {{30, 97}, {41, 250}});
  each_isa([&](ops::x86::Isa isa) {
    for (const Pair& p : pairs) {
      ops::Conv2dParams first_params;
      first_params.pad_top = first_params.pad_bottom = first_params.pad_left = first_params.pad_right = p.kernel / 2;
      const Tensor w1 = random_tensor(Shape{p.mid, p.in, p.kernel, p.kernel}, rng, 0.3f);
      const Tensor b1 = random_tensor(Shape{p.mid}, rng, 0.1f);
      const Tensor w2 = random_tensor(Shape{p.out, p.mid, 3, 3}, rng, 1.0f / std::sqrt(9.0f * static_cast<float>(p.mid)));
      const Tensor b2 = random_tensor(Shape{p.out}, rng, 0.1f);
      ops::ConvEpilogue e1{p.first, {}}, e2{p.second, {}};
      if (p.first == ops::Activation::PRelu) e1.prelu_weight = random_tensor(Shape{p.mid}, rng, 0.3f);
      REQUIRE(ops::ConvPairPlan::first_suits(w1.shape(), first_params));
      const ops::ConvPairPlan pair(w1, b1, first_params, e1, w2, b2, same_3x3(), e2);
      for (const auto& size : sizes) {
        const Tensor x = random_tensor(Shape{2, p.in, size[0], size[1]}, rng, 1.0f);
        Tensor mid = ops::ref::conv2d_forward(x, w1, b1, first_params);
        if (p.first == ops::Activation::Tanh) mid = ops::ref::tanh_forward(mid);
        if (p.first == ops::Activation::PRelu) mid = ops::ref::prelu_forward(mid, e1.prelu_weight);
        std::ostringstream what;
        what << ops::x86::isa_name(isa) << " pair " << p.in << "→" << p.mid << "→" << p.out << " k" << p.kernel << " "
             << size[0] << "×" << size[1];
        check_close(pair.forward(x), reference(mid, w2, b2, e2), what.str(), fast_test::kWinogradScaleTolerance);
      }
    }
  });
  // A Winograd conv does not start a pair, nor does a strided one.
  ops::Conv2dParams strided = same_3x3();
  strided.stride_h = 2;
  CHECK_FALSE(ops::ConvPairPlan::first_suits(Shape{32, 16, 3, 3}, same_3x3()));
  CHECK_FALSE(ops::ConvPairPlan::first_suits(Shape{32, 8, 3, 3}, strided));
  CHECK(ops::ConvPairPlan::first_suits(Shape{32, 8, 3, 3}, same_3x3()));
}

}  // namespace
}  // namespace upsample
