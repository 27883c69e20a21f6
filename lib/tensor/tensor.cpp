#include "tensor/tensor.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>

#include "tensor/error.hpp"
#include "tensor/huge_pages.hpp"

namespace upsample {

namespace {
constexpr size_t kAlignment = 64;

// malloc'd with room to align by hand, not aligned_alloc: glibc serves an aligned request
// by carving a larger block, and once small allocations settle in the carved-off ends, a
// freed tensor's block is too small for the next tensor of the same size, so every layer
// output of every run takes fresh pages (page faults and kernel zeroing). A plain
// request of the same size reuses the block exactly.
std::shared_ptr<float> allocate_aligned(int64_t count) {
  const size_t bytes = std::max<size_t>(1, static_cast<size_t>(count)) * sizeof(float) + kAlignment;
  void* block = std::malloc(bytes);
  if (block == nullptr) throw std::bad_alloc();
  advise_huge_pages(block, bytes);  // layer maps are tens to hundreds of megabytes
  const uintptr_t aligned = (reinterpret_cast<uintptr_t>(block) + kAlignment - 1) / kAlignment * kAlignment;
  return {reinterpret_cast<float*>(aligned), [block](float*) { std::free(block); }};
}
}  // namespace

Shape::Shape(std::initializer_list<int64_t> dims) : Shape(std::span<const int64_t>(dims.begin(), dims.size())) {}

Shape::Shape(std::span<const int64_t> dims) {
  if (dims.size() > static_cast<size_t>(kMaxRank))
    throw Error("tensor rank " + std::to_string(dims.size()) + " exceeds the supported maximum of 4");
  rank_ = static_cast<int>(dims.size());
  bool has_zero = false;
  int64_t count = 1;
  bool overflow = false;
  for (int i = 0; i < rank_; ++i) {
    const int64_t d = dims[static_cast<size_t>(i)];
    if (d < 0) throw Error("negative tensor dimension in shape");
    dims_[static_cast<size_t>(i)] = d;
    has_zero = has_zero || d == 0;
    overflow = overflow || __builtin_mul_overflow(count, d, &count);
  }
  // numel() must not overflow; a zero dimension makes any other size harmless.
  if (overflow && !has_zero) throw Error("tensor shape " + str() + " has too many elements");
}

void Shape::throw_axis_out_of_range(int axis) const {
  throw Error("axis " + std::to_string(axis) + " out of range for shape " + str());
}

void Shape::throw_not_rank4() const { throw Error("expected an N×C×H×W tensor, got shape " + str()); }

int64_t Shape::numel() const {
  if (rank_ == 0) return 0;
  for (int i = 0; i < rank_; ++i)
    if (dims_[static_cast<size_t>(i)] == 0) return 0;
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<size_t>(i)];
  return n;
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[static_cast<size_t>(i)]);
  }
  return s + "]";
}

bool Shape::operator==(const Shape& other) const {
  if (rank_ != other.rank_) return false;
  return std::equal(dims_.begin(), dims_.begin() + rank_, other.dims_.begin());
}

Tensor::Tensor(const Shape& shape) : Tensor(uninitialized(shape)) { std::fill_n(data_, shape.numel(), 0.0f); }

Tensor Tensor::uninitialized(const Shape& shape) {
  Tensor t;
  t.shape_ = shape;
  t.storage_ = allocate_aligned(shape.numel());
  t.data_ = t.storage_.get();
#if defined(__SANITIZE_ADDRESS__)
  // Sanitized builds poison the contents, so a kernel that leaves an element unwritten
  // fails the equality tests instead of passing on a lucky zero.
  std::fill_n(t.data_, shape.numel(), std::numeric_limits<float>::quiet_NaN());
#endif
  return t;
}

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t(shape);
  t.fill(value);
  return t;
}

Tensor Tensor::from(const Shape& shape, std::span<const float> values) {
  if (static_cast<int64_t>(values.size()) != shape.numel())
    throw Error("cannot make a tensor of shape " + shape.str() + " from " + std::to_string(values.size()) +
                " values");
  Tensor t(shape);
  std::copy(values.begin(), values.end(), t.data_);
  return t;
}

Tensor Tensor::clone() const {
  if (empty()) return {};
  Tensor t(shape_);
  std::copy_n(data_, numel(), t.data_);
  return t;
}

Tensor Tensor::batch_slice(int64_t first, int64_t count) const {
  check_rank4(*this, "batch_slice");
  if (first < 0 || count < 0 || first + count > shape_.n())
    throw Error("batch slice [" + std::to_string(first) + ", " + std::to_string(first + count) +
                ") out of range for shape " + shape_.str());
  Tensor v;
  v.storage_ = storage_;
  v.shape_ = Shape{count, shape_.c(), shape_.h(), shape_.w()};
  v.data_ = data_ + first * shape_.c() * shape_.h() * shape_.w();
  return v;
}

Tensor Tensor::reshaped(const Shape& shape) const {
  if (shape.numel() != numel())
    throw Error("cannot reshape " + shape_.str() + " to " + shape.str() + ": element counts differ");
  Tensor v = *this;
  v.shape_ = shape;
  return v;
}

void Tensor::fill(float value) { std::fill_n(data_, numel(), value); }

void check_shape(const Shape& actual, const Shape& expected, const std::string& what) {
  if (!(actual == expected))
    throw Error(what + ": expected shape " + expected.str() + ", got " + actual.str());
}

void check_rank4(const Tensor& t, const std::string& what) {
  if (t.shape().rank() != 4) throw Error(what + ": expected an N×C×H×W tensor, got shape " + t.shape().str());
}

}  // namespace upsample
