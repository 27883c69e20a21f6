#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "imaging/blur_kernels.hpp"
#include "imaging/colour.hpp"
#include "imaging/degradations.hpp"
#include "imaging/matlab_imresize.hpp"
#include "tensor/error.hpp"
#include "train/damaged_patches.hpp"

using namespace upsample;
using imaging::DegradationStep;
using imaging::DownscaleKernel;

namespace {

// A colour photo stand-in: smooth colour blobs (random values upscaled) with sharp-edged shapes on top.
cv::Mat textured_image(int rows, int cols, uint32_t seed) {
  cv::Mat coarse(rows / 8 + 1, cols / 8 + 1, CV_8UC3), image;
  cv::theRNG().state = seed;
  cv::randu(coarse, 40, 216);
  cv::resize(coarse, image, cv::Size(cols, rows), 0, 0, cv::INTER_CUBIC);
  // Colours short of 0 and 255, so a kernel's overshoot at the edges is not clipped.
  cv::rectangle(image, cv::Rect(cols / 5, rows / 4, cols / 3, rows / 5), cv::Scalar(200, 50, 90), cv::FILLED);
  cv::circle(image, cv::Point(cols * 2 / 3, rows * 2 / 3), std::min(rows, cols) / 6, cv::Scalar(40, 180, 210), 3);
  return image;
}

bool identical(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

// Sum of squared horizontal and vertical differences: smaller when blurrier.
double gradient_energy(const cv::Mat& image_u8) {
  cv::Mat f, dx, dy;
  image_u8.convertTo(f, CV_32F);
  cv::Sobel(f, dx, CV_32F, 1, 0);
  cv::Sobel(f, dy, CV_32F, 0, 1);
  return cv::norm(dx, cv::NORM_L2SQR) + cv::norm(dy, cv::NORM_L2SQR);
}

// Chroma subsampling of the first component in a JPEG's SOF0 header, as 0xHV (0x22: 4:2:0).
int luma_sampling_factors(const std::vector<uchar>& jpeg) {
  for (size_t i = 2; i + 11 < jpeg.size(); ++i)
    if (jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0) return jpeg[i + 11];
  return -1;
}

imaging::RandomDamageOptions clean_only() {
  imaging::RandomDamageOptions o;
  o.blur_probability = 0;
  o.downscale_kernels = {{DownscaleKernel::matlab_bicubic, 1}};
  o.noise_probability = 0;
  o.jpeg_probability = 0;
  return o;
}

}  // namespace

TEST_CASE("damage specs - every valid form parses and its text reads back") {
  CHECK(imaging::parse_damage_specs({}).text() == "downscale:bicubic");
  const imaging::DamageSpec jpeg = imaging::parse_damage_specs({"jpeg:75"});
  CHECK(jpeg.jpeg_quality == 75);
  CHECK(jpeg.noise_sigma == 0);
  CHECK(jpeg.downscale == DownscaleKernel::matlab_bicubic);
  const imaging::DamageSpec noise = imaging::parse_damage_specs({"noise:7.5"});
  CHECK(noise.noise_sigma == 7.5);
  CHECK_FALSE(noise.grey_noise);
  CHECK(imaging::parse_damage_specs({"noise:3,grey"}).grey_noise);
  CHECK(imaging::parse_damage_specs({"blur:1.2"}).blur_sigma == 1.2);
  const std::map<std::string, DownscaleKernel> kernels = {{"bicubic", DownscaleKernel::matlab_bicubic},
                                                          {"bilinear", DownscaleKernel::bilinear},
                                                          {"area", DownscaleKernel::area},
                                                          {"cubic", DownscaleKernel::plain_cubic},
                                                          {"nearest", DownscaleKernel::nearest}};
  for (const auto& [name, kernel] : kernels)
    CHECK(imaging::parse_damage_specs({"downscale:" + name}).downscale == kernel);

  // One spec per --degrade, or several joined with '+': the same damage.
  const imaging::DamageSpec separate =
      imaging::parse_damage_specs({"jpeg:40", "noise:5,grey", "downscale:area", "blur:0.8"});
  const imaging::DamageSpec joined = imaging::parse_damage_specs({"blur:0.8+downscale:area+noise:5,grey+jpeg:40"});
  CHECK(separate.text() == "blur:0.8+downscale:area+noise:5,grey+jpeg:40");
  CHECK(joined.text() == separate.text());
  CHECK(imaging::parse_damage_specs({separate.text()}).text() == separate.text());
}

TEST_CASE("damage specs - a bad spec is refused naming it and listing the valid forms") {
  for (const std::string spec : {"jpeg:0", "jpeg:101", "jpeg:75.5", "jpeg:", "jpeg:high", "noise:-1", "noise:5,gray",
                                 "noise:5,grey,x", "downscale:lanczos", "blur:abc", "blur:60", "sharpen:2", "jpeg",
                                 "jpeg:50+", "jpeg:50+jpeg:60"}) {
    CAPTURE(spec);
    try {
      imaging::parse_damage_specs({spec});
      FAIL("accepted");
    } catch (const Error& e) {
      const std::string message = e.what();
      CHECK(message.find("'" + spec) != std::string::npos);
      CHECK(message.find("jpeg:Q") != std::string::npos);
      CHECK(message.find("downscale:bicubic|bilinear|area|cubic|nearest") != std::string::npos);
    }
  }
  CHECK_THROWS_AS(imaging::parse_damage_specs({"jpeg:50", "jpeg:60"}), Error);
}

TEST_CASE("damaged_lr - HR over scale in size with HR's channels, repeatable by seed") {
  const cv::Mat hr = textured_image(101, 98, 1);
  const imaging::DamageSpec damage = imaging::parse_damage_specs({"blur:1+noise:5+jpeg:60"});
  for (int scale : {1, 2, 3, 4}) {
    CAPTURE(scale);
    const cv::Mat lr = imaging::damaged_lr(hr, scale, damage, 7);
    CHECK(lr.type() == CV_8UC3);
    CHECK(lr.rows == 101 / scale);
    CHECK(lr.cols == 98 / scale);
  }
  cv::Mat grey;
  cv::cvtColor(hr, grey, cv::COLOR_BGR2GRAY);
  CHECK(imaging::damaged_lr(grey, 2, damage, 7).type() == CV_8UC1);

  CHECK(identical(imaging::damaged_lr(hr, 2, damage, 7), imaging::damaged_lr(hr, 2, damage, 7)));
  CHECK_FALSE(identical(imaging::damaged_lr(hr, 2, damage, 7), imaging::damaged_lr(hr, 2, damage, 8)));
  // Without noise the seed does not matter.
  const imaging::DamageSpec jpeg = imaging::parse_damage_specs({"jpeg:60"});
  CHECK(identical(imaging::damaged_lr(hr, 2, jpeg, 7), imaging::damaged_lr(hr, 2, jpeg, 8)));

  CHECK_THROWS_AS(imaging::damaged_lr(cv::Mat(), 2, damage), Error);
  CHECK_THROWS_AS(imaging::damaged_lr(cv::Mat(10, 10, CV_16UC3), 2, damage), Error);
  CHECK_THROWS_AS(imaging::damaged_lr(hr, 0, damage), Error);
}

TEST_CASE("damaged_lr - jpeg Q is exactly OpenCV's JPEG of the clean LR, 4:2:0") {
  const cv::Mat hr = textured_image(96, 128, 2);
  const cv::Mat clean = imaging::damaged_lr(hr, 2, {});
  for (int quality : {10, 50, 90}) {
    CAPTURE(quality);
    const std::string spec = "jpeg:" + std::to_string(quality);
    const cv::Mat damaged = imaging::damaged_lr(hr, 2, imaging::parse_damage_specs({spec}));
    CHECK_FALSE(identical(damaged, clean));
    std::vector<uchar> bytes;
    REQUIRE(cv::imencode(".jpg", clean, bytes, {cv::IMWRITE_JPEG_QUALITY, quality}));
    CHECK(identical(damaged, cv::imdecode(bytes, cv::IMREAD_UNCHANGED)));
    CHECK(luma_sampling_factors(bytes) == 0x22);  // OpenCV's default is the 4:2:0 we ask for
  }
  // Lower quality, more loss.
  const auto error_at = [&](int q) {
    return cv::norm(imaging::damaged_lr(hr, 2, imaging::parse_damage_specs({"jpeg:" + std::to_string(q)})), clean);
  };
  CHECK(error_at(10) > error_at(50));
  CHECK(error_at(50) > error_at(95));
}

TEST_CASE("damaged_lr - noise S has the asked sigma on flat grey, per channel or shared") {
  const cv::Mat flat(512, 512, CV_8UC3, cv::Scalar(128, 128, 128));
  for (double sigma : {3.0, 10.0}) {
    CAPTURE(sigma);
    const std::string s = std::to_string(static_cast<int>(sigma));
    const cv::Mat colour = imaging::damaged_lr(flat, 2, imaging::parse_damage_specs({"noise:" + s}), 3);
    const cv::Mat grey = imaging::damaged_lr(flat, 2, imaging::parse_damage_specs({"noise:" + s + ",grey"}), 3);
    for (const cv::Mat& noisy : {colour, grey}) {
      cv::Scalar mean, stddev;
      cv::meanStdDev(noisy, mean, stddev);
      for (int c = 0; c < 3; ++c) {
        CHECK(std::abs(mean[c] - 128) < 0.2);
        CHECK(std::abs(stddev[c] / sigma - 1) < 0.1);
      }
    }
    std::vector<cv::Mat> colour_planes, grey_planes;
    cv::split(colour, colour_planes);
    cv::split(grey, grey_planes);
    CHECK(identical(grey_planes[0], grey_planes[1]));
    CHECK(identical(grey_planes[0], grey_planes[2]));
    CHECK_FALSE(identical(colour_planes[0], colour_planes[1]));
  }
}

TEST_CASE("damaged_lr - each downscale kernel gives HR over scale, MATLAB bicubic as imresize") {
  const cv::Mat hr = textured_image(123, 90, 3);
  for (int scale : {2, 3, 4}) {
    for (const std::string name : {"bicubic", "bilinear", "area", "cubic", "nearest"}) {
      CAPTURE(scale);
      CAPTURE(name);
      const cv::Mat lr = imaging::damaged_lr(hr, scale, imaging::parse_damage_specs({"downscale:" + name}));
      CHECK(lr.rows == 123 / scale);
      CHECK(lr.cols == 90 / scale);
      CHECK(lr.type() == CV_8UC3);
    }
    // MATLAB's uint8(imresize(double(HR), 1/s)): rounded half away from zero, once.
    const cv::Mat bicubic = imaging::damaged_lr(hr, scale, {});
    cv::Mat hr_double;
    imaging::crop_to_multiple_of(hr, scale).convertTo(hr_double, CV_64F);
    cv::Mat exact = imaging::matlab_imresize(hr_double, 1.0 / scale);
    exact.forEach<cv::Vec3d>([](cv::Vec3d& px, const int*) {
      for (int c = 0; c < 3; ++c) px[c] = std::round(std::clamp(px[c], 0.0, 255.0));
    });
    exact.convertTo(exact, CV_8U);
    CHECK(identical(bicubic, exact));
  }
  // Area at scale 2 is each 2×2 block's mean; nearest keeps one pixel of each block.
  const cv::Mat area = imaging::damaged_lr(hr, 2, imaging::parse_damage_specs({"downscale:area"}));
  const cv::Vec3b* block = &hr.at<cv::Vec3b>(10, 20);
  const cv::Vec3b* below = &hr.at<cv::Vec3b>(11, 20);
  for (int c = 0; c < 3; ++c) {
    const double mean = (block[0][c] + block[1][c] + below[0][c] + below[1][c]) / 4.0;
    CHECK(std::abs(area.at<cv::Vec3b>(5, 10)[c] - mean) <= 0.5);
  }
  const cv::Mat nearest = imaging::damaged_lr(hr, 2, imaging::parse_damage_specs({"downscale:nearest"}));
  const cv::Vec3b picked = nearest.at<cv::Vec3b>(5, 10);
  CHECK((picked == block[0] || picked == block[1] || picked == below[0] || picked == below[1]));
}

TEST_CASE("blur - blur S smooths, and anisotropic kernels spread along their angle") {
  const cv::Mat hr = textured_image(128, 128, 4);
  const double sharp = gradient_energy(imaging::damaged_lr(hr, 2, {}));
  const double soft = gradient_energy(imaging::damaged_lr(hr, 2, imaging::parse_damage_specs({"blur:1.5"})));
  CHECK(soft < 0.8 * sharp);

  CHECK(identical(imaging::anisotropic_gaussian_kernel(1.3, 1.3, 40), imaging::gaussian_kernel(1.3)));
  // Second moments (pixels²): σx² along the angle, σy² across it; y points down, angles turn counter-clockwise.
  const auto moments = [](double sx, double sy, double angle) {
    const imaging::BlurCode code = imaging::blur_code(imaging::anisotropic_gaussian_kernel(sx, sy, angle));
    std::array<double, 3> out{};
    for (size_t i = 0; i < 3; ++i) out[i] = static_cast<double>(code[i]) * imaging::kBlurCodeScale;
    return out;
  };
  const auto along_x = moments(2.0, 0.7, 0);
  CHECK(std::abs(along_x[0] - 4.0) < 0.2);  // 3σ truncation trims a little
  CHECK(std::abs(along_x[1] - 0.49) < 0.03);
  const auto along_y = moments(2.0, 0.7, 90);
  CHECK(std::abs(along_y[0] - 0.49) < 0.03);
  CHECK(std::abs(along_y[1] - 4.0) < 0.2);
  const auto diagonal = moments(2.0, 0.7, 45);  // up-right: x grows as y falls
  CHECK(diagonal[2] < -1.5);
  const cv::Mat k = imaging::anisotropic_gaussian_kernel(2.0, 0.7, 30);
  CHECK(std::abs(cv::sum(k)[0] - 1.0) < 1e-5);
  CHECK(k.rows == 2 * 6 + 1);
  CHECK_THROWS_AS(imaging::anisotropic_gaussian_kernel(2.0, 0.0, 0), Error);
}

TEST_CASE("random damage - each kind is drawn, in range, in order, clean share as asked") {
  imaging::RandomDamageOptions o;
  std::mt19937 rng(11);
  const int draws = 4000;
  std::map<DownscaleKernel, int> kernels;
  int blurs = 0, anisotropic = 0, noises = 0, greys = 0, jpegs = 0, jpeg_first = 0, second_jpeg = 0;
  const double f = std::sqrt(4 / 2.0);
  for (int i = 0; i < draws; ++i) {
    const imaging::Degradation d = imaging::random_degradation(4, o, rng);
    size_t at = 0;
    if (d.steps[at].kind == DegradationStep::Kind::blur) {
      const DegradationStep& b = d.steps[at++];
      ++blurs;
      anisotropic += b.blur_sigma_x != b.blur_sigma_y;
      for (double s : {b.blur_sigma_x, b.blur_sigma_y}) CHECK((s >= o.blur_sigma_min * f && s <= o.blur_sigma_max * f));
    }
    REQUIRE(d.steps[at].kind == DegradationStep::Kind::downscale);  // blur, if any, comes first
    CHECK(d.steps[at].scale == 4);
    ++kernels[d.steps[at++].kernel];
    int jpeg_here = 0;
    for (; at < d.steps.size(); ++at) {
      const DegradationStep& step = d.steps[at];
      REQUIRE((step.kind == DegradationStep::Kind::noise || step.kind == DegradationStep::Kind::jpeg));
      if (step.kind == DegradationStep::Kind::noise) {
        ++noises;
        greys += step.grey_noise;
        CHECK((step.noise_sigma >= 1 && step.noise_sigma <= 15));
        jpeg_first += jpeg_here > 0;
      } else {
        CHECK((step.jpeg_quality >= 30 && step.jpeg_quality <= 95));
        jpegs += jpeg_here == 0;
        second_jpeg += jpeg_here == 1;
        ++jpeg_here;
      }
    }
  }
  const auto share = [&](int count) { return static_cast<double>(count) / draws; };
  CHECK(std::abs(share(blurs) - o.blur_probability) < 0.04);
  CHECK(std::abs(static_cast<double>(anisotropic) / blurs - 0.5) < 0.05);
  CHECK(kernels.size() == 4);  // nearest is not among the defaults
  CHECK(std::abs(share(kernels[DownscaleKernel::matlab_bicubic]) - 0.4) < 0.04);  // weight 2 of 5
  CHECK(std::abs(share(kernels[DownscaleKernel::area]) - 0.2) < 0.03);
  CHECK(std::abs(share(noises) - 0.9 * 0.5) < 0.04);  // not clean, then noise
  CHECK(std::abs(static_cast<double>(greys) / noises - 0.4) < 0.05);
  CHECK(std::abs(share(jpegs) - 0.9 * 0.7) < 0.04);
  CHECK(jpeg_first > 0);
  CHECK(second_jpeg > 0);

  // With noise and JPEG always asked for, only the clean share goes without.
  o.noise_probability = o.jpeg_probability = 1;
  o.clean_probability = 0.3;
  int clean = 0;
  for (int i = 0; i < draws; ++i)
    clean += imaging::random_degradation(2, o, rng).steps.back().kind == DegradationStep::Kind::downscale;
  CHECK(std::abs(share(clean) - 0.3) < 0.04);
}

TEST_CASE("random_damaged_lr - size, channels and what was drawn") {
  const cv::Mat hr = textured_image(70, 66, 5);
  imaging::RandomDamageOptions o;
  std::mt19937 rng(12);
  int jpegs = 0, noises = 0, clean = 0;
  for (int i = 0; i < 300; ++i) {
    imaging::DamageDrawn drawn;
    const cv::Mat lr = imaging::random_damaged_lr(hr, 3, o, rng, &drawn);
    CHECK(lr.type() == CV_8UC3);
    CHECK(lr.size() == cv::Size(22, 23));
    CHECK((drawn.jpeg_quality == 0 || (drawn.jpeg_quality >= 30 && drawn.jpeg_quality <= 95)));
    CHECK((drawn.noise_sigma == 0 || (drawn.noise_sigma >= 1 && drawn.noise_sigma <= 15)));
    jpegs += drawn.jpeg_quality > 0;
    noises += drawn.noise_sigma > 0;
    clean += drawn.jpeg_quality == 0 && drawn.noise_sigma == 0;
  }
  CHECK(jpegs > 100);
  CHECK(noises > 60);
  CHECK(clean > 30);

  // The same generator state gives the same LR.
  std::mt19937 a(5), b(5);
  CHECK(identical(imaging::random_damaged_lr(hr, 2, o, a), imaging::random_damaged_lr(hr, 2, o, b)));
  cv::Mat grey;
  cv::cvtColor(hr, grey, cv::COLOR_BGR2GRAY);
  CHECK(imaging::random_damaged_lr(grey, 2, o, a).type() == CV_8UC1);
}

TEST_CASE("random damage options - parse, read back, refuse") {
  const imaging::RandomDamageOptions o = imaging::parse_random_damage(
      {"jpeg=40-90", "noise=0-10", "blur=0.3-1", "jpeg-probability=0.6", "clean=0.2", "grey-noise=0.5",
       "downscale=bicubic:3,area,nearest:0.5", "second-jpeg=0", "blur-probability=0.25"});
  CHECK(o.jpeg_quality_min == 40);
  CHECK(o.jpeg_quality_max == 90);
  CHECK(o.noise_sigma_min == 0);
  CHECK(o.noise_sigma_max == 10);
  CHECK(o.blur_sigma_min == 0.3);
  CHECK(o.blur_sigma_max == 1);
  CHECK(o.jpeg_probability == 0.6);
  CHECK(o.clean_probability == 0.2);
  CHECK(o.grey_noise_fraction == 0.5);
  CHECK(o.second_jpeg_probability == 0);
  CHECK(o.blur_probability == 0.25);
  REQUIRE(o.downscale_kernels.size() == 3);
  CHECK(o.downscale_kernels[0].kernel == DownscaleKernel::matlab_bicubic);
  CHECK(o.downscale_kernels[0].weight == 3);
  CHECK(o.downscale_kernels[1].weight == 1);
  CHECK(o.downscale_kernels[2].kernel == DownscaleKernel::nearest);

  const imaging::RandomDamageOptions single = imaging::parse_random_damage({"jpeg=75", "noise=off", "blur=off"});
  CHECK(single.jpeg_quality_min == 75);
  CHECK(single.jpeg_quality_max == 75);
  CHECK(single.noise_probability == 0);
  CHECK(single.blur_probability == 0);

  // The text is a list of the same forms: parsed, it gives the same options back.
  const std::string text = imaging::random_damage_text(o);
  std::vector<std::string> words;
  for (size_t start = 0, end = 0; start < text.size(); start = end + 1) {
    end = std::min(text.find(' ', start), text.size());
    words.push_back(text.substr(start, end - start));
  }
  CHECK(imaging::random_damage_text(imaging::parse_random_damage(words)) == text);
  CHECK(imaging::random_damage_text(imaging::parse_random_damage({})) == imaging::random_damage_text({}));

  for (const std::string spec : {"jpeg=0-90", "jpeg=30-101", "jpeg=90-30", "jpeg=30.5-90", "noise=5-2", "noise=abc",
                                 "blur=0-1", "clean=1.5", "downscale=lanczos", "downscale=area:-1", "sharpen=1",
                                 "jpeg",
                                 // Found by tests/fuzz/spec_fuzz.cpp: 10000000033 was converted to int.
                                 "jpeg=000010000000033-9"}) {
    CAPTURE(spec);
    try {
      imaging::parse_random_damage({spec});
      FAIL("accepted");
    } catch (const Error& e) {
      const std::string message = e.what();
      CHECK(message.find("'" + spec + "'") != std::string::npos);
      CHECK(message.find("jpeg=A-B|off") != std::string::npos);
    }
  }
}

TEST_CASE("DamagedPatchSampler - tensors of the right shape in 0..1, one drawn per patch, repeatable") {
  train::DamagedPatchOptions options;
  options.scale = 2;
  const std::vector<cv::Mat> images = {textured_image(200, 180, 6), textured_image(150, 260, 7)};
  const train::DamagedPatchSampler sampler = train::DamagedPatchSampler::from_images(images, options);
  CHECK(sampler.files() == 2);
  CHECK(sampler.images() == 10);

  std::mt19937 rng(13);
  Tensor lr, hr;
  std::vector<imaging::DamageDrawn> drawn;
  sampler.sample(rng, 16, 12, lr, hr, &drawn);
  CHECK(lr.shape() == Shape{16, 1, 12, 12});
  CHECK(hr.shape() == Shape{16, 1, 24, 24});
  CHECK(drawn.size() == 16);
  for (const Tensor* t : {&lr, &hr}) {
    const auto [low, high] = std::minmax_element(t->values().begin(), t->values().end());
    CHECK(*low >= 0.0f);
    CHECK(*high <= 1.0f);
    CHECK(*high > *low);
  }
  int damaged = 0;
  for (const auto& d : drawn) damaged += d.jpeg_quality > 0 || d.noise_sigma > 0;
  CHECK(damaged > 0);

  // The same generator state gives the same batch, however the threads ran.
  std::mt19937 again(13);
  Tensor lr2, hr2;
  sampler.sample(again, 16, 12, lr2, hr2);
  CHECK(std::equal(lr.values().begin(), lr.values().end(), lr2.values().begin()));
  CHECK(std::equal(hr.values().begin(), hr.values().end(), hr2.values().begin()));

  // Grey images are used as colour; images too small for the window are refused.
  cv::Mat grey;
  cv::cvtColor(images[0], grey, cv::COLOR_BGR2GRAY);
  CHECK_NOTHROW(train::DamagedPatchSampler::from_images({grey}, options).sample(rng, 2, 12, lr, hr));
  const auto tiny = train::DamagedPatchSampler::from_images({textured_image(40, 40, 8)}, options);
  CHECK_THROWS_AS(tiny.sample(rng, 2, 12, lr, hr), Error);
  CHECK_THROWS_AS(train::DamagedPatchSampler::from_images({cv::Mat(1, 1, CV_8UC3)}, options), Error);
}

TEST_CASE("DamagedPatchSampler - clean-only damage gives the protocol LR of the HR patch") {
  train::DamagedPatchOptions options;
  options.scale = 2;
  options.downscales = {1.0};
  options.damage = clean_only();
  const auto sampler = train::DamagedPatchSampler::from_images({textured_image(220, 240, 9)}, options);
  std::mt19937 rng(14);
  Tensor lr, hr;
  std::vector<imaging::DamageDrawn> drawn;
  const int p = 16, shave = 2;
  sampler.sample(rng, 8, p, lr, hr, &drawn);
  for (int b = 0; b < 8; ++b) {
    CAPTURE(b);
    CHECK(drawn[static_cast<size_t>(b)].jpeg_quality == 0);
    CHECK(drawn[static_cast<size_t>(b)].noise_sigma == 0);
    const cv::Mat hr_y(2 * p, 2 * p, CV_32F, hr.plane(b, 0));
    const cv::Mat lr_y(p, p, CV_32F, lr.plane(b, 0));
    cv::Mat expected;
    imaging::matlab_bicubic_downscale(cv::Mat(hr_y * 255.0), 2).convertTo(expected, CV_32F, 1.0 / 255.0);
    // The LR was shrunk in colour and rounded to 8 bits per pass; away from the patch's edge
    // (where the sampler read real pixels and this reference mirrors) it is within a level.
    const cv::Rect inner(shave, shave, p - 2 * shave, p - 2 * shave);
    CHECK(cv::norm(lr_y(inner), expected(inner), cv::NORM_INF) <= 1.0 / 255.0 + 1e-6);
  }
}

TEST_CASE("DamagedPatchSampler - build loads a folder, skips what it cannot use") {
  const std::filesystem::path folder = std::filesystem::temp_directory_path() / "upsample_damaged_patches_test";
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
  cv::imwrite((folder / "a.png").string(), textured_image(160, 170, 10));
  cv::imwrite((folder / "b.jpg").string(), textured_image(150, 150, 11));
  std::ofstream(folder / "broken.png") << "not an image";
  std::ofstream(folder / "notes.txt") << "not an image either";
  train::DamagedPatchOptions options;
  options.folders = {folder};
  std::vector<std::string> notes;
  const auto log = [&](const std::string& note) { notes.push_back(note); };
  const auto sampler = train::DamagedPatchSampler::build(options, log);
  CHECK(sampler.files() == 2);
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("broken.png") != std::string::npos);
  std::mt19937 rng(15);
  Tensor lr, hr;
  sampler.sample(rng, 4, 8, lr, hr);
  CHECK(hr.shape() == Shape{4, 1, 16, 16});

  std::filesystem::remove(folder / "a.png");
  std::filesystem::remove(folder / "b.jpg");
  CHECK_THROWS_AS(train::DamagedPatchSampler::build(options, [](const std::string&) {}), Error);
  std::filesystem::remove_all(folder);
}
