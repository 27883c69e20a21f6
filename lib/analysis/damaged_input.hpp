#pragma once
// A damaged low-resolution input as a user's file would be, made from a ground truth:
// shrunk and damaged (imaging::damaged_lr), with the JPEG step done here so that what the
// file tells (the quality its tables were made for) is read back from the bytes.
#include <opencv2/core.hpp>

#include "imaging/degradations.hpp"
#include "pipeline/method_registry.hpp"

namespace upsample::analysis {

struct DamagedInput {
  cv::Mat lr;                  // CV_8U, the HR's channels (grey or BGR)
  pipeline::ImageFacts facts;  // what its file would tell
};

// hr: CV_8U grey or BGR, cropped to a multiple of `scale` (or it will be).
DamagedInput damaged_input(const cv::Mat& hr_u8, int scale, const imaging::DamageSpec& damage);

}  // namespace upsample::analysis
