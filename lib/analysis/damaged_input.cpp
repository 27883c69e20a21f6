#include "analysis/damaged_input.hpp"

#include <vector>

#include <opencv2/imgcodecs.hpp>

#include "imaging/jpeg_quality.hpp"

namespace upsample::analysis {

DamagedInput damaged_input(const cv::Mat& hr_u8, int scale, const imaging::DamageSpec& damage) {
  imaging::DamageSpec before_jpeg = damage;
  before_jpeg.jpeg_quality = 0;
  DamagedInput out{imaging::damaged_lr(hr_u8, scale, before_jpeg), {}};
  if (damage.jpeg_quality == 0) return out;
  std::vector<uchar> bytes;
  cv::imencode(".jpg", out.lr, bytes, {cv::IMWRITE_JPEG_QUALITY, damage.jpeg_quality});
  out.lr = cv::imdecode(bytes, out.lr.channels() == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  if (const auto tables = imaging::read_jpeg_quant_tables(bytes))
    if (const auto quality = imaging::estimate_jpeg_quality(*tables)) out.facts.jpeg_quality = quality->quality;
  return out;
}

}  // namespace upsample::analysis
