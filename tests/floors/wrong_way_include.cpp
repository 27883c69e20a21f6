// Compiled as part of the deblur floor, which sits below train: this include must not be
// found (tests/CMakeLists.txt expects the build of this file to fail on it).
#include "train/trainer.hpp"
