// Same convs run depth-first as one pass (ops/conv_chain_plan) against the reference convs
// one by one, on the AVX2 and AVX-512 kernels: direct and Winograd links and both mixed,
// kernels 1 to 9, strips narrow enough that an image has several (their halos meet) and
// heights that leave a last tile row of 1–3 rows; every strip width the same bits; and
// the networks' planner.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fast_test_util.hpp"
#include "models/model.hpp"
#include "ops/conv_chain_plan.hpp"
#include "ops/ref/conv2d_ref.hpp"
#include "test_models.hpp"
#include "test_values.hpp"

namespace upsample {
namespace {

using fast_test::check_close;
using fast_test::each_isa;
using fast_test::random_tensor;
using testing::kSanitizedBuild;
using testing::same_bits;

struct LinkShape {
  int in, out, kernel;
  ops::Activation act;
};

ops::ConvChainPlan::Link random_link(const LinkShape& shape, std::mt19937& rng) {
  ops::Conv2dParams params;
  params.pad_top = params.pad_bottom = params.pad_left = params.pad_right = shape.kernel / 2;
  // Trained-like scales: each output sums k²·Cin terms of unit-sized inputs.
  const float scale = 1.0f / (static_cast<float>(shape.kernel) * std::sqrt(static_cast<float>(shape.in)));
  ops::ConvChainPlan::Link link{random_tensor(Shape{shape.out, shape.in, shape.kernel, shape.kernel}, rng, scale),
                                random_tensor(Shape{shape.out}, rng, 0.1f), params, {shape.act, {}}};
  if (shape.act == ops::Activation::PRelu) link.epilogue.prelu_weight = random_tensor(Shape{shape.out}, rng, 0.3f);
  return link;
}

Tensor one_by_one(const std::vector<ops::ConvChainPlan::Link>& links, Tensor x) {
  for (const auto& link : links)
    x = fast_test::reference_epilogue(ops::ref::conv2d_forward(x, link.weight, link.bias, link.params), link.epilogue);
  return x;
}

TEST_CASE("same convs run depth-first as one pass give the reference convs' result, over strips and heights") {
  std::mt19937 rng(41);
  using ops::Activation;
  // FSRCNN's mapping (direct 3×3 with PReLU); Winograd links (16+ channels in); a mix with
  // 1×1, 5×5 and 9×9 links (padding up to one tile) and a Winograd link after direct ones.
  const std::vector<std::vector<LinkShape>> chains = {
      {{12, 12, 3, Activation::PRelu}, {12, 12, 3, Activation::PRelu}, {12, 12, 3, Activation::PRelu},
       {12, 12, 3, Activation::PRelu}},
      {{16, 16, 3, Activation::PRelu}, {16, 16, 3, Activation::Tanh}, {16, 8, 3, Activation::Relu}},
      {{3, 16, 1, Activation::Relu}, {16, 16, 3, Activation::None}, {16, 8, 5, Activation::Tanh},
       {8, 16, 9, Activation::PRelu}, {16, 16, 3, Activation::PRelu}, {16, 4, 3, Activation::None}},
      // The damage models' depth: eight Winograd links, whose halos reach two tiles.
      std::vector<LinkShape>(8, {16, 16, 3, Activation::PRelu})};
  std::vector<std::array<int, 2>> sizes = {{1, 1}, {5, 3}, {9, 89}, {13, 185}, {30, 21}};
  if (!kSanitizedBuild) sizes.insert(sizes.end(), {{43, 130}, {2, 401}, {57, 40}});
  // The inputs and the reference's results once, for every instruction set.
  struct Case {
    size_t chain;
    Tensor x, expected;
  };
  std::vector<std::vector<ops::ConvChainPlan::Link>> links(chains.size());
  std::vector<Case> cases;
  for (size_t c = 0; c < chains.size(); ++c) {
    for (const LinkShape& shape : chains[c]) links[c].push_back(random_link(shape, rng));
    for (size_t i = 0; i < sizes.size(); ++i) {
      // One image of a strip is cut into the most segments down it (threads' shares).
      Tensor x = random_tensor(Shape{i % 2 == 0 ? 1 : 2, chains[c].front().in, sizes[i][0], sizes[i][1]}, rng, 1.0f);
      Tensor expected = one_by_one(links[c], x);
      cases.push_back({c, std::move(x), std::move(expected)});
    }
  }
  each_isa([&](ops::x86::Isa isa) {
    for (const Case& k : cases) {
      // Strips of the cache budget (one per image here), and narrow ones, which a halo
      // of several tiles overlaps. Every strip width gives the same bits, or tiled
      // inference would not equal the whole image's.
      Tensor first;
      for (const int64_t strip_tiles : {0, 3, 24}) {
        const Tensor y = ops::ConvChainPlan(links[k.chain], strip_tiles).forward(k.x);
        std::ostringstream what;
        what << ops::x86::isa_name(isa) << " chain " << k.chain << " strips of " << strip_tiles << " tiles "
             << k.x.shape().str();
        check_close(y, k.expected, what.str(), fast_test::kWinogradScaleTolerance);
        if (strip_tiles == 0) first = y;
        else CHECK_MESSAGE(same_bits(y, first), what.str() << ": not the bits of one strip");
      }
    }
  });
}

TEST_CASE("a chain needs two same convs that follow each other") {
  std::mt19937 rng(3);
  const auto link = random_link({8, 8, 3, ops::Activation::None}, rng);
  CHECK_THROWS(ops::ConvChainPlan({link}));
  CHECK_THROWS(ops::ConvChainPlan({link, random_link({4, 8, 3, ops::Activation::None}, rng)}));
  auto strided = link;
  strided.params.stride_h = 2;
  CHECK_THROWS(ops::ConvChainPlan({link, strided}));
}

TEST_CASE("FSRCNN networks, planned with or without a chain, give the reference's result") {
  // The clean model (its direct 12→12 mapping layer by layer) and a damage model's shape
  // (a chain of Winograd 32→32 links, three condition planes): the whole planned forward
  // against the reference ISA's.
  const std::vector<models::Metadata> archs = {
      {{"arch", "fsrcnn"}, {"scale", "2"}},
      {{"arch", "fsrcnn"}, {"scale", "3"}, {"s", "32"}, {"m", "8"}, {"condition", "3"}}};
  for (const auto& arch : archs) {
    const auto model = models::build_model(arch, 1);
    testing::randomise(*model, 9);
    const int64_t in = arch.count("condition") != 0 ? 4 : 1;
    std::mt19937 rng(5);
    const Tensor x = random_tensor(Shape{1, in, 37, 61}, rng, 1.0f);
    Tensor reference;
    {
      const ops::x86::ScopedIsa forced(ops::x86::Isa::Ref);
      reference = model->net().forward(x);
    }
    check_close(model->net().forward(x), reference, "fsrcnn" + std::string(in == 4 ? "-real" : ""),
                fast_test::kWinogradScaleTolerance);
  }
}

}  // namespace
}  // namespace upsample
