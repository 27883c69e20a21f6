#include "imaging/degradations.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <optional>
#include <set>
#include <tuple>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "imaging/aliasing_level.hpp"
#include "imaging/blur_kernels.hpp"
#include "imaging/matlab_imresize.hpp"
#include "tensor/error.hpp"

namespace upsample::imaging {

namespace {

// The shortest text that reads back as the same double ("0.1", "15", "1.25").
std::string number_text(double value) {
  char text[32];
  const auto result = std::to_chars(text, text + sizeof text, value);
  return std::string(text, result.ptr);
}

// Parses all of `text` as a finite number; nullopt otherwise.
std::optional<double> parse_number(const std::string& text) {
  double value = 0;
  const char* last = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), last, value);
  if (text.empty() || ec != std::errc() || ptr != last || !std::isfinite(value)) return std::nullopt;
  return value;
}

bool is_whole(double value) { return value == std::floor(value); }

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

void require_u8_image(const cv::Mat& image, const char* what) {
  if (image.empty() || image.dims != 2 || image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
    throw Error(std::string(what) + ": expected an 8-bit grey or BGR image");
}

constexpr DownscaleKernel kAllKernels[] = {DownscaleKernel::matlab_bicubic, DownscaleKernel::bilinear,
                                           DownscaleKernel::area, DownscaleKernel::plain_cubic,
                                           DownscaleKernel::nearest};

std::optional<DownscaleKernel> kernel_named(const std::string& name) {
  for (DownscaleKernel k : kAllKernels)
    if (downscale_kernel_name(k) == name) return k;
  return std::nullopt;
}

// ---- The steps, each 8-bit in and out. ----

cv::Mat blurred(const cv::Mat& image_u8, const DegradationStep& step) {
  const cv::Mat kernel = anisotropic_gaussian_kernel(step.blur_sigma_x, step.blur_sigma_y, step.blur_angle);
  cv::Mat as_float, out;
  image_u8.convertTo(as_float, CV_32F);
  blur_image(as_float, kernel).convertTo(out, CV_8U);  // rounds and saturates
  return out;
}

int opencv_interpolation(DownscaleKernel kernel) {
  switch (kernel) {
    case DownscaleKernel::bilinear: return cv::INTER_LINEAR;
    case DownscaleKernel::area: return cv::INTER_AREA;
    case DownscaleKernel::plain_cubic: return cv::INTER_CUBIC;
    // INTER_NEAREST takes each block's top-left pixel; the exact variant samples where
    // the LR pixel's centre falls, as Pillow does.
    case DownscaleKernel::nearest: return cv::INTER_NEAREST_EXACT;
    case DownscaleKernel::matlab_bicubic: break;
  }
  throw Error("downscale: no OpenCV interpolation for this kernel");
}

// uint8() of a CV_64F image as MATLAB does it: half away from zero, saturated. Rounding
// once after both passes, as the evaluation scripts' uint8(imresize(double(HR), 1/s)) does,
// stays closest to their unrounded LR; imresize on uint8 also clips and rounds in between.
cv::Mat matlab_rounded_u8(const cv::Mat& image64) {
  cv::Mat out(image64.size(), CV_MAKETYPE(CV_8U, image64.channels()));
  const int row_length = image64.cols * image64.channels();
  for (int y = 0; y < image64.rows; ++y) {
    const double* src = image64.ptr<double>(y);
    uchar* dst = out.ptr<uchar>(y);
    for (int i = 0; i < row_length; ++i)
      dst[i] = static_cast<uchar>(src[i] > 0 ? std::round(std::min(src[i], 255.0)) : 0.0);
  }
  return out;
}

cv::Mat downscaled(const cv::Mat& image_u8, DownscaleKernel kernel, int scale) {
  if (scale < 1) throw Error("downscale: the scale must be at least 1, not " + std::to_string(scale));
  const cv::Mat cropped = crop_to_multiple_of(image_u8, scale);
  if (scale == 1) return cropped.clone();
  cv::Mat out;
  if (kernel == DownscaleKernel::matlab_bicubic) {
    cropped.convertTo(out, CV_32F);  // exact; matlab_imresize takes floats only
    return matlab_rounded_u8(matlab_imresize(out, 1.0 / scale));
  }
  cv::resize(cropped, out, cv::Size(cropped.cols / scale, cropped.rows / scale), 0, 0, opencv_interpolation(kernel));
  return out;
}

cv::Mat noised(const cv::Mat& image_u8, double sigma, bool grey, std::mt19937& rng) {
  if (!(sigma > 0)) return image_u8.clone();
  // OpenCV's generator: fast normals (ziggurat), and the same ones on every platform,
  // which std::normal_distribution does not promise.
  const uint64_t seed = (static_cast<uint64_t>(rng()) << 32) | rng();
  cv::RNG normals(seed);
  const int channels = image_u8.channels();
  cv::Mat noise(image_u8.size(), CV_32FC(grey ? 1 : channels));
  normals.fill(noise, cv::RNG::NORMAL, 0.0, sigma);
  if (noise.channels() != channels) cv::merge(std::vector<cv::Mat>(static_cast<size_t>(channels), noise), noise);
  cv::Mat sum, out;
  image_u8.convertTo(sum, CV_32F);
  sum += noise;
  sum.convertTo(out, CV_8U);  // rounds and saturates
  return out;
}

cv::Mat jpeg_compressed(const cv::Mat& image_u8, int quality) {
  if (quality < 1 || quality > 100) throw Error("jpeg: the quality must be 1..100, not " + std::to_string(quality));
  std::vector<int> params = {cv::IMWRITE_JPEG_QUALITY, quality};
#if CV_VERSION_MAJOR > 4 || (CV_VERSION_MAJOR == 4 && CV_VERSION_MINOR >= 7)
  // 4:2:0 is libjpeg's default for colour; newer OpenCV lets us say so.
  params.insert(params.end(), {cv::IMWRITE_JPEG_SAMPLING_FACTOR, cv::IMWRITE_JPEG_SAMPLING_FACTOR_420});
#endif
  std::vector<uchar> bytes;
  if (!cv::imencode(".jpg", image_u8, bytes, params)) throw Error("jpeg: OpenCV could not encode the image");
  cv::Mat decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
  if (decoded.empty()) throw Error("jpeg: OpenCV could not decode its own JPEG");
  return decoded;
}

}  // namespace

std::string downscale_kernel_name(DownscaleKernel kernel) {
  switch (kernel) {
    case DownscaleKernel::matlab_bicubic: return "bicubic";
    case DownscaleKernel::bilinear: return "bilinear";
    case DownscaleKernel::area: return "area";
    case DownscaleKernel::plain_cubic: return "cubic";
    case DownscaleKernel::nearest: return "nearest";
  }
  return "unknown";
}

// Designated initialisers: each builder names only the fields its kind uses.
DegradationStep DegradationStep::blur(double sigma_x, double sigma_y, double angle_degrees) {
  return {.kind = Kind::blur, .blur_sigma_x = sigma_x, .blur_sigma_y = sigma_y < 0 ? sigma_x : sigma_y,
          .blur_angle = angle_degrees};
}

DegradationStep DegradationStep::downscale(DownscaleKernel kernel, int scale) {
  return {.kind = Kind::downscale, .kernel = kernel, .scale = scale};
}

DegradationStep DegradationStep::noise(double sigma, bool grey) {
  return {.kind = Kind::noise, .noise_sigma = sigma, .grey_noise = grey};
}

DegradationStep DegradationStep::jpeg(int quality) { return {.kind = Kind::jpeg, .jpeg_quality = quality}; }

std::string DegradationStep::text() const {
  switch (kind) {
    case Kind::blur:
      if (blur_sigma_x == blur_sigma_y) return "blur:" + number_text(blur_sigma_x);
      return "blur:" + number_text(blur_sigma_x) + "," + number_text(blur_sigma_y) + "," + number_text(blur_angle);
    case Kind::downscale: return "downscale:" + downscale_kernel_name(kernel) + ",x" + std::to_string(scale);
    case Kind::noise: return "noise:" + number_text(noise_sigma) + (grey_noise ? ",grey" : "");
    case Kind::jpeg: return "jpeg:" + std::to_string(jpeg_quality);
  }
  return "?";
}

std::string Degradation::text() const {
  std::string out;
  for (const DegradationStep& step : steps) out += (out.empty() ? "" : "+") + step.text();
  return out.empty() ? "none" : out;
}

cv::Mat anisotropic_gaussian_kernel(double sigma_x, double sigma_y, double angle_degrees) {
  if (sigma_x == sigma_y) return gaussian_kernel(sigma_x);
  for (double sigma : {sigma_x, sigma_y})
    if (!(sigma > 0) || sigma > 50) throw Error("gaussian blur: sigma must be in (0, 50], not " + number_text(sigma));
  const int r = static_cast<int>(std::ceil(3.0 * std::max(sigma_x, sigma_y)));
  const double angle = angle_degrees * std::numbers::pi / 180.0;
  const double c = std::cos(angle), s = std::sin(angle);
  cv::Mat k(2 * r + 1, 2 * r + 1, CV_32F);
  for (int y = -r; y <= r; ++y)
    for (int x = -r; x <= r; ++x) {
      // Image y points down, so counter-clockwise is (cos, -sin) in (x, y).
      const double along = x * c - y * s, across = x * s + y * c;
      const double e = along * along / (sigma_x * sigma_x) + across * across / (sigma_y * sigma_y);
      k.at<float>(y + r, x + r) = static_cast<float>(std::exp(-0.5 * e));
    }
  k /= cv::sum(k)[0];
  return k;
}

cv::Mat apply_degradation(const cv::Mat& image_u8, const Degradation& damage, std::mt19937& rng) {
  require_u8_image(image_u8, "degradation");
  cv::Mat image = image_u8;
  for (const DegradationStep& step : damage.steps) {
    switch (step.kind) {
      case DegradationStep::Kind::blur: image = blurred(image, step); break;
      case DegradationStep::Kind::downscale: image = downscaled(image, step.kernel, step.scale); break;
      case DegradationStep::Kind::noise: image = noised(image, step.noise_sigma, step.grey_noise, rng); break;
      case DegradationStep::Kind::jpeg: image = jpeg_compressed(image, step.jpeg_quality); break;
    }
  }
  return image.data == image_u8.data ? image_u8.clone() : image;
}

// ---- Evaluation specs. ----

namespace {

constexpr const char* kSpecForms =
    "valid forms: jpeg:Q (quality 1..100), noise:S or noise:S,grey (sigma in 8-bit levels), "
    "downscale:bicubic|bilinear|area|cubic|nearest, blur:S (Gaussian sigma in HR pixels); "
    "several may be joined with '+'";

[[noreturn]] void bad_spec(const std::string& spec, const std::string& reason) {
  throw Error("damage spec '" + spec + "': " + reason + "; " + kSpecForms);
}

double spec_number(const std::string& spec, const std::string& text, double low, double high, const char* what) {
  const std::optional<double> value = parse_number(text);
  if (!value) bad_spec(spec, "'" + text + "' is not a number");
  if (*value < low || *value > high)
    bad_spec(spec, std::string(what) + " must be in " + number_text(low) + ".." + number_text(high));
  return *value;
}

// One "kind:value" part of `spec` into `out`; `seen` catches a kind given twice.
void apply_spec_part(const std::string& spec, const std::string& part, DamageSpec& out, std::set<std::string>& seen) {
  const size_t colon = part.find(':');
  if (colon == std::string::npos) bad_spec(spec, "expected KIND:VALUE, not '" + part + "'");
  const std::string kind = part.substr(0, colon), value = part.substr(colon + 1);
  const bool known = kind == "jpeg" || kind == "noise" || kind == "downscale" || kind == "blur";
  if (!known) bad_spec(spec, "unknown kind '" + kind + "'");
  if (!seen.insert(kind).second) bad_spec(spec, kind + " is given twice");
  if (kind == "jpeg") {
    const double q = spec_number(spec, value, 1, 100, "the quality");
    if (!is_whole(q)) bad_spec(spec, "the quality must be a whole number");
    out.jpeg_quality = static_cast<int>(q);
  } else if (kind == "noise") {
    const std::vector<std::string> parts = split(value, ',');
    if (parts.size() > 2 || (parts.size() == 2 && parts[1] != "grey"))
      bad_spec(spec, "expected noise:S or noise:S,grey");
    out.noise_sigma = spec_number(spec, parts[0], 0, 255, "sigma");
    out.grey_noise = parts.size() == 2;
  } else if (kind == "downscale") {
    const std::optional<DownscaleKernel> kernel = kernel_named(value);
    if (!kernel) bad_spec(spec, "unknown kernel '" + value + "'");
    out.downscale = *kernel;
  } else {
    out.blur_sigma = spec_number(spec, value, 0, 50, "sigma");
  }
}

}  // namespace

std::string DamageSpec::text() const {
  std::vector<std::string> parts;
  if (blur_sigma > 0) parts.push_back("blur:" + number_text(blur_sigma));
  if (downscale != DownscaleKernel::matlab_bicubic) parts.push_back("downscale:" + downscale_kernel_name(downscale));
  if (noise_sigma > 0) parts.push_back("noise:" + number_text(noise_sigma) + (grey_noise ? ",grey" : ""));
  if (jpeg_quality > 0) parts.push_back("jpeg:" + std::to_string(jpeg_quality));
  if (parts.empty()) return "downscale:bicubic";
  std::string out = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) out += "+" + parts[i];
  return out;
}

DamageSpec parse_damage_specs(const std::vector<std::string>& specs) {
  DamageSpec out;
  std::set<std::string> seen;
  for (const std::string& spec : specs)
    for (const std::string& part : split(spec, '+')) {
      if (part.empty()) bad_spec(spec, "an empty part");
      apply_spec_part(spec, part, out, seen);
    }
  return out;
}

Degradation degradation_of(const DamageSpec& damage, int scale) {
  if (scale < 1) throw Error("damage: the scale must be at least 1, not " + std::to_string(scale));
  if (!(damage.blur_sigma >= 0 && damage.blur_sigma <= 50)) throw Error("damage: blur sigma must be in 0..50");
  if (!(damage.noise_sigma >= 0 && damage.noise_sigma <= 255)) throw Error("damage: noise sigma must be in 0..255");
  if (damage.jpeg_quality < 0 || damage.jpeg_quality > 100)
    throw Error("damage: JPEG quality must be in 1..100 (0: none)");
  Degradation out;
  if (damage.blur_sigma > 0) out.steps.push_back(DegradationStep::blur(damage.blur_sigma));
  if (scale > 1) out.steps.push_back(DegradationStep::downscale(damage.downscale, scale));
  if (damage.noise_sigma > 0) out.steps.push_back(DegradationStep::noise(damage.noise_sigma, damage.grey_noise));
  if (damage.jpeg_quality > 0) out.steps.push_back(DegradationStep::jpeg(damage.jpeg_quality));
  return out;
}

cv::Mat damaged_lr(const cv::Mat& hr_u8, int scale, const DamageSpec& damage, uint32_t seed) {
  require_u8_image(hr_u8, "damaged LR");
  const Degradation steps = degradation_of(damage, scale);
  std::mt19937 rng(seed);
  return apply_degradation(crop_to_multiple_of(hr_u8, scale), steps, rng);
}

// ---- Training: random damage. ----

namespace {

// Wider downscales hide more blur, so the σ range grows slowly with the scale.
double blur_scale_factor(int scale) { return std::sqrt(scale / 2.0); }

DownscaleKernel pick_kernel(const RandomDamageOptions& options, std::mt19937& rng) {
  std::vector<double> weights;
  for (const auto& k : options.downscale_kernels) weights.push_back(k.weight);
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  return options.downscale_kernels[pick(rng)].kernel;
}

// Noise, JPEG (in either order) and maybe a second JPEG, each as the options draw them.
void add_noise_and_jpeg(const RandomDamageOptions& o, std::mt19937& rng, Degradation& out) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> quality(o.jpeg_quality_min, o.jpeg_quality_max);
  std::vector<DegradationStep> steps;
  if (unit(rng) < o.noise_probability) {
    const double sigma = std::uniform_real_distribution<double>(o.noise_sigma_min, o.noise_sigma_max)(rng);
    const bool grey = unit(rng) < o.grey_noise_fraction;
    if (sigma > 0) steps.push_back(DegradationStep::noise(sigma, grey));
  }
  if (unit(rng) < o.jpeg_probability) {
    const DegradationStep jpeg = DegradationStep::jpeg(quality(rng));
    if (unit(rng) < o.jpeg_before_noise_probability)
      steps.insert(steps.begin(), jpeg);
    else
      steps.push_back(jpeg);
    if (unit(rng) < o.second_jpeg_probability) steps.push_back(DegradationStep::jpeg(quality(rng)));
  }
  out.steps.insert(out.steps.end(), steps.begin(), steps.end());
}

}  // namespace

namespace {

// What is wrong with the options, or nullopt.
std::optional<std::string> random_damage_problem(const RandomDamageOptions& o) {
  const std::pair<double, const char*> probabilities[] = {
      {o.blur_probability, "blur-probability"},   {o.anisotropic_fraction, "anisotropic"},
      {o.noise_probability, "noise-probability"}, {o.grey_noise_fraction, "grey-noise"},
      {o.jpeg_probability, "jpeg-probability"},   {o.jpeg_before_noise_probability, "jpeg-before-noise"},
      {o.second_jpeg_probability, "second-jpeg"}, {o.clean_probability, "clean"}};
  for (const auto& [p, name] : probabilities)
    if (!(p >= 0 && p <= 1)) return std::string(name) + " must be a probability in 0..1, not " + number_text(p);
  if (!(o.blur_sigma_min > 0 && o.blur_sigma_min <= o.blur_sigma_max && o.blur_sigma_max <= 20))
    return std::string("the blur sigma range must be low-high within (0, 20] HR pixels");
  if (!(o.noise_sigma_min >= 0 && o.noise_sigma_min <= o.noise_sigma_max && o.noise_sigma_max <= 100))
    return std::string("the noise sigma range must be low-high within 0..100 levels");
  if (!(o.jpeg_quality_min >= 1 && o.jpeg_quality_min <= o.jpeg_quality_max && o.jpeg_quality_max <= 100))
    return std::string("the JPEG quality range must be low-high within 1..100");
  double total_weight = 0;
  for (const auto& k : o.downscale_kernels) {
    if (!(k.weight >= 0 && std::isfinite(k.weight))) return std::string("downscale kernel weights must be 0 or more");
    total_weight += k.weight;
  }
  if (!(total_weight > 0)) return std::string("no downscale kernel has a positive weight");
  return std::nullopt;
}

}  // namespace

void check_random_damage(const RandomDamageOptions& options) {
  if (const auto problem = random_damage_problem(options)) throw Error("damage options: " + *problem);
}

DamageDrawn damage_drawn(const Degradation& damage) {
  DamageDrawn drawn;
  double noise_variance = 0;
  for (const DegradationStep& step : damage.steps) {
    switch (step.kind) {
      case DegradationStep::Kind::blur:
        drawn.blur_sigma_x = step.blur_sigma_x;
        drawn.blur_sigma_y = step.blur_sigma_y;
        break;
      case DegradationStep::Kind::downscale: drawn.downscale = step.kernel; break;
      case DegradationStep::Kind::noise:
        noise_variance += step.noise_sigma * step.noise_sigma;
        drawn.grey_noise = drawn.grey_noise || step.grey_noise;
        break;
      case DegradationStep::Kind::jpeg:
        // The worst save decides what is lost.
        drawn.jpeg_quality =
            drawn.jpeg_quality == 0 ? step.jpeg_quality : std::min<double>(drawn.jpeg_quality, step.jpeg_quality);
        break;
    }
  }
  drawn.noise_sigma = std::sqrt(noise_variance);
  drawn.aliasing = downscale_aliasing(damage);
  return drawn;
}

Degradation random_degradation(int scale, const RandomDamageOptions& o, std::mt19937& rng) {
  check_random_damage(o);
  if (scale < 1) throw Error("damage: the scale must be at least 1, not " + std::to_string(scale));
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Degradation out;
  if (unit(rng) < o.blur_probability) {
    const double f = blur_scale_factor(scale);
    std::uniform_real_distribution<double> sigma(o.blur_sigma_min * f, o.blur_sigma_max * f);
    if (unit(rng) < o.anisotropic_fraction) {
      const double sigma_x = sigma(rng), sigma_y = sigma(rng);
      out.steps.push_back(DegradationStep::blur(sigma_x, sigma_y, std::uniform_real_distribution<double>(0, 180)(rng)));
    } else {
      out.steps.push_back(DegradationStep::blur(sigma(rng)));
    }
  }
  const DownscaleKernel kernel = pick_kernel(o, rng);
  if (scale > 1) out.steps.push_back(DegradationStep::downscale(kernel, scale));
  if (unit(rng) >= o.clean_probability) add_noise_and_jpeg(o, rng, out);
  return out;
}

cv::Mat random_damaged_lr(const cv::Mat& hr_u8, int scale, const RandomDamageOptions& options, std::mt19937& rng,
                          DamageDrawn* drawn) {
  require_u8_image(hr_u8, "damaged LR");
  const Degradation damage = random_degradation(scale, options, rng);
  if (drawn) *drawn = damage_drawn(damage);
  return apply_degradation(crop_to_multiple_of(hr_u8, scale), damage, rng);
}

int random_damage_margin(int scale, const RandomDamageOptions& options) {
  if (scale < 1) throw Error("damage: the scale must be at least 1, not " + std::to_string(scale));
  const double blur_radius_hr =
      options.blur_probability > 0 ? std::ceil(3.0 * options.blur_sigma_max * blur_scale_factor(scale)) : 0.0;
  // MATLAB's antialiased cubic reaches 2 LR pixels each side (OpenCV's kernels less); one
  // more for the blur's rounding up to whole LR pixels.
  return static_cast<int>(std::ceil(blur_radius_hr / scale)) + 3;
}

// ---- Training options as text. ----

namespace {

constexpr const char* kRandomForms =
    "valid forms: blur=A-B|off, blur-probability=P, anisotropic=P, downscale=K[:W],... "
    "(K: bicubic, bilinear, area, cubic, nearest; W: weight), noise=A-B|off, noise-probability=P, grey-noise=P, "
    "jpeg=A-B|off, jpeg-probability=P, jpeg-before-noise=P, second-jpeg=P, clean=P";

[[noreturn]] void bad_option(const std::string& spec, const std::string& reason) {
  throw Error("damage option '" + spec + "': " + reason + "; " + kRandomForms);
}

double option_number(const std::string& spec, const std::string& text) {
  const std::optional<double> value = parse_number(text);
  if (!value) bad_option(spec, "'" + text + "' is not a number");
  return *value;
}

// "A-B" or a single "A" (a range of one value).
std::pair<double, double> option_range(const std::string& spec, const std::string& text) {
  if (parse_number(text)) return {*parse_number(text), *parse_number(text)};
  const size_t dash = text.find('-', 1);
  if (dash == std::string::npos) bad_option(spec, "expected a number or a range A-B");
  return {option_number(spec, text.substr(0, dash)), option_number(spec, text.substr(dash + 1))};
}

std::vector<RandomDamageOptions::WeightedKernel> option_kernels(const std::string& spec, const std::string& text) {
  std::vector<RandomDamageOptions::WeightedKernel> kernels;
  for (const std::string& part : split(text, ',')) {
    const size_t colon = part.find(':');
    const std::string name = part.substr(0, colon);
    const std::optional<DownscaleKernel> kernel = kernel_named(name);
    if (!kernel) bad_option(spec, "unknown kernel '" + name + "'");
    const double weight = colon == std::string::npos ? 1.0 : option_number(spec, part.substr(colon + 1));
    kernels.push_back({*kernel, weight});
  }
  return kernels;
}

// One "key=value" into `o`.
void apply_option(const std::string& spec, RandomDamageOptions& o) {
  const size_t eq = spec.find('=');
  if (eq == std::string::npos) bad_option(spec, "expected KEY=VALUE");
  const std::string key = spec.substr(0, eq), value = spec.substr(eq + 1);
  const bool off = value == "off";
  if (key == "blur") {
    if (off) o.blur_probability = 0;
    else std::tie(o.blur_sigma_min, o.blur_sigma_max) = option_range(spec, value);
  } else if (key == "noise") {
    if (off) o.noise_probability = 0;
    else std::tie(o.noise_sigma_min, o.noise_sigma_max) = option_range(spec, value);
  } else if (key == "jpeg") {
    if (off) {
      o.jpeg_probability = 0;
    } else {
      const auto [low, high] = option_range(spec, value);
      if (!is_whole(low) || !is_whole(high) || low < 1 || low > 100 || high < 1 || high > 100)
        bad_option(spec, "qualities are whole numbers 1..100");
      o.jpeg_quality_min = static_cast<int>(low);
      o.jpeg_quality_max = static_cast<int>(high);
    }
  } else if (key == "downscale") {
    o.downscale_kernels = option_kernels(spec, value);
  } else {
    double* probability = key == "blur-probability"    ? &o.blur_probability
                          : key == "anisotropic"       ? &o.anisotropic_fraction
                          : key == "noise-probability" ? &o.noise_probability
                          : key == "grey-noise"        ? &o.grey_noise_fraction
                          : key == "jpeg-probability"  ? &o.jpeg_probability
                          : key == "jpeg-before-noise" ? &o.jpeg_before_noise_probability
                          : key == "second-jpeg"       ? &o.second_jpeg_probability
                          : key == "clean"             ? &o.clean_probability
                                                       : nullptr;
    if (!probability) bad_option(spec, "unknown option '" + key + "'");
    *probability = option_number(spec, value);
  }
}

}  // namespace

RandomDamageOptions parse_random_damage(const std::vector<std::string>& specs) {
  RandomDamageOptions o;
  for (const std::string& spec : specs) {
    apply_option(spec, o);
    if (const auto problem = random_damage_problem(o)) bad_option(spec, *problem);
  }
  return o;
}

std::string random_damage_text(const RandomDamageOptions& o) {
  auto range = [](double low, double high) { return number_text(low) + "-" + number_text(high); };
  std::string kernels;
  for (const auto& k : o.downscale_kernels)
    kernels += (kernels.empty() ? "" : ",") + downscale_kernel_name(k.kernel) + ":" + number_text(k.weight);
  return "blur=" + range(o.blur_sigma_min, o.blur_sigma_max) + " blur-probability=" + number_text(o.blur_probability) +
         " anisotropic=" + number_text(o.anisotropic_fraction) + " downscale=" + kernels +
         " noise=" + range(o.noise_sigma_min, o.noise_sigma_max) +
         " noise-probability=" + number_text(o.noise_probability) +
         " grey-noise=" + number_text(o.grey_noise_fraction) +
         " jpeg=" + range(o.jpeg_quality_min, o.jpeg_quality_max) +
         " jpeg-probability=" + number_text(o.jpeg_probability) +
         " jpeg-before-noise=" + number_text(o.jpeg_before_noise_probability) +
         " second-jpeg=" + number_text(o.second_jpeg_probability) + " clean=" + number_text(o.clean_probability);
}

}  // namespace upsample::imaging
