// A 1×1 conv into a transposed conv as one tiled pass, against the two reference layers:
// FSRCNN's expanding layer into its 9×9 deconvolution at every scale, tiles cut at every
// edge, on the AVX2 and AVX-512 kernels.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <random>
#include <sstream>
#include <vector>

#include "fast_test_util.hpp"
#include "ops/pointwise_transposed_plan.hpp"
#include "ops/ref/conv2d_ref.hpp"
#include "ops/ref/conv_transpose2d_ref.hpp"
#include "ops/ref/prelu_ref.hpp"
#include "test_values.hpp"

namespace upsample {
namespace {

using fast_test::check_close;
using fast_test::each_isa;
using fast_test::random_tensor;
using testing::kSanitizedBuild;

TEST_CASE("a 1x1 conv into a transposed conv, tile by tile, gives the two reference layers' result") {
  std::mt19937 rng(12);
  struct Expanding {
    int in, mid, out, kernel, stride;
  };
  // FSRCNN (12→56→1), the damage models (32→56→1), a colour output; sizes past one tile's
  // rows and columns.
  const Expanding cases[] = {{12, 56, 1, 9, 2}, {12, 56, 1, 9, 3}, {32, 56, 1, 9, 4}, {8, 20, 3, 5, 2}};
  std::vector<std::array<int, 2>> sizes = {{1, 1}, {3, 5}, {9, 95}, {17, 300}};
  if (!kSanitizedBuild) sizes.insert(sizes.end(), {{30, 97}, {11, 420}});
  each_isa([&](ops::x86::Isa isa) {
    for (const Expanding& c : cases) {
      ops::ConvTranspose2dParams up;
      up.stride_h = up.stride_w = c.stride;
      up.pad_h = up.pad_w = c.kernel / 2;
      up.output_padding_h = up.output_padding_w = c.stride - 1;
      const Tensor w1 = random_tensor(Shape{c.mid, c.in, 1, 1}, rng, 1.0f / std::sqrt(static_cast<float>(c.in)));
      const Tensor b1 = random_tensor(Shape{c.mid}, rng, 0.1f);
      const Tensor w2 = random_tensor(Shape{c.mid, c.out, c.kernel, c.kernel}, rng, 0.05f);
      const Tensor b2 = random_tensor(Shape{c.out}, rng, 0.1f);
      const ops::ConvEpilogue e1{ops::Activation::PRelu, random_tensor(Shape{c.mid}, rng, 0.3f)};
      REQUIRE(ops::PointwiseTransposedPlan::first_suits(w1.shape(), ops::Conv2dParams{}));
      REQUIRE(ops::PointwiseTransposedPlan::second_suits(w2.shape(), up));
      const ops::PointwiseTransposedPlan pair(w1, b1, ops::Conv2dParams{}, e1, w2, b2, up, {});
      for (const auto& size : sizes) {
        const Tensor x = random_tensor(Shape{2, c.in, size[0], size[1]}, rng, 1.0f);
        const Tensor mid = ops::ref::prelu_forward(ops::ref::conv2d_forward(x, w1, b1, ops::Conv2dParams{}), e1.prelu_weight);
        std::ostringstream what;
        what << ops::x86::isa_name(isa) << " 1x1 " << c.in << "→" << c.mid << " into " << c.kernel << "×" << c.kernel
             << " stride " << c.stride << " →" << c.out << " " << size[0] << "×" << size[1];
        check_close(pair.forward(x), ops::ref::conv_transpose2d_forward(mid, w2, b2, up), what.str());
      }
    }
  });
  // Only a transposed conv whose output is exactly stride × its input is cut into tiles.
  ops::ConvTranspose2dParams other;
  other.stride_h = other.stride_w = 2;
  other.pad_h = other.pad_w = 4;
  CHECK_FALSE(ops::PointwiseTransposedPlan::second_suits(Shape{56, 1, 9, 9}, other));
  other.output_padding_h = other.output_padding_w = 1;
  CHECK(ops::PointwiseTransposedPlan::second_suits(Shape{56, 1, 9, 9}, other));
}

}  // namespace
}  // namespace upsample
