#pragma once
// The upscaling methods the tool knows, by name. The main job, `compare` and `eval` look
// methods up here; adding a method means registering it, never editing a switch.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "io/png_row_encoder.hpp"

namespace upsample::pipeline {

// What is known about an image besides its pixels, read from its file.
struct ImageFacts {
  std::optional<double> jpeg_quality;  // the IJG quality its JPEG tables say it was saved at
  std::optional<double> noise_sigma;   // noise already estimated from its pixels (8-bit levels)
  std::optional<double> aliasing;      // aliasing already read from its pixels (imaging/aliasing_level.hpp)
};

// What a method read off one image and chose for it (the --denoise decision), for -v and
// --json; empty when the method chooses nothing.
struct UpscaleNotes {
  std::optional<double> jpeg_quality;  // as read from the file
  std::optional<double> noise_sigma;   // as estimated from the pixels, 8-bit levels
  std::optional<double> aliasing;      // as read from the pixels, for models told it
  std::string chosen;                  // e.g. "clean model", "damage model told JPEG q50, noise 0.0"
};

// One configured upscaler (method + scale). upscale() must be safe to call from several
// threads at once: batch jobs share one instance.
class Upscaler {
 public:
  virtual ~Upscaler() = default;
  // `image`: 8- or 16-bit, 1 (grey) or 3 (BGR) channels; alpha is handled by the caller.
  // Returns an image of the same type, `scale` times larger in each direction.
  virtual cv::Mat upscale(const cv::Mat& image) const = 0;
  // The same for an image whose file told `facts`; a method that adapts to the damage of
  // its input (--denoise) says what it read and chose in `notes` (may be null).
  virtual cv::Mat upscale_photo(const cv::Mat& image, const ImageFacts& facts, UpscaleNotes* notes) const {
    (void)facts;
    (void)notes;
    return upscale(image);
  }
  // The luma path of the evaluation protocol: `y` is a BT.601 Y plane (CV_32FC1, Y/255,
  // not rounded); returns the upscaled Y plane (CV_32FC1, not rounded).
  virtual cv::Mat upscale_y(const cv::Mat& y) const = 0;
  virtual int scale() const = 0;
  // upscale_photo(image, facts, notes) made band by band as it is written (io::save_image
  // takes it), for a method whose gives_rows() is true; nullopt for one that cannot.
  // `notes` is filled before this returns; `image` and this upscaler must outlive the result.
  virtual std::optional<io::ImageInRows> upscale_in_rows(const cv::Mat& image, const ImageFacts& facts,
                                                         UpscaleNotes* notes) const {
    (void)image;
    (void)facts;
    (void)notes;
    return std::nullopt;
  }
  // True when upscale_in_rows gives bands, known before any image is read.
  virtual bool gives_rows() const { return false; }
};

// How strongly a learned method cleans JPEG damage and noise (damage_condition.hpp):
// auto reads the damage of each image (its JPEG tables, its noise level) and uses the
// clean model on a clean image; off always uses the clean model; low, medium and high
// tell the damage model a fixed damage; a number tells it that JPEG quality.
struct DenoiseSetting {
  enum class Mode { automatic, off, fixed } mode = Mode::off;
  double jpeg_quality = 0;  // fixed: told to the damage model
  double noise_sigma = 0;
  std::string text = "off";
};
// "auto", "off", "low", "medium", "high", or a JPEG quality 1–100; Error otherwise.
DenoiseSetting parse_denoise(const std::string& text);

struct UpscalerOptions {
  int tile = 0;  // tile edge in input pixels for learned methods; 0 = automatic
  DenoiseSetting denoise;  // for methods that have a damage model (fsrcnn)
};

struct MethodInfo {
  std::string name;                 // what users type after -m
  std::string summary;              // one line for --help and `models`
  std::vector<int> scales;          // supported scales; empty = any integer ≥ 1
  bool learned = false;             // needs trained weights (which may not be installed)
  std::function<std::unique_ptr<Upscaler>(int scale, const UpscalerOptions&)> create;
  // A classical method: resamples an image (any depth and channels, float too) straight
  // to a size, for -s 1.5 and --width (sized_upscaler.hpp); empty for a learned one.
  std::function<cv::Mat(const cv::Mat& image, cv::Size size)> resize_to;
};

class MethodRegistry {
 public:
  // All built-in methods (classical now; learned ones register themselves here too).
  static const MethodRegistry& builtin();

  void add(MethodInfo method);
  // nullptr if unknown.
  const MethodInfo* find(const std::string& name) const;
  const std::vector<MethodInfo>& all() const { return methods_; }
  std::string names() const;  // "nearest, bilinear, ..."

 private:
  std::vector<MethodInfo> methods_;
};

// Creates the upscaler for `method` at `scale`: a registered name, a model file
// (PATH.safetensors) or an OpenCV dnn_superres model (opencv:PATH.pb); a learned one
// with a trailing "+" is run as its geometric self-ensemble (self_ensemble.hpp). Throws
// upsample::Error naming the known methods if the name is unknown, or the supported
// scales if the scale is not one.
std::unique_ptr<Upscaler> create_upscaler(const std::string& method, int scale, const UpscalerOptions& options = {});

// True for "NAME+" (the self-ensemble of NAME; `base` = NAME); throws Error when NAME is a
// classical method, which gives the same result in every orientation.
bool is_learned_self_ensemble(const std::string& method, std::string& base);

// How a method is named in file names and tables: a model file by its stem
// (runs/a.safetensors → "a", opencv:FSRCNN_x3.pb → "opencv-FSRCNN_x3"), with the "+" of
// the self-ensemble kept; any other name as it is.
std::string method_label(const std::string& method);

// Registers nearest, bilinear, lanczos and area (OpenCV's cv::resize) and bicubic
// (MATLAB's imresize, the SR papers' baseline).
void register_classical_methods(MethodRegistry& registry);

}  // namespace upsample::pipeline
