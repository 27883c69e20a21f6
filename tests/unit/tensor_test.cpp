#include <doctest/doctest.h>

#include <cstdint>

#include "tensor/error.hpp"
#include "tensor/tensor.hpp"

using upsample::Error;
using upsample::Shape;
using upsample::Tensor;

TEST_CASE("tensor storage is 64-byte aligned, zeroed and sized by its shape") {
  Tensor t(Shape{2, 3, 5, 7});
  CHECK(t.numel() == 210);
  CHECK(reinterpret_cast<std::uintptr_t>(t.data()) % 64 == 0);
  for (float v : t.values()) CHECK(v == 0.0f);
  t.at(1, 2, 4, 6) = 3.5f;
  CHECK(t.data()[209] == 3.5f);
  CHECK(t.row(1, 2, 4)[6] == 3.5f);
}

TEST_CASE("views share storage, clone does not") {
  Tensor t = Tensor::full(Shape{3, 1, 2, 2}, 1.0f);
  Tensor view = t.batch_slice(1, 2);
  CHECK(view.shape() == Shape{2, 1, 2, 2});
  view.at(0, 0, 0, 0) = 9.0f;
  CHECK(t.at(1, 0, 0, 0) == 9.0f);
  Tensor copy = t.clone();
  copy.at(0, 0, 0, 0) = -1.0f;
  CHECK(t.at(0, 0, 0, 0) == 1.0f);
  Tensor flat = t.reshaped(Shape{12});
  CHECK(flat.data() == t.data());
}

TEST_CASE("shape errors say what was expected") {
  Tensor t(Shape{1, 2, 3, 4});
  CHECK_THROWS_AS(t.batch_slice(1, 1), Error);
  CHECK_THROWS_WITH_AS(t.reshaped(Shape{5}), "cannot reshape [1, 2, 3, 4] to [5]: element counts differ", Error);
  CHECK_THROWS_WITH_AS(upsample::check_shape(t.shape(), Shape{1, 2, 3, 5}, "conv2d input"),
                       "conv2d input: expected shape [1, 2, 3, 5], got [1, 2, 3, 4]", Error);
  CHECK_THROWS_AS(Tensor(Shape{3}).shape().h(), Error);
  CHECK_THROWS_AS(Tensor::from(Shape{2}, std::vector<float>{1, 2, 3}), Error);
}
