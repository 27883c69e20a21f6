#include "ops/x86/isa.hpp"

#include <cstdlib>

namespace upsample::ops::x86 {

namespace {

std::optional<Isa>& override_slot() {
  static std::optional<Isa> slot;
  return slot;
}

Isa clamp_to_cpu(Isa wanted) {
  if (wanted == Isa::Avx512 && !cpu_supports(Isa::Avx512)) wanted = Isa::Avx2;
  if (wanted == Isa::Avx2 && !cpu_supports(Isa::Avx2)) wanted = Isa::Ref;
  return wanted;
}

Isa from_environment() {
  const char* env = std::getenv("UPSAMPLE_ISA");
  if (env != nullptr) {
    if (const auto isa = parse_isa(env)) return clamp_to_cpu(*isa);
  }
  return best_isa();
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::Ref: return "ref";
    case Isa::Avx2: return "avx2";
    case Isa::Avx512: return "avx512";
  }
  return "unknown";
}

std::optional<Isa> parse_isa(const std::string& name) {
  if (name == "ref") return Isa::Ref;
  if (name == "avx2") return Isa::Avx2;
  if (name == "avx512") return Isa::Avx512;
  return std::nullopt;
}

bool cpu_supports(Isa isa) {
  switch (isa) {
    case Isa::Ref: return true;
    case Isa::Avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::Avx512:
      return cpu_supports(Isa::Avx2) && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  }
  return false;
}

Isa best_isa() {
  static const Isa best = cpu_supports(Isa::Avx512) ? Isa::Avx512 : cpu_supports(Isa::Avx2) ? Isa::Avx2 : Isa::Ref;
  return best;
}

Isa active_isa() {
  if (override_slot()) return *override_slot();
  static const Isa chosen = from_environment();
  return chosen;
}

ScopedIsa::ScopedIsa(Isa isa) : previous_(override_slot()) { override_slot() = clamp_to_cpu(isa); }
ScopedIsa::~ScopedIsa() { override_slot() = previous_; }

}  // namespace upsample::ops::x86
