#include "pipeline/denoise.hpp"

#include <charconv>
#include <cstdio>

#include "imaging/aliasing_level.hpp"
#include "imaging/colour.hpp"
#include "imaging/noise_level.hpp"
#include "pipeline/damage_condition.hpp"
#include "pipeline/learned_methods.hpp"
#include "tensor/error.hpp"

namespace upsample::pipeline {

DenoiseSetting parse_denoise(const std::string& text) {
  using Mode = DenoiseSetting::Mode;
  // The fixed levels span the damage the model was trained on, strongest last.
  if (text == "auto") return {Mode::automatic, 0, 0, text};
  if (text == "off") return {Mode::off, 0, 0, text};
  if (text == "low") return {Mode::fixed, 85, 2, text};
  if (text == "medium") return {Mode::fixed, 60, 5, text};
  if (text == "high") return {Mode::fixed, 35, 10, text};
  int quality = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), quality);
  if (ec == std::errc() && end == text.data() + text.size() && quality >= 1 && quality <= 100)
    return {Mode::fixed, static_cast<double>(quality), 0, text};
  throw Error("--denoise " + text + ": expected auto, off, low, medium, high, or the JPEG quality to undo (1-100)");
}

namespace {

// What a damage model is told about one image.
struct Damage {
  double jpeg_quality = 0;  // 0: not a JPEG
  double luma_sigma = 0;    // noise in Y, 8-bit levels
  double aliasing = imaging::kAntialiasedAliasing;
};

std::string describe(const Damage& d, bool reads_aliasing) {
  char text[128];
  int n = d.jpeg_quality > 0
              ? std::snprintf(text, sizeof text, "damage model told JPEG q%.0f, noise %.1f in Y", d.jpeg_quality, d.luma_sigma)
              : std::snprintf(text, sizeof text, "damage model told no JPEG, noise %.1f in Y", d.luma_sigma);
  if (reads_aliasing && n > 0 && static_cast<size_t>(n) < sizeof text)
    std::snprintf(text + n, sizeof text - static_cast<size_t>(n), ", aliasing %.2f", d.aliasing);
  return text;
}

// Noise σ (8-bit levels) in the Y plane of an 8/16-bit image, or of a [0, 1] Y plane.
double luma_noise_of(const cv::Mat& image) {
  return imaging::estimate_noise_sigma(image.depth() == CV_32F ? image : imaging::luma_of(image));
}

// The aliasing read off an image, or a proper shrink's when the reading is within what
// properly shrunk images read (a clean photo must not be told it aliases).
double aliasing_of(const cv::Mat& image, double luma_sigma) {
  const double read = imaging::estimate_aliasing(image, luma_sigma);
  return read < kAliasedAbove ? imaging::kAntialiasedAliasing : read;
}

class DamageAwareUpscaler final : public Upscaler {
 public:
  DamageAwareUpscaler(std::shared_ptr<const models::Model> model, int tile, DenoiseSetting setting)
      : model_(std::move(model)), tile_(tile), setting_(std::move(setting)) {
    if (!is_damage_condition(model_->condition_planes()))
      throw Error("a damage-aware model is told " + std::to_string(kFewestDamageConditionPlanes) + " or " +
                  std::to_string(kDamageConditionPlanes) + " condition planes; this " + model_->arch() +
                  " model is told " + std::to_string(model_->condition_planes()));
  }
  int scale() const override { return model_->scale(); }
  bool reads_aliasing() const { return model_->condition_planes() >= 3; }
  cv::Mat upscale(const cv::Mat& image) const override { return upscale_photo(image, {}, nullptr); }

  cv::Mat upscale_photo(const cv::Mat& image, const ImageFacts& facts, UpscaleNotes* notes) const override {
    return told(damage_of(image, facts, notes))->upscale(image);
  }

  bool gives_rows() const override { return true; }
  std::optional<io::ImageInRows> upscale_in_rows(const cv::Mat& image, const ImageFacts& facts,
                                                 UpscaleNotes* notes) const override {
    std::shared_ptr<const Upscaler> model = told(damage_of(image, facts, notes));
    std::optional<io::ImageInRows> rows = model->upscale_in_rows(image, facts, nullptr);
    if (rows) rows->fill = [model, fill = std::move(rows->fill)](int first_row, cv::Mat& band) { fill(first_row, band); };
    return rows;
  }

  cv::Mat upscale_y(const cv::Mat& y) const override { return told(damage_of(y, {}, nullptr))->upscale_y(y); }
  // upscale_y for a plane whose noise (σ in 8-bit levels of Y) and aliasing are already known.
  cv::Mat upscale_y_measured(const cv::Mat& y, double luma_sigma, double aliasing) const {
    if (setting_.mode != DenoiseSetting::Mode::automatic) return upscale_y(y);
    return told({0, luma_sigma, aliasing})->upscale_y(y);
  }

 private:
  Damage damage_of(const cv::Mat& image, const ImageFacts& facts, UpscaleNotes* notes) const {
    Damage d;
    if (setting_.mode != DenoiseSetting::Mode::automatic) {
      d.jpeg_quality = setting_.jpeg_quality;
      d.luma_sigma = luma_noise_sigma(setting_.noise_sigma, false);
      // The fixed levels say how strongly to clean; how the image was shrunk is still read.
      if (reads_aliasing()) d.aliasing = facts.aliasing ? *facts.aliasing : aliasing_of(image, luma_noise_of(image));
    } else {
      d.jpeg_quality = facts.jpeg_quality.value_or(0);
      d.luma_sigma = luma_noise_of(image);
      if (reads_aliasing()) d.aliasing = facts.aliasing ? *facts.aliasing : aliasing_of(image, d.luma_sigma);
    }
    if (notes) {
      notes->jpeg_quality = facts.jpeg_quality;
      notes->noise_sigma = facts.noise_sigma;
      if (!notes->noise_sigma && image.depth() != CV_32F) notes->noise_sigma = imaging::estimate_noise_sigma(image);
      if (reads_aliasing()) notes->aliasing = d.aliasing;
      notes->chosen = describe(d, reads_aliasing());
    }
    return d;
  }

  std::unique_ptr<Upscaler> told(const Damage& d) const {
    const std::vector<float> planes =
        damage_condition(d.jpeg_quality, d.luma_sigma, d.aliasing, model_->condition_planes());
    return upscaler_for_model(model_, tile_, [planes](const cv::Mat&) { return planes; });
  }

  std::shared_ptr<const models::Model> model_;
  int tile_;
  DenoiseSetting setting_;
};

class DenoisingUpscaler final : public Upscaler {
 public:
  DenoisingUpscaler(std::unique_ptr<Upscaler> clean, std::unique_ptr<DamageAwareUpscaler> damaged,
                    DenoiseSetting setting)
      : clean_(std::move(clean)), damaged_(std::move(damaged)), setting_(std::move(setting)) {}
  int scale() const override { return clean_->scale(); }
  cv::Mat upscale(const cv::Mat& image) const override { return upscale_photo(image, {}, nullptr); }

  cv::Mat upscale_photo(const cv::Mat& image, const ImageFacts& facts, UpscaleNotes* notes) const override {
    ImageFacts measured = facts;
    return choose(image, measured, notes).upscale_photo(image, measured, notes);
  }

  bool gives_rows() const override { return clean_->gives_rows() && damaged_->gives_rows(); }
  std::optional<io::ImageInRows> upscale_in_rows(const cv::Mat& image, const ImageFacts& facts,
                                                 UpscaleNotes* notes) const override {
    ImageFacts measured = facts;
    return choose(image, measured, notes).upscale_in_rows(image, measured, notes);
  }

  cv::Mat upscale_y(const cv::Mat& y) const override {
    if (setting_.mode == DenoiseSetting::Mode::off) return clean_->upscale_y(y);
    if (setting_.mode != DenoiseSetting::Mode::automatic) return damaged_->upscale_y(y);
    const double sigma = luma_noise_of(y);
    const double aliasing = damaged_->reads_aliasing() ? aliasing_of(y, sigma) : imaging::kAntialiasedAliasing;
    // A lone plane is judged as a grey image is: a clean photo's texture is the same in R,
    // G and B, so Y keeps it at full strength, where independent colour noise would shrink.
    if (sigma < luma_noise_sigma(kCleanNoiseSigma, true) && aliasing <= imaging::kAntialiasedAliasing)
      return clean_->upscale_y(y);
    return damaged_->upscale_y_measured(y, sigma, aliasing);
  }

 private:
  // The model for `image`: the clean one for --denoise off and for an image `auto` finds
  // clean (said in `notes`), else the damage model, to be run with `facts` (what was
  // measured here added, so that it is not measured again).
  const Upscaler& choose(const cv::Mat& image, ImageFacts& facts, UpscaleNotes* notes) const {
    if (setting_.mode == DenoiseSetting::Mode::off) return *clean_;
    if (setting_.mode == DenoiseSetting::Mode::automatic && !facts.jpeg_quality) {
      if (!facts.noise_sigma) facts.noise_sigma = imaging::estimate_noise_sigma(image);
      if (damaged_->reads_aliasing() && !facts.aliasing)
        facts.aliasing = aliasing_of(image, luma_noise_sigma(*facts.noise_sigma, false));
      const bool aliased = facts.aliasing && *facts.aliasing > imaging::kAntialiasedAliasing;
      if (*facts.noise_sigma < kCleanNoiseSigma && !aliased) {
        if (notes) *notes = {std::nullopt, facts.noise_sigma, facts.aliasing, "clean model (no JPEG tables, no noise, no aliasing)"};
        return *clean_;
      }
    }
    return *damaged_;
  }

  std::unique_ptr<Upscaler> clean_;
  std::unique_ptr<DamageAwareUpscaler> damaged_;
  DenoiseSetting setting_;
};

}  // namespace

std::unique_ptr<Upscaler> damage_aware_upscaler(std::shared_ptr<const models::Model> model, int tile,
                                                DenoiseSetting setting) {
  return std::make_unique<DamageAwareUpscaler>(std::move(model), tile, std::move(setting));
}

std::unique_ptr<Upscaler> denoising_upscaler(std::unique_ptr<Upscaler> clean,
                                             std::shared_ptr<const models::Model> damage_model, int tile,
                                             const DenoiseSetting& setting) {
  auto damaged = std::make_unique<DamageAwareUpscaler>(std::move(damage_model), tile, setting);
  return std::make_unique<DenoisingUpscaler>(std::move(clean), std::move(damaged), setting);
}

}  // namespace upsample::pipeline
