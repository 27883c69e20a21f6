#pragma once
// What a damage-aware super-resolution model is told about its input: constant planes,
// the JPEG strength, the noise level and (models with three) the aliasing of the shrink
// that made it, as FFDNet is told its noise level. The same encoding is used in training
// (the damage drawn) and at run time (the damage read from the file, or asked for by the
// user).
#include <vector>

namespace upsample::pipeline {

// The planes of the newest models; the first damage models read only the first two.
constexpr int kDamageConditionPlanes = 3;
constexpr int kFewestDamageConditionPlanes = 2;
inline bool is_damage_condition(int planes) {
  return planes >= kFewestDamageConditionPlanes && planes <= kDamageConditionPlanes;
}

// jpeg_quality: the IJG quality (1–100) the input was saved at, 0 when it is not a JPEG;
// luma_noise_sigma: σ of the noise in the Y plane the network reads, in 8-bit levels
// (what an estimate on Y measures, whether the noise was in colour or grey); aliasing:
// imaging::downscale_aliasing of the shrink (imaging::kAntialiasedAliasing for a proper
// one). Planes: (100 − quality) / 100 (0 for no JPEG), σ / 10, and the aliasing above a
// proper shrink's as a share of the most there is (0 … 1); the first `planes` of them.
std::vector<float> damage_condition(double jpeg_quality, double luma_noise_sigma, double aliasing, int planes);

// σ in Y of Gaussian noise of σ added to R, G and B: independently (colour noise) or the
// same value on all three (grey noise). BT.601 Y weighs R, G, B by 0.257, 0.504, 0.098.
double luma_noise_sigma(double rgb_sigma, bool grey);

}  // namespace upsample::pipeline
