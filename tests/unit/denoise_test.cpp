#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_runner.hpp"
#include "analysis/damaged_input.hpp"
#include "analysis/metrics.hpp"
#include "imaging/aliasing_level.hpp"
#include "imaging/colour.hpp"
#include "imaging/matlab_imresize.hpp"
#include "models/model.hpp"
#include "pipeline/damage_condition.hpp"
#include "pipeline/denoise.hpp"
#include "pipeline/learned_methods.hpp"
#include "pipeline/method_registry.hpp"
#include "pipeline/self_ensemble.hpp"
#include "pipeline/tiling.hpp"
#include "pipeline/upscale_image.hpp"
#include "tensor/error.hpp"
#include "train/trainer.hpp"
#include "test_models.hpp"
#include "test_values.hpp"

using namespace upsample;
namespace fs = std::filesystem;

namespace {

// A ×2 FSRCNN-shaped model with damage condition planes and random weights.
std::shared_ptr<const models::Model> tiny_damage_model(uint32_t seed) {
  return models::build_model({{"arch", "fsrcnn"}, {"scale", "2"}, {"d", "8"}, {"s", "4"}, {"m", "1"}, {"condition", "2"}},
                             seed);
}

// Reports which upscaler ran by the constant it returns.
class Constant final : public pipeline::Upscaler {
 public:
  explicit Constant(double value) : value_(value) {}
  int scale() const override { return 2; }
  cv::Mat upscale(const cv::Mat& image) const override {
    return cv::Mat(image.rows * 2, image.cols * 2, image.type(), cv::Scalar::all(value_));
  }
  cv::Mat upscale_y(const cv::Mat& y) const override { return upscale(y); }

 private:
  double value_;
};

cv::Mat textured_photo() {
  cv::Mat scene = cv::imread(testing::sample("scene.png").string(), cv::IMREAD_COLOR);
  return scene(cv::Rect(0, 0, 160, 120)).clone();
}

}  // namespace

TEST_SUITE("denoise") {

TEST_CASE("--denoise reads auto, off, the three levels and a JPEG quality, and refuses the rest") {
  using Mode = pipeline::DenoiseSetting::Mode;
  CHECK(pipeline::parse_denoise("auto").mode == Mode::automatic);
  CHECK(pipeline::parse_denoise("off").mode == Mode::off);
  const auto low = pipeline::parse_denoise("low"), high = pipeline::parse_denoise("high");
  CHECK(low.mode == Mode::fixed);
  CHECK(high.jpeg_quality < low.jpeg_quality);
  CHECK(high.noise_sigma > low.noise_sigma);
  CHECK(pipeline::parse_denoise("40").jpeg_quality == 40);
  for (const char* bad : {"", "0", "101", "4x", "strong"}) {
    CAPTURE(bad);
    CHECK_THROWS_WITH_AS(pipeline::parse_denoise(bad), doctest::Contains("expected auto, off"), Error);
  }
}

TEST_CASE("the damage condition: JPEG strength from the quality, noise in Y from colour or grey noise, aliasing") {
  const double proper = imaging::kAntialiasedAliasing;
  CHECK(pipeline::damage_condition(0, 0, proper, 3) == std::vector<float>{0.0f, 0.0f, 0.0f});
  CHECK(pipeline::damage_condition(0, 0, proper, 2) == std::vector<float>{0.0f, 0.0f});  // the first models
  CHECK(pipeline::damage_condition(50, 10, proper, 3)[0] == doctest::Approx(0.5));
  CHECK(pipeline::damage_condition(50, 10, proper, 3)[1] == doctest::Approx(1.0));
  CHECK(pipeline::damage_condition(100, 0, proper, 3)[0] == doctest::Approx(0.0));
  CHECK(pipeline::damage_condition(0, 0, 1.0, 3)[2] == doctest::Approx(1.0));
  CHECK(pipeline::damage_condition(0, 0, 0.1, 3)[2] == 0.0f);  // blurrier than a proper shrink: still 0
  // BT.601 Y = 0.257 R + 0.504 G + 0.098 B: grey noise adds up, colour noise adds in quadrature.
  CHECK(pipeline::luma_noise_sigma(10, true) == doctest::Approx(8.588).epsilon(1e-3));
  CHECK(pipeline::luma_noise_sigma(10, false) == doctest::Approx(5.741).epsilon(1e-3));
}

TEST_CASE("auto: a clean image gets the clean model, a noisy one or a JPEG the damage model") {
  const auto up = pipeline::denoising_upscaler(std::make_unique<Constant>(7), tiny_damage_model(3), 0,
                                               pipeline::parse_denoise("auto"));
  const cv::Mat clean = textured_photo();
  pipeline::UpscaleNotes notes;
  CHECK(up->upscale_photo(clean, {}, &notes).at<cv::Vec3b>(0, 0)[0] == 7);
  CHECK(notes.chosen.find("clean model") != std::string::npos);

  cv::Mat noisy = clean.clone(), noise(clean.size(), CV_16SC3);
  cv::randn(noise, 0, 8);
  cv::Mat wide;
  clean.convertTo(wide, CV_16SC3);
  cv::Mat(wide + noise).convertTo(noisy, CV_8UC3);
  notes = {};
  CHECK(up->upscale_photo(noisy, {}, &notes).size() == cv::Size(320, 240));
  CHECK(notes.chosen.find("damage model") != std::string::npos);
  REQUIRE(notes.noise_sigma);
  CHECK(*notes.noise_sigma > 4);

  notes = {};
  pipeline::ImageFacts jpeg;
  jpeg.jpeg_quality = 40;
  up->upscale_photo(clean, jpeg, &notes);
  CHECK(notes.chosen.find("JPEG q40") != std::string::npos);
  CHECK(notes.jpeg_quality == 40);

  const auto off = pipeline::denoising_upscaler(std::make_unique<Constant>(9), tiny_damage_model(3), 0,
                                                pipeline::parse_denoise("off"));
  CHECK(off->upscale_photo(noisy, jpeg, nullptr).at<cv::Vec3b>(0, 0)[0] == 9);
}

// Every band of rows an ImageInRows gives, asked in order as the PNG encoder asks them.
cv::Mat all_bands(const io::ImageInRows& rows, int band_rows) {
  cv::Mat whole(rows.size, rows.type);
  for (int first = 0; first < rows.size.height; first += band_rows) {
    cv::Mat band(std::min(band_rows, rows.size.height - first), rows.size.width, rows.type);
    rows.fill(first, band);
    band.copyTo(whole.rowRange(first, first + band.rows));
  }
  return whole;
}

TEST_CASE("learned methods give their result in bands of rows: the whole upscale's pixels, the same choice and notes") {
  const std::shared_ptr<const models::Model> clean_model =
      models::build_model({{"arch", "fsrcnn"}, {"scale", "2"}, {"d", "8"}, {"s", "4"}, {"m", "1"}}, 4);
  // Tiles of 24: several rows of tiles, none a multiple of the bands' 64 output rows.
  const auto plain = pipeline::upscaler_for_model(clean_model, 24);
  REQUIRE(plain->gives_rows());
  const cv::Mat photo = textured_photo();
  for (const cv::Mat& image : {photo, cv::Mat(photo(cv::Rect(0, 0, 101, 77)))}) {
    const auto rows = plain->upscale_in_rows(image, {}, nullptr);
    REQUIRE(rows);
    CHECK(rows->size == image.size() * 2);
    CHECK(rows->type == image.type());
    CHECK(cv::norm(all_bands(*rows, 64), plain->upscale(image), cv::NORM_INF) == 0);
    CHECK(cv::norm(all_bands(*rows, 13), plain->upscale(image), cv::NORM_INF) == 0);
  }
  // --denoise auto: the same model chosen and said as for the whole image, also for a
  // grey 16-bit JPEG told its quality.
  const auto up = pipeline::denoising_upscaler(pipeline::upscaler_for_model(clean_model, 24), tiny_damage_model(3), 24,
                                               pipeline::parse_denoise("auto"));
  REQUIRE(up->gives_rows());
  cv::Mat noisy = photo.clone(), noise(photo.size(), CV_16SC3), wide;
  cv::randn(noise, 0, 8);
  photo.convertTo(wide, CV_16SC3);
  cv::Mat(wide + noise).convertTo(noisy, CV_8UC3);
  cv::Mat grey16;
  cv::cvtColor(photo, grey16, cv::COLOR_BGR2GRAY);
  grey16.convertTo(grey16, CV_16U, 257);
  pipeline::ImageFacts jpeg;
  jpeg.jpeg_quality = 40;
  for (const auto& [image, facts] : {std::pair{photo, pipeline::ImageFacts{}}, std::pair{noisy, pipeline::ImageFacts{}},
                                     std::pair{grey16, jpeg}}) {
    pipeline::UpscaleNotes whole_notes, rows_notes;
    const cv::Mat whole = up->upscale_photo(image, facts, &whole_notes);
    const auto rows = up->upscale_in_rows(image, facts, &rows_notes);
    REQUIRE(rows);
    CHECK(rows_notes.chosen == whole_notes.chosen);
    CHECK(cv::norm(all_bands(*rows, 64), whole, cv::NORM_INF) == 0);
  }
  // The main job asks for bands of any image without alpha.
  CHECK(pipeline::upscale_image_in_rows(photo, *up));
  cv::Mat with_alpha;
  cv::cvtColor(photo, with_alpha, cv::COLOR_BGR2BGRA);
  CHECK_FALSE(pipeline::upscale_image_in_rows(with_alpha, *up));
  // The self-ensemble and a classical method that cannot make a band alone do not.
  CHECK_FALSE(pipeline::self_ensemble(pipeline::upscaler_for_model(clean_model, 24))->gives_rows());
  CHECK_FALSE(pipeline::create_upscaler("lanczos", 2)->gives_rows());
}

TEST_CASE("auto with a model told aliasing: a plain cubic shrink gets the damage model, a proper one the clean model") {
  const std::shared_ptr<const models::Model> model = models::build_model(
      {{"arch", "fsrcnn"}, {"scale", "2"}, {"d", "8"}, {"s", "4"}, {"m", "1"}, {"condition", "3"}}, 3);
  const auto up = pipeline::denoising_upscaler(std::make_unique<Constant>(7), model, 0, pipeline::parse_denoise("auto"));
  const cv::Mat hr = testing::natural_like_image(256, 9);
  cv::Mat proper = imaging::matlab_bicubic_downscale_u8(hr, 2), aliased;
  cv::resize(hr, aliased, proper.size(), 0, 0, cv::INTER_CUBIC);
  // Its fine texture reads as noise to the estimator; known clean, only aliasing decides.
  pipeline::ImageFacts clean;
  clean.noise_sigma = 0.3;
  pipeline::UpscaleNotes notes;
  CHECK(up->upscale_photo(proper, clean, &notes).at<uint8_t>(0, 0) == 7);
  CHECK(notes.chosen.find("clean model") != std::string::npos);
  notes = {};
  CHECK(up->upscale_photo(aliased, clean, &notes).at<uint8_t>(0, 0) != 7);
  CHECK(notes.chosen.find("aliasing") != std::string::npos);
  REQUIRE(notes.aliasing);
  CHECK(*notes.aliasing > pipeline::kAliasedAbove);
  // A noisy plane goes to the damage model whatever its aliasing; the clean one does not.
  cv::Mat luma = imaging::luma_of(proper), noise(luma.size(), CV_32F);
  CHECK(up->upscale_y(luma).at<float>(0, 0) == 7.0f);
  cv::RNG(5).fill(noise, cv::RNG::NORMAL, 0.0, 8.0 / 255.0);
  CHECK(up->upscale_y(luma + noise).at<float>(0, 0) != 7.0f);
  // The first damage models, told no aliasing, keep a clean image on the clean model.
  const auto two_planes = pipeline::denoising_upscaler(std::make_unique<Constant>(7), tiny_damage_model(3), 0,
                                                       pipeline::parse_denoise("auto"));
  CHECK(two_planes->upscale_photo(aliased, clean, nullptr).at<uint8_t>(0, 0) == 7);
}

TEST_CASE("the damage model is told the damage: fixed levels give different outputs, tiles agree") {
  const auto model = tiny_damage_model(5);
  const cv::Mat photo = textured_photo();
  const auto low = pipeline::damage_aware_upscaler(model, 0, pipeline::parse_denoise("low"));
  const auto high = pipeline::damage_aware_upscaler(model, 0, pipeline::parse_denoise("high"));
  const auto high_tiled = pipeline::damage_aware_upscaler(model, 24, pipeline::parse_denoise("high"));
  CHECK(cv::norm(low->upscale(photo), high->upscale(photo), cv::NORM_INF) > 0);
  CHECK(cv::norm(high->upscale(photo), high_tiled->upscale(photo), cv::NORM_INF) <= 1);
  std::shared_ptr<const models::Model> clean_model = models::build_model({{"arch", "fsrcnn"}, {"scale", "2"}, {"d", "8"}, {"s", "4"}, {"m", "1"}});
  CHECK_THROWS_WITH_AS(pipeline::damage_aware_upscaler(std::move(clean_model), 0), doctest::Contains("condition planes"),
                       Error);
}

TEST_CASE("a tiny training run with every damage on lowers the loss, and the model is told its damage") {
  testing::ScratchFolder dir;
  fs::create_directories(dir / "train");
  const cv::Mat scene = cv::imread(testing::sample("scene.png").string());
  const cv::Mat chart = cv::imread(testing::sample("text_chart.png").string());
  cv::imwrite((dir / "train" / "a.png").string(), scene(cv::Rect(0, 0, 192, 192)));
  cv::imwrite((dir / "train" / "b.png").string(), chart(cv::Rect(0, 0, 192, 192)));
  train::TrainOptions o = testing::tiny_training_run(dir.path());
  o.model["condition"] = "3";
  // Every kind of damage on every patch: blur, a non-bicubic kernel, noise, JPEG.
  o.damage = imaging::parse_random_damage({"blur-probability=1", "noise-probability=1", "jpeg-probability=1",
                                           "clean=0", "downscale=cubic,area,bilinear,bicubic"});
  o.lr_patch = 12;
  o.output = dir / "real.safetensors";
  std::vector<double> losses;
  const auto r = train::train_model(o, [&](const train::TrainProgress& p) { losses.push_back(p.loss); },
                                    [](const std::string&) {});
  REQUIRE(losses.size() >= 2);
  CHECK(r.final_loss < 0.5 * losses.front());
  const auto trained = models::load_model(o.output);
  CHECK(trained->condition_planes() == 3);
  CHECK(trained->metadata().at("training_damage").find("jpeg") != std::string::npos);

  o.model.erase("condition");  // told nothing is fine; told something else is not
  o.model["condition"] = "4";
  CHECK_THROWS_WITH_AS(train::train_model(o, {}, [](const std::string&) {}), doctest::Contains("not 4"), Error);
  o.model["condition"] = "2";
  o.damage.reset();
  CHECK_THROWS_WITH_AS(train::train_model(o, {}, [](const std::string&) {}), doctest::Contains("--damage"), Error);
}

TEST_CASE("each shipped damage model loads and beats bicubic on a JPEG and on a noisy sample") {
  const cv::Mat scene = cv::imread(testing::sample("scene.png").string(), cv::IMREAD_COLOR);
  for (int scale : {2, 3, 4}) {
    const auto fsrcnn = pipeline::create_upscaler("fsrcnn", scale, {0, pipeline::parse_denoise("auto")});
    const auto bicubic = pipeline::create_upscaler("bicubic", scale);
    const cv::Mat hr = imaging::crop_to_multiple_of(scene, scale).clone();
    for (const char* spec : {"jpeg:40", "noise:8"}) {
      CAPTURE(scale);
      CAPTURE(spec);
      const auto damaged = analysis::damaged_input(hr, scale, imaging::parse_damage_specs({spec}));
      pipeline::UpscaleNotes notes;
      const double ours = analysis::evaluate_pair(fsrcnn->upscale_photo(damaged.lr, damaged.facts, &notes), hr, scale).psnr;
      const double baseline = analysis::evaluate_pair(bicubic->upscale(damaged.lr), hr, scale).psnr;
      CAPTURE(notes.chosen);
      CHECK(notes.chosen.find("damage model") != std::string::npos);
      CHECK(ours > baseline + 0.3);
    }
  }
}

}  // TEST_SUITE
