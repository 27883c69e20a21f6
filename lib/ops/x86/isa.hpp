#pragma once
// Which instruction set the fast paths use. The CPU is checked once; the environment
// variable UPSAMPLE_ISA=avx512|avx2|ref forces a path (for tests and benchmarks), and so
// does ScopedIsa inside one process. A request the CPU cannot run falls back to the best
// path it can.
#include <optional>
#include <string>

namespace upsample::ops::x86 {

enum class Isa { Ref, Avx2, Avx512 };

const char* isa_name(Isa isa);
// "ref", "avx2", "avx512" → Isa; nullopt for anything else.
std::optional<Isa> parse_isa(const std::string& name);

// The best path this CPU runs.
Isa best_isa();
bool cpu_supports(Isa isa);
// The path the ops take now: the override if one is set, else UPSAMPLE_ISA, else the best.
Isa active_isa();

// Forces `isa` (clamped to what the CPU runs) until destroyed. Not thread-safe: set it
// before starting work, as tests and the benchmark do.
class ScopedIsa {
 public:
  explicit ScopedIsa(Isa isa);
  ~ScopedIsa();
  ScopedIsa(const ScopedIsa&) = delete;
  ScopedIsa& operator=(const ScopedIsa&) = delete;

 private:
  std::optional<Isa> previous_;
};

}  // namespace upsample::ops::x86
