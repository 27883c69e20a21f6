#include "golden_util.hpp"

#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>

#include <doctest/doctest.h>

#include "tensor/error.hpp"

namespace upsample::golden {

namespace {

std::string index_string(const Shape& shape, int64_t flat) {
  std::vector<int64_t> index(static_cast<size_t>(shape.rank()));
  for (int axis = shape.rank() - 1; axis >= 0; --axis) {
    index[static_cast<size_t>(axis)] = flat % shape[axis];
    flat /= shape[axis];
  }
  std::string s = "[";
  for (size_t i = 0; i < index.size(); ++i) s += (i ? ", " : "") + std::to_string(index[i]);
  return s + "]";
}

std::string case_key(int index) { return "case" + std::to_string(index); }

}  // namespace

Fixture::Fixture(const std::string& op)
    : op_(op), content_(io::read_safetensors(std::string(UPSAMPLE_FIXTURES_DIR) + "/golden/" + op + ".safetensors")) {
  const auto count = content_.metadata.find("cases");
  if (count == content_.metadata.end()) throw Error(op + " fixture: no \"cases\" metadata");
  case_count_ = std::stoi(count->second);
}

nlohmann::json Fixture::params(int index) const {
  const auto entry = content_.metadata.find(case_key(index));
  if (entry == content_.metadata.end()) throw Error(op_ + " fixture: no metadata for " + case_key(index));
  return nlohmann::json::parse(entry->second);
}

std::string Fixture::describe(int index) const { return op_ + " " + case_key(index) + " " + params(index).dump(); }

const Tensor& Fixture::tensor(int index, std::string_view name) const {
  return content_.get(case_key(index) + "/" + std::string(name));
}

bool Fixture::has(int index, std::string_view name) const {
  return content_.contains(case_key(index) + "/" + std::string(name));
}

void check_close(const Tensor& actual, const Tensor& expected, const std::string& what) {
  if (!(actual.shape() == expected.shape())) {
    FAIL_CHECK(what << ": shape " << actual.shape().str() << ", expected " << expected.shape().str());
    return;
  }
  int64_t bad = 0, worst = -1;
  double worst_excess = 0.0;  // |diff| / allowed
  const auto a = actual.values();
  const auto e = expected.values();
  for (size_t i = 0; i < a.size(); ++i) {
    const double diff = std::abs(static_cast<double>(a[i]) - static_cast<double>(e[i]));
    const double allowed = kRelative * std::abs(static_cast<double>(e[i])) + kAbsolute;
    const double excess = std::isnan(diff) ? std::numeric_limits<double>::infinity() : diff / allowed;
    if (excess > 1.0) ++bad;
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = static_cast<int64_t>(i);
    }
  }
  if (bad == 0) {
    CHECK(true);
    return;
  }
  const auto w = static_cast<size_t>(worst);
  std::ostringstream message;
  message.precision(9);
  message << what << ": " << bad << " of " << a.size() << " elements out of tolerance; worst at "
          << index_string(actual.shape(), worst) << ": got " << a[w] << ", expected " << e[w] << " (|diff| "
          << std::abs(static_cast<double>(a[w]) - static_cast<double>(e[w])) << ")";
  FAIL_CHECK(message.str());
}

void check_close(double actual, double expected, const std::string& what) {
  const double diff = std::abs(actual - expected);
  std::ostringstream message;
  message.precision(12);
  message << what << ": got " << actual << ", expected " << expected << " (|diff| " << diff << ")";
  CHECK_MESSAGE(diff <= kRelative * std::abs(expected) + kAbsolute, message.str());
}

}  // namespace upsample::golden
