// A same conv into a 1×1 conv as one tiled pass, against the two reference convs: tiles
// cut at every edge (rows and columns past the tile size), on the AVX2 and AVX-512 kernels.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "fast_test_util.hpp"
#include "ops/conv_pair_plan.hpp"
#include "ops/conv_pointwise_plan.hpp"
#include "ops/x86/constant_planes.hpp"
#include "ops/ref/conv2d_ref.hpp"
#include "test_values.hpp"

namespace upsample {
namespace {

using fast_test::check_close;
using fast_test::each_isa;
using fast_test::random_tensor;
using testing::kSanitizedBuild;

TEST_CASE("a same conv into a 1x1 conv, tile by tile, gives the two reference convs' result") {
  std::mt19937 rng(11);
  struct Pair {
    int in, mid, out, kernel;
    ops::Activation first, second;
  };
  // FSRCNN's extraction into its shrinking (and the damage model's, told 3 planes), and a
  // 3×3 one; widths past one tile's columns, heights past one tile's rows.
  const Pair pairs[] = {{1, 56, 12, 5, ops::Activation::PRelu, ops::Activation::PRelu},
                        {4, 56, 32, 5, ops::Activation::PRelu, ops::Activation::PRelu},
                        {3, 24, 8, 3, ops::Activation::Tanh, ops::Activation::None}};
  std::vector<std::array<int, 2>> sizes = {{1, 1}, {3, 5}, {9, 95}, {17, 300}};
  if (!kSanitizedBuild) sizes.insert(sizes.end(), {{30, 97}, {13, 700}});
  each_isa([&](ops::x86::Isa isa) {
    for (const Pair& p : pairs) {
      ops::Conv2dParams first_params, pointwise;
      first_params.pad_top = first_params.pad_bottom = first_params.pad_left = first_params.pad_right = p.kernel / 2;
      const Tensor w1 = random_tensor(Shape{p.mid, p.in, p.kernel, p.kernel}, rng, 0.3f);
      const Tensor b1 = random_tensor(Shape{p.mid}, rng, 0.1f);
      const Tensor w2 = random_tensor(Shape{p.out, p.mid, 1, 1}, rng, 1.0f / std::sqrt(static_cast<float>(p.mid)));
      const Tensor b2 = random_tensor(Shape{p.out}, rng, 0.1f);
      ops::ConvEpilogue e1{p.first, {}}, e2{p.second, {}};
      if (p.first == ops::Activation::PRelu) e1.prelu_weight = random_tensor(Shape{p.mid}, rng, 0.3f);
      if (p.second == ops::Activation::PRelu) e2.prelu_weight = random_tensor(Shape{p.out}, rng, 0.3f);
      REQUIRE(ops::ConvPairPlan::first_suits(w1.shape(), first_params));
      REQUIRE(ops::ConvPointwisePlan::second_suits(w2.shape(), pointwise));
      const ops::ConvPointwisePlan pair(w1, b1, first_params, e1, w2, b2, pointwise, e2);
      for (const auto& size : sizes) {
        const Tensor x = random_tensor(Shape{2, p.in, size[0], size[1]}, rng, 1.0f);
        const Tensor mid = fast_test::reference_epilogue(ops::ref::conv2d_forward(x, w1, b1, first_params), e1);
        std::ostringstream what;
        what << ops::x86::isa_name(isa) << " conv into 1x1 " << p.in << "→" << p.mid << "→" << p.out << " k"
             << p.kernel << " " << size[0] << "×" << size[1];
        check_close(pair.forward(x), fast_test::reference_epilogue(ops::ref::conv2d_forward(mid, w2, b2, pointwise), e2), what.str());
      }
    }
  });
  ops::Conv2dParams padded;
  padded.pad_top = padded.pad_bottom = padded.pad_left = padded.pad_right = 1;
  CHECK_FALSE(ops::ConvPointwisePlan::second_suits(Shape{8, 8, 3, 3}, padded));
  CHECK_FALSE(ops::ConvPointwisePlan::second_suits(Shape{8, 8, 1, 1}, padded));
  CHECK(ops::ConvPointwisePlan::second_suits(Shape{8, 8, 1, 1}, ops::Conv2dParams{}));
}

TEST_CASE("input planes constant over each image are read as a bias term, up to the image's edges") {
  std::mt19937 rng(29);
  const auto image = random_tensor(Shape{2, 4, 6, 7}, rng, 1.0f);
  auto with_constant = [&](int64_t from) {
    Tensor x = image.clone();
    for (int64_t n = 0; n < 2; ++n)
      for (int64_t c = from; c < 4; ++c) std::fill_n(x.plane(n, c), 6 * 7, 0.25f * static_cast<float>(n + c));
    return x;
  };
  CHECK(ops::x86::planes_before_constant(image) == 4);
  CHECK(ops::x86::planes_before_constant(with_constant(1)) == 1);
  CHECK(ops::x86::planes_before_constant(with_constant(2)) == 2);
  Tensor middle = with_constant(2);
  middle.plane(1, 3)[41] = 9.0f;  // the last plane varies in one image: none trails
  CHECK(ops::x86::planes_before_constant(middle) == 4);
  CHECK(ops::x86::planes_before_constant(with_constant(0)) == 1);  // the first is always read

  // The damage models' first pair (Y and three condition planes), with one PReLU slope
  // shared and per channel; images smaller than the kernel, and wider than a tile.
  const std::array<int, 2> sizes[] = {{1, 1}, {2, 3}, {5, 4}, {9, 95}, {17, 300}};
  for (const int slopes : {1, 56}) {
    ops::Conv2dParams first_params, pointwise;
    first_params.pad_top = first_params.pad_bottom = first_params.pad_left = first_params.pad_right = 2;
    const Tensor w1 = random_tensor(Shape{56, 4, 5, 5}, rng, 0.3f);
    const Tensor b1 = random_tensor(Shape{56}, rng, 0.1f);
    const Tensor w2 = random_tensor(Shape{32, 56, 1, 1}, rng, 0.13f);
    const Tensor b2 = random_tensor(Shape{32}, rng, 0.1f);
    const ops::ConvEpilogue e1{ops::Activation::PRelu, random_tensor(Shape{slopes}, rng, 0.3f)};
    const ops::ConvEpilogue e2{ops::Activation::PRelu, random_tensor(Shape{32}, rng, 0.3f)};
    for (const auto& size : sizes)
      for (const int64_t from : {1, 2, 3}) {
        if (size[1] > 100 && from > 1) continue;  // the wide image once: the border terms are the same
        Tensor x = random_tensor(Shape{2, 4, size[0], size[1]}, rng, 1.0f);
        for (int64_t n = 0; n < 2; ++n)
          for (int64_t c = from; c < 4; ++c)
            std::fill_n(x.plane(n, c), size[0] * size[1], 0.3f * static_cast<float>(c) - 0.2f * static_cast<float>(n));
        const Tensor mid = fast_test::reference_epilogue(ops::ref::conv2d_forward(x, w1, b1, first_params), e1);
        const Tensor expected = fast_test::reference_epilogue(ops::ref::conv2d_forward(mid, w2, b2, pointwise), e2);
        each_isa([&](ops::x86::Isa isa) {
          const ops::ConvPointwisePlan pair(w1, b1, first_params, e1, w2, b2, pointwise, e2);
          std::ostringstream what;
          what << ops::x86::isa_name(isa) << " planes " << from << "..3 constant, " << slopes << " slope(s), "
               << size[0] << "×" << size[1];
          check_close(pair.forward(x), expected, what.str());
        });
      }
  }
}

}  // namespace
}  // namespace upsample
