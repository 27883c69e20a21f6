#pragma once
// Shared by the golden tests: loading the fixtures that tests/make_golden.py wrote with
// PyTorch, and comparing tensors with a report that names the case and the worst element.
#include <exception>
#include <string>
#include <string_view>

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "io/safetensors.hpp"
#include "tensor/tensor.hpp"

namespace upsample::golden {

// The golden tolerance: |actual − expected| ≤ kRelative·|expected| + kAbsolute.
inline constexpr double kRelative = 1e-4;
inline constexpr double kAbsolute = 1e-5;

// The cases of tests/fixtures/golden/<op>.safetensors.
class Fixture {
 public:
  explicit Fixture(const std::string& op);

  int case_count() const { return case_count_; }
  // The case's parameters (its "case<i>" metadata entry).
  nlohmann::json params(int index) const;
  // "<op> case <i> {parameters}" for failure messages.
  std::string describe(int index) const;
  const Tensor& tensor(int index, std::string_view name) const;
  bool has(int index, std::string_view name) const;

 private:
  std::string op_;
  io::SafetensorsContent content_;
  int case_count_ = 0;
};

// One doctest check that `actual` matches `expected` within the golden tolerance; on
// failure the message gives `what`, the number of bad elements and the worst one.
void check_close(const Tensor& actual, const Tensor& expected, const std::string& what);
void check_close(double actual, double expected, const std::string& what);

// Runs one case; an exception fails the check with the case's description instead of
// ending the whole test case, so the remaining cases still run.
template <typename Body>
void run_case(const std::string& what, Body body) {
  INFO(what);
  try {
    body();
  } catch (const std::exception& e) {
    FAIL_CHECK(what << ": threw: " << e.what());
  }
}

}  // namespace upsample::golden
