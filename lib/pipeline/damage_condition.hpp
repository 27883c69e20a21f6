#pragma once
// What a damage-aware super-resolution model is told about its input: two constant
// planes, the JPEG strength and the noise level, as FFDNet is told its noise level. The
// same encoding is used in training (the damage drawn) and at run time (the damage read
// from the file, or asked for by the user).
#include <vector>

namespace upsample::pipeline {

constexpr int kDamageConditionPlanes = 2;
// jpeg_quality: the IJG quality (1–100) the input was saved at, 0 when it is not a JPEG;
// luma_noise_sigma: σ of the noise in the Y plane the network reads, in 8-bit levels
// (what an estimate on Y measures, whether the noise was in colour or grey). Planes:
// (100 − quality) / 100 (0 for no JPEG), σ / 10.
std::vector<float> damage_condition(double jpeg_quality, double luma_noise_sigma);

// σ in Y of Gaussian noise of σ added to R, G and B: independently (colour noise) or the
// same value on all three (grey noise). BT.601 Y weighs R, G, B by 0.257, 0.504, 0.098.
double luma_noise_sigma(double rgb_sigma, bool grey);

}  // namespace upsample::pipeline
