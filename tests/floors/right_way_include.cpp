// Compiled as part of the deblur floor: a floor below it is visible (the control for
// wrong_way_include.cpp, so that test fails for the floor rule and not for a broken setup).
#include "analysis/evaluation.hpp"
#include "deblur/deblurrer.hpp"
