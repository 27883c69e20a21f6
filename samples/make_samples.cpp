// Draws the sample images: small, synthetic pictures chosen to show what upsamplers do.
// Usage: make_samples OUTPUT_FOLDER   (the repository keeps its copies in samples/)
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numbers>
#include <random>

#include <opencv2/imgproc.hpp>

#include "io/image_io.hpp"

namespace {

using std::numbers::pi;

// Circular zone plate: local frequency grows with radius, so every upsampler's aliasing
// and checkerboard shows up as rings that should not be there.
cv::Mat zone_plate(int size) {
  cv::Mat img(size, size, CV_8UC1);
  const double k = pi / size;  // reaches the Nyquist frequency at the edge midpoints
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const double dx = x - size / 2.0, dy = y - size / 2.0;
      img.at<uint8_t>(y, x) = cv::saturate_cast<uint8_t>(127.5 + 127.5 * std::cos(k * (dx * dx + dy * dy) / 2.0));
    }
  return img;
}

// Siemens star: spokes converge to the centre, testing edges at every angle and frequency.
cv::Mat siemens_star(int size, int spokes) {
  cv::Mat img(size, size, CV_8UC1);
  constexpr int kSuper = 4;  // supersampled so the sample itself is not aliased
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      int on = 0;
      for (int sy = 0; sy < kSuper; ++sy)
        for (int sx = 0; sx < kSuper; ++sx) {
          const double dx = x + (sx + 0.5) / kSuper - size / 2.0, dy = y + (sy + 0.5) / kSuper - size / 2.0;
          const double r = std::hypot(dx, dy);
          const double angle = std::atan2(dy, dx);
          on += (r < size * 0.48 && std::sin(spokes * angle) > 0) ? 1 : 0;
        }
      img.at<uint8_t>(y, x) = static_cast<uint8_t>(255 - on * 215 / (kSuper * kSuper));
    }
  return img;
}

// Text and line pairs: what people upscale screenshots and scans for.
cv::Mat text_chart() {
  cv::Mat img(200, 320, CV_8UC1, cv::Scalar(245));
  const char* lines[] = {"Upsample 0123456789", "The quick brown fox jumps", "over the lazy dog.", "ABCDEFGHIJKLM abcdefghijklm"};
  double scale = 0.8;
  int y = 26;
  for (const char* text : lines) {
    cv::putText(img, text, {8, y}, cv::FONT_HERSHEY_SIMPLEX, scale, cv::Scalar(20), 1, cv::LINE_AA);
    y += static_cast<int>(34 * scale) + 4;
    scale *= 0.8;
  }
  // Line pairs of period 2..6 px, vertical and horizontal.
  for (int period = 2, x0 = 8; period <= 6; x0 += 6 * period + 14, ++period) {
    for (int i = 0; i < 6; ++i) cv::rectangle(img, cv::Rect(x0 + i * period, 128, (period + 1) / 2, 26), cv::Scalar(20), cv::FILLED);
    for (int i = 0; i < 6; ++i) cv::rectangle(img, cv::Rect(x0, 160 + i * period, 6 * period, (period + 1) / 2), cv::Scalar(20), cv::FILLED);
  }
  return img;
}

// Smooth 16-bit colour gradient: banding and ringing show here, and it keeps 16 bits.
cv::Mat gradient16(int width, int height) {
  cv::Mat img(height, width, CV_16UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const double u = x / (width - 1.0), v = y / (height - 1.0);
      img.at<cv::Vec3w>(y, x) = cv::Vec3w(cv::saturate_cast<uint16_t>(65535 * (1 - u) * v),
                                          cv::saturate_cast<uint16_t>(65535 * (0.5 + 0.5 * std::sin(pi * u) * (1 - v))),
                                          cv::saturate_cast<uint16_t>(65535 * u));
    }
  return img;
}

// A photo-like scene: sky, sun, textured hills, a house with a window grid, noise and a
// slight lens blur, so learned methods see something like their training images.
cv::Mat scene(int width, int height) {
  std::mt19937 rng(7);
  cv::Mat img(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y) {
    const double t = y / (height - 1.0);
    img.row(y).setTo(cv::Scalar(235 - 60 * t, 190 - 40 * t, 140 - 30 * t));
  }
  cv::circle(img, {width * 3 / 4, height / 5}, height / 10, cv::Scalar(120, 230, 255), cv::FILLED, cv::LINE_AA);
  std::vector<cv::Point> hill;
  for (int x = 0; x <= width; x += 4)
    hill.emplace_back(x, static_cast<int>(height * 0.62 + 14 * std::sin(x * 0.03) + 8 * std::sin(x * 0.11)));
  hill.emplace_back(width, height);
  hill.emplace_back(0, height);
  cv::fillPoly(img, std::vector<std::vector<cv::Point>>{hill}, cv::Scalar(60, 130, 70), cv::LINE_AA);
  std::normal_distribution<double> grass(0, 18);
  for (int y = static_cast<int>(height * 0.55); y < height; ++y)
    for (int x = 0; x < width; ++x) {
      auto& px = img.at<cv::Vec3b>(y, x);
      if (px[1] < 150 && px[0] < 100) {
        const double g = grass(rng);
        px = cv::Vec3b(cv::saturate_cast<uint8_t>(px[0] + g * 0.5), cv::saturate_cast<uint8_t>(px[1] + g),
                       cv::saturate_cast<uint8_t>(px[2] + g * 0.6));
      }
    }
  const cv::Rect house(width / 5, height / 2, width / 4, height / 4);
  cv::rectangle(img, house, cv::Scalar(170, 200, 225), cv::FILLED);
  std::vector<cv::Point> roof = {{house.x - 6, house.y}, {house.x + house.width / 2, house.y - house.height / 2}, {house.x + house.width + 6, house.y}};
  cv::fillConvexPoly(img, roof, cv::Scalar(50, 50, 150), cv::LINE_AA);
  for (int wy = 0; wy < 2; ++wy)
    for (int wx = 0; wx < 3; ++wx) {
      const cv::Rect window(house.x + 6 + wx * (house.width - 12) / 3, house.y + 8 + wy * house.height / 2,
                            (house.width - 12) / 3 - 5, house.height / 2 - 14);
      cv::rectangle(img, window, cv::Scalar(90, 60, 40), cv::FILLED);
      cv::line(img, {window.x + window.width / 2, window.y}, {window.x + window.width / 2, window.y + window.height}, cv::Scalar(230, 230, 230), 1);
      cv::line(img, {window.x, window.y + window.height / 2}, {window.x + window.width, window.y + window.height / 2}, cv::Scalar(230, 230, 230), 1);
    }
  cv::GaussianBlur(img, img, {0, 0}, 0.6);
  std::normal_distribution<double> noise(0, 2.0);
  for (auto it = img.begin<cv::Vec3b>(); it != img.end<cv::Vec3b>(); ++it)
    for (int c = 0; c < 3; ++c) (*it)[c] = cv::saturate_cast<uint8_t>((*it)[c] + noise(rng));
  return img;
}

// A logo on a transparent background: alpha must survive upscaling.
cv::Mat logo_rgba(int size) {
  cv::Mat img(size, size, CV_8UC4, cv::Scalar(0, 0, 0, 0));
  cv::circle(img, {size / 2, size / 2}, size * 2 / 5, cv::Scalar(200, 120, 30, 255), cv::FILLED, cv::LINE_AA);
  cv::circle(img, {size / 2, size / 2}, size / 5, cv::Scalar(255, 255, 255, 160), cv::FILLED, cv::LINE_AA);
  cv::putText(img, "up", {size / 2 - 22, size / 2 + 10}, cv::FONT_HERSHEY_DUPLEX, 1.0, cv::Scalar(20, 20, 20, 255), 2, cv::LINE_AA);
  return img;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_samples OUTPUT_FOLDER\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  std::filesystem::create_directories(out);
  const upsample::io::SaveOptions replace{"", std::nullopt, upsample::io::ExistingFile::Replace};
  const std::pair<const char*, cv::Mat> samples[] = {
      {"zone_plate.png", zone_plate(256)},       {"siemens_star.png", siemens_star(256, 36)},
      {"text_chart.png", text_chart()},          {"gradient_16bit.png", gradient16(256, 160)},
      {"scene.png", scene(256, 192)},            {"logo_rgba.png", logo_rgba(128)},
  };
  for (const auto& [name, image] : samples) {
    upsample::io::save_image(out / name, image, replace);
    std::printf("%s\n", (out / name).string().c_str());
  }
  return 0;
}
