#pragma once
// Tensor: dense row-major float32 of rank 1..4 (layout N×C×H×W when rank is 4), on
// 64-byte aligned storage shared between views. A view (batch slice, reshape) costs a
// shared_ptr copy; clone() makes an independent copy.
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace upsample {

class Shape {
 public:
  static constexpr int kMaxRank = 4;
  Shape() = default;
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(std::span<const int64_t> dims);

  int rank() const { return rank_; }
  // Inline: the reference ops index shapes in their innermost loops.
  int64_t operator[](int axis) const {
    if (axis < 0 || axis >= rank_) [[unlikely]] throw_axis_out_of_range(axis);
    return dims_[static_cast<size_t>(axis)];
  }
  int64_t numel() const;
  std::vector<int64_t> dims() const { return {dims_.begin(), dims_.begin() + rank_}; }
  // N, C, H, W of a rank-4 shape (throws for another rank).
  int64_t n() const { return at4(0); }
  int64_t c() const { return at4(1); }
  int64_t h() const { return at4(2); }
  int64_t w() const { return at4(3); }
  std::string str() const;  // "[2, 3, 5, 7]"
  bool operator==(const Shape& other) const;

 private:
  int64_t at4(int axis) const {
    if (rank_ != 4) [[unlikely]] throw_not_rank4();
    return dims_[static_cast<size_t>(axis)];
  }
  [[noreturn]] void throw_axis_out_of_range(int axis) const;
  [[noreturn]] void throw_not_rank4() const;
  std::array<int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

class Tensor {
 public:
  Tensor() = default;                  // empty: no storage, rank 0
  explicit Tensor(const Shape& shape); // zero-filled
  static Tensor zeros(const Shape& shape) { return Tensor(shape); }
  // Contents unspecified (NaN in sanitized builds): for outputs a kernel writes in full,
  // to save the pass over memory that zero-filling costs.
  static Tensor uninitialized(const Shape& shape);
  static Tensor full(const Shape& shape, float value);
  static Tensor from(const Shape& shape, std::span<const float> values);

  const Shape& shape() const { return shape_; }
  int64_t numel() const { return shape_.numel(); }
  bool empty() const { return data_ == nullptr; }
  float* data() { return data_; }
  const float* data() const { return data_; }
  std::span<float> values() { return {data_, static_cast<size_t>(numel())}; }
  std::span<const float> values() const { return {data_, static_cast<size_t>(numel())}; }

  // Rank-4 element access (no bounds check in release builds).
  float& at(int64_t n, int64_t c, int64_t h, int64_t w) { return data_[offset(n, c, h, w)]; }
  float at(int64_t n, int64_t c, int64_t h, int64_t w) const { return data_[offset(n, c, h, w)]; }
  // Pointer to row (n, c, h) of a rank-4 tensor.
  float* row(int64_t n, int64_t c, int64_t h) { return data_ + offset(n, c, h, 0); }
  const float* row(int64_t n, int64_t c, int64_t h) const { return data_ + offset(n, c, h, 0); }
  // Pointer to plane (n, c) of a rank-4 tensor.
  float* plane(int64_t n, int64_t c) { return data_ + offset(n, c, 0, 0); }
  const float* plane(int64_t n, int64_t c) const { return data_ + offset(n, c, 0, 0); }

  Tensor clone() const;
  // View of images [first, first+count) of a rank-4 tensor (shares storage).
  Tensor batch_slice(int64_t first, int64_t count) const;
  // View with another shape of the same element count (shares storage).
  Tensor reshaped(const Shape& shape) const;
  void fill(float value);

 private:
  int64_t offset(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return ((n * shape_[1] + c) * shape_[2] + h) * shape_[3] + w;
  }
  std::shared_ptr<float> storage_;
  float* data_ = nullptr;
  Shape shape_;
};

// Throws upsample::Error naming `what` unless `actual` equals `expected`.
void check_shape(const Shape& actual, const Shape& expected, const std::string& what);
// Throws unless `t` has rank 4.
void check_rank4(const Tensor& t, const std::string& what);

}  // namespace upsample
