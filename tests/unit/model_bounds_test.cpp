// Model metadata comes from files and --set: every hyper-parameter is bounded and a huge
// network is refused before anything is allocated, with a one-line message.
#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "cli_runner.hpp"
#include "io/safetensors.hpp"
#include "models/model.hpp"
#include "tensor/error.hpp"
#include "test_values.hpp"

using namespace upsample;

namespace {

// Seconds `load` takes; a refusal must come before any large allocation, so quickly.
template <typename Load>
double seconds_to_refuse(Load load, const std::string& expected) {
  const auto start = std::chrono::steady_clock::now();
  CHECK_THROWS_WITH_AS(load(), doctest::Contains(expected.c_str()), Error);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// A model file with the given metadata and one tiny tensor: what a hand-edited header looks like.
std::filesystem::path write_bounds_test_model(const std::filesystem::path& path, const models::Metadata& metadata) {
  io::write_safetensors(path, {{"0.weight", Tensor(Shape{1})}}, metadata, io::ExistingFile::Replace);
  return path;
}

}  // namespace

TEST_CASE("model metadata out of range is refused at load, naming the file, the key, the value and the range") {
  const testing::ScratchFolder dir;
  const struct {
    models::Metadata metadata;
    std::string expected;
  } cases[] = {
      {{{"arch", "fsrcnn"}, {"scale", "2"}, {"d", "100000000"}}, "metadata 'd' is 100000000, not 1..1024"},
      {{{"arch", "fsrcnn"}, {"scale", "2"}, {"m", "1000000"}}, "metadata 'm' is 1000000, not 0..64"},
      {{{"arch", "fsrcnn"}, {"scale", "2"}, {"d", "0"}}, "metadata 'd' is 0, not 1..1024"},
      {{{"arch", "fsrcnn"}, {"scale", "2"}, {"deconv_kernel", "8"}}, "metadata 'deconv_kernel' is 8, not an odd number in 1..31"},
      {{{"arch", "espcn"}, {"scale", "2"}, {"condition", "-1"}}, "metadata 'condition' is -1, not 0..16"},
      {{{"arch", "resizeconv"}, {"scale", "100"}}, "metadata 'scale' is 100, not 1..8"},
      {{{"arch", "deblur"}, {"scale", "1"}, {"width", "100000"}}, "metadata 'width' is 100000, not 1..256"},
  };
  for (const auto& c : cases) {
    const auto path = write_bounds_test_model(dir / "model.safetensors", c.metadata);
    INFO(c.expected);
    CHECK(seconds_to_refuse([&] { return models::load_model(path); }, path.string() + ": " + c.expected) < 2.0);
  }
}

TEST_CASE("a network over the parameter limit is refused before it is built, from a file or from --set") {
  // Each value is in range, together they describe hundreds of millions of weights.
  const models::Metadata huge = {{"arch", "fsrcnn"}, {"scale", "2"}, {"s", "1024"}, {"m", "64"}};
  CHECK(seconds_to_refuse([&] { return models::build_model(huge); }, "over the limit of 64000000") < 2.0);
  const models::Metadata deep = {{"arch", "deblur"}, {"scale", "1"}, {"width", "256"}, {"depth", "5"}, {"blocks", "8"}};
  CHECK(seconds_to_refuse([&] { return models::build_model(deep); }, "over the limit of 64000000") < 2.0);
  // train --set m=100000000 reaches build_model the same way.
  const models::Metadata from_set = {{"arch", "fsrcnn"}, {"scale", "2"}, {"m", "100000000"}};
  CHECK(seconds_to_refuse([&] { return models::build_model(from_set); }, "metadata 'm' is 100000000, not 0..64") < 2.0);
}

TEST_CASE("the parameter estimate is close to what each architecture builds") {
  for (const auto& arch : models::architectures()) {
    const bool sr = !arch.defaults.count("task") || arch.defaults.at("task") == "sr";
    auto model = models::build_model({{"arch", arch.name}, {"scale", sr ? "3" : "1"}});
    if (!arch.parameter_estimate) continue;
    const auto estimate = arch.parameter_estimate(model->metadata());
    INFO(arch.name, " estimate ", estimate, " built ", model->parameter_count());
    CHECK(estimate <= model->parameter_count());
    CHECK(model->parameter_count() <= 2 * estimate);
  }
}

TEST_CASE("a number too large for a double in a safetensors header is a one-line error naming the file and entry") {
  std::string header = R"({"x":{"dtype":"F32","shape":[1)" + std::string(400, '0') + R"(],"data_offsets":[0,4]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  std::vector<std::byte> bytes(8 + header.size() + 4);
  const uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) bytes[static_cast<size_t>(i)] = static_cast<std::byte>((length >> (8 * i)) & 0xff);
  std::memcpy(bytes.data() + 8, header.data(), header.size());
  try {
    io::parse_safetensors(bytes, "huge.safetensors");
    FAIL("a header with a 400-digit number was accepted");
  } catch (const Error& e) {
    const std::string message = e.what();
    CHECK(message == "huge.safetensors: the header entry of tensor 'x' holds a number too large to read (over 1e308)");
  }
}

TEST_CASE("metadata naming a task its architecture does not do is refused, naming both") {
  // Found by the model fuzzer: a blur estimator whose 'task' no longer said so was run as
  // an upscaler and its codes taken for an image.
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"blur-estimator", "sr"}, {"blur-estimator", "bluchannimate"}, {"deblur", "blur-estimate"}, {"fsrcnn", "deblur"}};
  for (const auto& [arch, task] : cases) {
    CAPTURE(arch);
    CAPTURE(task);
    const std::string scale = arch == "fsrcnn" ? "2" : "1";
    try {
      (void)models::build_model({{"arch", arch}, {"scale", scale}, {"task", task}});
      FAIL("built");
    } catch (const Error& e) {
      CHECK(testing::contains(e.what(), "'task' is '" + task + "'"));
      CHECK(testing::contains(e.what(), "a " + arch + " network"));
    }
  }
  // Each architecture's own task, said or not, builds.
  CHECK(models::build_model({{"arch", "blur-estimator"}, {"scale", "1"}, {"task", "blur-estimate"}})->scale() == 1);
  CHECK(models::build_model({{"arch", "fsrcnn"}, {"scale", "2"}, {"task", "sr"}})->scale() == 2);
  CHECK(models::build_model({{"arch", "deblur"}, {"scale", "1"}})->scale() == 1);
}

TEST_CASE("metadata promising condition planes the network does not read is refused when the model is built") {
  try {
    (void)models::build_model({{"arch", "espcn"}, {"scale", "2"}, {"condition", "2"}});
    FAIL("an espcn told 2 condition planes was built");
  } catch (const Error& e) {
    CHECK(testing::contains(e.what(), "promises 3 input plane(s)"));
  }
  CHECK(models::build_model({{"arch", "fsrcnn"}, {"scale", "2"}, {"condition", "2"}, {"d", "8"}, {"s", "4"}, {"m", "1"}})
            ->condition_planes() == 2);
}
