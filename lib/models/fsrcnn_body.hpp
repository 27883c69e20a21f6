#pragma once
// FSRCNN's low-resolution body, shared by the architectures that end in another upsampler:
// conv5×5(d)·PReLU, conv1×1(s)·PReLU, m×conv3×3(s)·PReLU, conv1×1(d)·PReLU.
#include <cstdint>
#include <random>

#include "models/model.hpp"

namespace upsample::models {

struct FsrcnnBody {
  int d = 56, s = 12, m = 4;
};
// Reads d, s, m from the metadata.
FsrcnnBody fsrcnn_body_of(const Metadata& meta);
// Appends the body reading `in_planes` planes (the image's and any condition planes).
void add_fsrcnn_body(nn::Sequential& net, int in_planes, const FsrcnnBody& body, std::mt19937& rng);
// The body's weights for this metadata, counted without building it.
int64_t fsrcnn_body_parameter_estimate(const Metadata& meta);
// Image planes (1 for Y, 3 for RGB) plus condition planes: what the first layer reads.
int input_planes(const Metadata& meta);

}  // namespace upsample::models
