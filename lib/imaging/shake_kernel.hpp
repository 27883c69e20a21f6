#pragma once
// Camera shake: the path a hand-held camera's image drifts along during the exposure, as
// the trajectory generator of Boracchi & Foi (2012) used by DeblurGAN makes it (a velocity
// with momentum, small random pushes, a pull back towards the start and now and then an
// impulsive jerk), over a random share of the exposure, sampled densely and splatted bilinearly (anti-aliased), scaled to fit
// a SIZE×SIZE box, shifted so its centre of mass is the centre pixel (deblurring with it
// does not move the image) and normalised.
#include <cstdint>
#include <random>

#include <opencv2/core.hpp>

namespace upsample::imaging {

// The kernel of shake:SEED[,SIZE]: the same for a seed, different between seeds (with
// libstdc++: its normal and uniform distributions are not specified by the standard, so
// another standard library could draw other kernels). size: odd, 3..201; 0 draws it from
// the seed, odd in 11..25.
cv::Mat shake_kernel(std::uint32_t seed, int size = 0);
// One trajectory drawn from `rng`, for training data; size odd, 3..201.
cv::Mat shake_kernel(std::mt19937& rng, int size);

}  // namespace upsample::imaging
