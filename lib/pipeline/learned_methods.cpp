// The learned upsamplers as methods of the main job: each architecture at ×2, ×3, ×4 with
// our trained weights from weights/, and any model file given by path. Models work on
// Y (BT.601) as the papers do; Cb, Cr are upscaled with bicubic.
#include <algorithm>
#include <cstdlib>
#include <mutex>

#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "models/model.hpp"
#include "imaging/colour.hpp"
#include "pipeline/damage_condition.hpp"
#include "pipeline/denoise.hpp"
#include "pipeline/learned_methods.hpp"
#include "pipeline/tiling.hpp"
#include "tensor/error.hpp"

namespace upsample::pipeline {

namespace fs = std::filesystem;

namespace {

// Chroma is upscaled by imaging::cubic_upscale, which reads 2 pixels each side.
constexpr int kChromaHalo = 3;

class LearnedUpscaler final : public Upscaler {
 public:
  LearnedUpscaler(std::shared_ptr<const models::Model> model, int tile, ConditionSource condition = {})
      : model_(std::move(model)), tile_(tile), condition_(std::move(condition)) {
    if (model_->condition_planes() > 0 && (!condition_ || model_->channels() != 1))
      throw Error("a " + model_->arch() + " model told " + std::to_string(model_->condition_planes()) +
                  " condition plane(s) needs their values, and works on Y");
  }

  int scale() const override { return model_->scale(); }

  cv::Mat upscale_y(const cv::Mat& y) const override {
    if (condition_) return run_network_tiled(model_->net(), with_condition(y, condition_values(y)), tile_for(y.size()));
    if (model_->channels() == 3) {
      cv::Mat rgb;
      cv::cvtColor(imaging::y_to_grey(y), rgb, cv::COLOR_GRAY2RGB);
      cv::Mat out = run_network_tiled(model_->net(), rgb, tile_for(y.size()));
      cv::cvtColor(out, out, cv::COLOR_RGB2GRAY);
      return imaging::grey_to_y(out);
    }
    return run_network_tiled(model_->net(), y, tile_for(y.size()));
  }

  cv::Mat upscale(const cv::Mat& image) const override {
    const std::vector<float> condition = whole_image_condition(image);
    return assemble_tiles(image, tiles_of(image), model_->scale(),
                          [&](const cv::Mat& region) { return upscale_tile(region, condition); });
  }

  bool gives_rows() const override { return true; }
  std::optional<io::ImageInRows> upscale_in_rows(const cv::Mat& image, const ImageFacts&, UpscaleNotes*) const override {
    return assemble_tiles_in_rows(
        image, tiles_of(image, kMostRowsTileOutput), model_->scale(), image.type(),
        [this, condition = whole_image_condition(image)](const cv::Mat& region) { return upscale_tile(region, condition); });
  }

 private:
  // The condition comes from the whole image, so every tile is told the same.
  std::vector<float> whole_image_condition(const cv::Mat& image) const {
    return condition_ ? condition_values(imaging::luma_of(image)) : std::vector<float>{};
  }

  // Tiles of the automatic (or asked) size; with `most_output` > 0, of at most that many
  // output pixels across unless --tile asks otherwise.
  std::vector<Tile> tiles_of(const cv::Mat& image, int most_output = 0) const {
    const nn::Sequential& net = model_->net();
    int tile = tile_for(image.size());
    if (most_output > 0 && tile_ <= 0) {
      const int most = most_output / model_->scale();
      if (tile == 0 ? std::max(image.cols, image.rows) > most : tile > most) tile = most;
    }
    return plan_tiles(image.size(), tile, std::max(net.halo(), kChromaHalo), tile_alignment(net));
  }

  int tile_for(cv::Size size) const {
    return tile_ > 0 ? tile_ : automatic_tile(model_->net(), model_->channels() + model_->condition_planes(), size);
  }

  std::vector<float> condition_values(const cv::Mat& y) const {
    std::vector<float> values = condition_(y);
    if (static_cast<int>(values.size()) != model_->condition_planes())
      throw Error("the " + model_->arch() + " model is told " + std::to_string(model_->condition_planes()) +
                  " condition value(s), not " + std::to_string(values.size()));
    return values;
  }

  // The image's planes followed by one constant plane per condition value.
  static cv::Mat with_condition(const cv::Mat& planes, const std::vector<float>& values) {
    if (values.empty()) return planes;
    std::vector<cv::Mat> all;
    cv::split(planes, all);
    for (float v : values) all.emplace_back(planes.rows, planes.cols, CV_32F, cv::Scalar(v));
    cv::Mat out;
    cv::merge(all, out);
    return out;
  }

  cv::Mat run(const cv::Mat& planes, const std::vector<float>& condition = {}) const {
    return tensor_to_mat(model_->forward(mat_to_tensor(with_condition(planes, condition))));
  }

  // One tile of an 8- or 16-bit image, upscaled to the same depth.
  cv::Mat upscale_tile(const cv::Mat& region, const std::vector<float>& condition) const {
    return imaging::from_unit_float(upscale_unit(imaging::to_unit_float(region), condition), region.depth());
  }

  cv::Mat upscale_unit(const cv::Mat& region, const std::vector<float>& condition) const {
    if (model_->channels() == 3) {
      cv::Mat rgb;
      cv::cvtColor(region.channels() == 1 ? grey_as_bgr(region) : region, rgb, cv::COLOR_BGR2RGB);
      cv::Mat out = run(rgb);
      cv::cvtColor(out, out, cv::COLOR_RGB2BGR);
      if (region.channels() == 1) cv::cvtColor(out, out, cv::COLOR_BGR2GRAY);
      return out;
    }
    return imaging::map_luma(region, [&](const cv::Mat& y) { return run(y, condition); });
  }

  static cv::Mat grey_as_bgr(const cv::Mat& grey) {
    cv::Mat bgr;
    cv::cvtColor(grey, bgr, cv::COLOR_GRAY2BGR);
    return bgr;
  }

  std::shared_ptr<const models::Model> model_;
  int tile_;
  ConditionSource condition_;
};

}  // namespace

std::vector<fs::path> weights_search_path() {
  std::vector<fs::path> folders;
  if (const char* env = std::getenv("UPSAMPLE_WEIGHTS")) {
    folders.emplace_back(env);
    std::error_code ec;
    // A mistyped folder would otherwise fall back to the bundled weights without a word.
    static std::once_flag warned;
    if (!fs::is_directory(env, ec))
      std::call_once(warned, [env] {
        spdlog::warn("UPSAMPLE_WEIGHTS={} is not a folder; weights come from the folders after it", env);
      });
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    folders.push_back(exe.parent_path() / "weights");
    folders.push_back(exe.parent_path().parent_path() / "weights");
    folders.push_back(exe.parent_path().parent_path() / "share/upsample/weights");
  }
  folders.emplace_back(UPSAMPLE_WEIGHTS_DIR);
  // The binary in build/ and the source tree's weights/ often name the same folder twice.
  std::vector<fs::path> distinct;
  for (const fs::path& f : folders) {
    const fs::path normal = f.lexically_normal();
    if (std::find(distinct.begin(), distinct.end(), normal) == distinct.end()) distinct.push_back(normal);
  }
  return distinct;
}

fs::path find_weights(const std::string& arch, int scale) {
  const std::string name = arch + "_x" + std::to_string(scale) + ".safetensors";
  std::string searched;
  for (const auto& folder : weights_search_path()) {
    std::error_code ec;
    if (fs::is_regular_file(folder / name, ec)) {
      spdlog::debug("{} x{}: weights {}", arch, scale, (folder / name).string());
      return folder / name;
    }
    searched += (searched.empty() ? "" : ", ") + folder.string();
  }
  throw Error("no trained weights for " + arch + " ×" + std::to_string(scale) + ": " + name + " is not in " + searched +
              " (set UPSAMPLE_WEIGHTS to the folder that holds it)");
}

std::unique_ptr<Upscaler> upscaler_from_model_file(const fs::path& path, int scale, const UpscalerOptions& options) {
  std::shared_ptr<const models::Model> model = models::load_model(path);
  if (model->scale() != scale)
    throw Error(path.string() + ": this model upscales ×" + std::to_string(model->scale()) + ", not ×" +
                std::to_string(scale) + " (pass -s " + std::to_string(model->scale()) + ")");
  if (is_damage_condition(model->condition_planes()) && model->channels() == 1) {
    // A damage model run by itself: --denoise off tells it the image is clean.
    DenoiseSetting setting = options.denoise;
    if (setting.mode == DenoiseSetting::Mode::off) setting = {DenoiseSetting::Mode::fixed, 0, 0, "off"};
    return damage_aware_upscaler(std::move(model), options.tile, setting);
  }
  return std::make_unique<LearnedUpscaler>(std::move(model), options.tile);
}

std::unique_ptr<Upscaler> upscaler_for_model(std::shared_ptr<const models::Model> model, int tile,
                                             ConditionSource condition) {
  return std::make_unique<LearnedUpscaler>(std::move(model), tile, std::move(condition));
}

std::optional<fs::path> find_damage_weights(const std::string& arch, int scale) {
  try {
    return find_weights(arch + kDamageModelSuffix, scale);
  } catch (const Error&) {
    return std::nullopt;
  }
}

void register_learned_methods(MethodRegistry& registry) {
  for (const auto& arch : models::architectures()) {
    if (arch.defaults.count("task") && arch.defaults.at("task") != "sr") continue;  // deblur: scale 1, its own command
    const std::string name = arch.name;
    registry.add({name, arch.summary, {2, 3, 4}, true, [name](int scale, const UpscalerOptions& options) {
                    auto clean = upscaler_from_model_file(find_weights(name, scale), scale, options);
                    const auto damage_weights = find_damage_weights(name, scale);
                    if (options.denoise.mode == DenoiseSetting::Mode::off) return clean;
                    if (!damage_weights) {
                      // auto: a method without a damage model upscales as it is.
                      if (options.denoise.mode == DenoiseSetting::Mode::automatic) return clean;
                      find_weights(name + kDamageModelSuffix, scale);  // throws, naming where it looked
                    }
                    return denoising_upscaler(std::move(clean), models::load_model(*damage_weights), options.tile,
                                              options.denoise);
                  },
                  {}});
  }
}

}  // namespace upsample::pipeline
