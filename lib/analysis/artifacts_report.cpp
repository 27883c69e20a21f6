#include "analysis/artifacts_report.hpp"

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "imaging/colour.hpp"
#include "io/formats.hpp"
#include "io/image_io.hpp"
#include "io/json_path.hpp"
#include "models/model.hpp"
#include "pipeline/learned_methods.hpp"
#include "pipeline/method_registry.hpp"
#include "pipeline/tiling.hpp"
#include "tensor/error.hpp"

namespace upsample::analysis {

namespace fs = std::filesystem;

namespace {

// printf into a string: the reports keep the exact column layout printf gives.
[[gnu::format(printf, 1, 2)]] std::string printf_string(const char* format, ...) {
  va_list args;
  va_start(args, format);
  va_list measure;
  va_copy(measure, args);
  const int length = std::vsnprintf(nullptr, 0, format, measure);
  va_end(measure);
  std::string text(static_cast<size_t>(length) + 1, '\0');
  std::vsnprintf(text.data(), text.size(), format, args);
  va_end(args);
  text.resize(static_cast<size_t>(length));
  return text;
}

io::SaveOptions png_save(bool overwrite) {
  io::SaveOptions save;
  save.format = "png";
  save.existing = overwrite ? io::ExistingFile::Replace : io::ExistingFile::Refuse;
  return save;
}

const models::Architecture* learned_architecture(const std::string& name) {
  for (const auto& arch : models::architectures())
    if (arch.name == name) return &arch;
  return nullptr;
}

// Restoration models (the deblurring network) work at scale 1, and their weights are
// installed as {arch}_x1. (The blur estimator is not image-to-image: no diagnosis.)
bool works_at_scale_one(const models::Architecture& arch) {
  const auto task = arch.defaults.find("task");
  return task != arch.defaults.end() && task->second == "deblur";
}

// BT.601 luma of MATLAB's rgb2ycbcr in 8-bit levels, unrounded, from RGB planes in [0, 1]
// (what luma_levels does for 8-bit images, here on the network's float output).
float luma_of_rgb(double r, double g, double b) {
  using namespace imaging;
  return static_cast<float>(kLumaOffset + kLumaFromR * r + kLumaFromG * g + kLumaFromB * b);
}

}  // namespace

// ---- upscaled images ---------------------------------------------------------------------------

std::optional<int> scale_in_name(const fs::path& image) {
  // The last "x<digits>" standing alone between separators in the stem: {stem}_{method}_x{scale}.
  const std::string stem = image.stem().string();
  const auto separator = [](char c) { return c == '_' || c == '-' || c == '.' || c == ' '; };
  std::optional<int> found;
  for (size_t at = 0; at < stem.size(); ++at) {
    if (stem[at] != 'x' || (at > 0 && !separator(stem[at - 1]))) continue;
    size_t end = at + 1;
    while (end < stem.size() && end - at <= 2 && std::isdigit(static_cast<unsigned char>(stem[end]))) ++end;
    if (end == at + 1 || (end < stem.size() && !separator(stem[end]))) continue;
    const int scale = std::stoi(stem.substr(at + 1, end - at - 1));
    if (scale >= 2 && scale <= 16) found = scale;
  }
  return found;
}

ImageCheckerboard ImageScorer::score(const fs::path& input) {
  ImageCheckerboard result;
  result.input = input;
  try {
    const std::optional<int> named = scale_in_name(input);
    const int s = options_.scale.value_or(named.value_or(2));
    result.scale = s;
    if (!options_.scale && !named)
      result.warnings.push_back(input.string() + ": its name does not say the scale (as photo_x3.png would): " +
                                "measured as x2; give -s if it was upscaled by another factor");
    else if (options_.scale && named && *named != s)
      result.warnings.push_back(input.string() + ": its name says x" + std::to_string(*named) + ", measured as x" +
                                std::to_string(s) + " as -s asks");
    const cv::Mat image = io::load_image(input);
    if (image.rows % s != 0 || image.cols % s != 0)
      result.warnings.push_back(input.string() + ": " + std::to_string(image.cols) + "x" + std::to_string(image.rows) +
                                " is not a multiple of " + std::to_string(s) + ": was it really upscaled x" +
                                std::to_string(s) + "?");
    const io::ImageFormat* format = io::format_of_extension(io::extension_of(input));
    if (format && format->name == "JPEG" && 8 % s == 0)
      result.warnings.push_back(input.string() + ": a JPEG: its own 8x8 coding blocks repeat with period " +
                                std::to_string(s) + " too and score as checkerboard; measure a lossless copy");
    CheckerboardAnalysis measured;
    try {
      measured = analyse_checkerboard(image, s, options_.checkerboard);
    } catch (const Error& e) {
      throw Error(input.string() + ": " + e.what());
    }
    fs::path folder = input.parent_path();
    if (!options_.heatmap_folder.empty()) {
      std::error_code ec;
      fs::create_directories(options_.heatmap_folder, ec);
      if (ec) throw Error(options_.heatmap_folder.string() + ": cannot create the folder: " + ec.message());
      folder = options_.heatmap_folder;
    }
    const fs::path heatmap = heatmap_path_for(folder / input.filename());
    if (!heatmaps_written_.insert(fs::weakly_canonical(heatmap)).second)
      throw Error(input.string() + ": its heatmap " + heatmap.string() + " is already the heatmap of another input");
    const std::string title =
        input.filename().string() + " (x" + std::to_string(s) + ")\n" + describe_score(measured.score);
    io::save_image(heatmap, render_heatmap(measured.map, image, title, options_.style), png_save(options_.overwrite));
    result.heatmap = heatmap;
    result.score = measured.score;
  } catch (const Error& e) {
    result.error = e.what();
  }
  return result;
}

std::string image_table_header() {
  return printf_string("%-32s %5s %9s %9s %9s  %s\n", "image", "scale", "mean", "p99", "spectral",
                       "heatmap (strength in 8-bit levels)");
}

std::string image_table_row(const ImageCheckerboard& s) {
  return printf_string("%-32s %5s %9.3f %9.3f %9.2f  %s\n", s.input.string().c_str(),
                       ("x" + std::to_string(s.scale)).c_str(), s.score.mean, s.score.p99,
                       s.score.spectral_ratio, s.heatmap.string().c_str());
}

std::string images_json(const std::vector<ImageCheckerboard>& scores, const ImageScoreOptions& options) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& s : scores) {
    nlohmann::json row = nlohmann::json::object();
    io::put_path(row, "input", s.input);
    if (!s.error.empty()) {
      row["error"] = s.error;
    } else {
      io::put_path(row, "heatmap", s.heatmap);
      row["scale"] = s.scale;
      row["mean"] = s.score.mean;
      row["p99"] = s.score.p99;
      row["spectral_ratio"] = s.score.spectral_ratio;
    }
    rows.push_back(std::move(row));
  }
  const nlohmann::json doc = {{"command", "artifacts"},
                              {"scale", options.scale ? nlohmann::json(*options.scale) : nlohmann::json("from each name")},
                              {"window", options.checkerboard.window},
                              {"window_shape", window_shape_name(options.checkerboard.shape)},
                              {"max_level", options.style.max_level},
                              {"images", rows}};
  return io::json_text(doc);
}

// ---- methods ------------------------------------------------------------------------------------

MethodSelection methods_to_diagnose(const std::vector<std::string>& methods, int scale) {
  MethodSelection selection;
  for (const auto& m : methods) {
    if (m != "all") {
      selection.methods.push_back(m);
      continue;
    }
    for (const auto& info : pipeline::MethodRegistry::builtin().all()) {
      try {
        pipeline::create_upscaler(info.name, scale);  // weights installed, scale supported?
        selection.methods.push_back(info.name);
      } catch (const Error& e) {
        selection.skipped.push_back(info.name + ": skipped (" + e.what() + ")");
      }
    }
    // Restoration models are not upscalers, so the registry leaves them out; their
    // diagnostic runs at scale 1 whatever the scale asked for.
    for (const auto& arch : models::architectures()) {
      if (!works_at_scale_one(arch)) continue;
      try {
        pipeline::find_weights(arch.name, 1);
        selection.methods.push_back(arch.name);
      } catch (const Error& e) {
        selection.skipped.push_back(arch.name + ": skipped (" + e.what() + ")");
      }
    }
  }
  return selection;
}

MethodDiagnosis diagnose_scale_one_model(const models::Model& model, double level) {
  const nn::Sequential& net = model.net();
  MethodDiagnosis d;
  d.scale = model.scale();
  d.last_layer = net[net.size() - 1].describe();
  // Each stride-2 level doubles the period of the grid the network works on.
  const int period = pipeline::tile_alignment(net);
  if (period < 2) {
    d.not_applicable = "it works at scale 1 and has no stride-2 step inside, so there is no grid to leave a pattern";
    return d;
  }
  // A border every pixel the zero padding can reach, on the period grid; a whole number of
  // periods in all, so the network pads nothing at the bottom and right.
  const int border = (net.halo() + 1 + period - 1) / period * period;
  constexpr int kMeasuredPeriods = 8;
  const int size = 2 * border + kMeasuredPeriods * period;
  const int channels = model.channels();
  // A network told the blur is told "no blur" (a zero code): on a constant input every blur
  // gives the same image, so what shows is the grid of its stride-2 steps alone.
  Tensor input(Shape{1, channels + model.condition_planes(), size, size});
  for (int c = 0; c < channels; ++c)
    std::fill_n(input.plane(0, c), size * size, static_cast<float>(level / 255.0));
  const Tensor output = model.forward(input);
  const int rows = static_cast<int>(output.shape().h()), cols = static_cast<int>(output.shape().w());
  cv::Mat luma(rows, cols, CV_32F);
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x)
      luma.at<float>(y, x) = channels == 1 ? 255.0f * output.at(0, 0, y, x)
                                           : luma_of_rgb(output.at(0, 0, y, x), output.at(0, 1, y, x),
                                                         output.at(0, 2, y, x));
  d.pattern = phase_pattern(luma, period, border);
  d.note = "a scale-1 model: phases of the period-" + std::to_string(period) +
           " grid of its stride-2 steps (a U-Net's up-path at each level); 0 = no checkerboard";
  return d;
}

MethodDiagnosis diagnose_method(const std::string& method, const std::string& label, int scale, double level) {
  MethodDiagnosis d;
  const models::Architecture* arch = learned_architecture(method);
  if (arch != nullptr || method.ends_with(".safetensors")) {
    const fs::path file =
        arch != nullptr ? pipeline::find_weights(method, works_at_scale_one(*arch) ? 1 : scale) : fs::path(method);
    const std::unique_ptr<models::Model> model = models::load_model(file);
    if (model->scale() == 1) {
      d = diagnose_scale_one_model(*model, level);
    } else {
      if (model->scale() != scale)
        throw UsageError(file.string() + ": this model upscales x" + std::to_string(model->scale()) + ", not x" +
                         std::to_string(scale) + " (pass -s " + std::to_string(model->scale()) + ")");
      ModelDiagnostic m = diagnose_model(*model, level);
      d.scale = scale;
      d.pattern = std::move(m.pattern);
      d.last_layer = m.last_layer;
      d.gains = std::move(m.gains);
    }
  } else {
    d.scale = scale;
    d.pattern = constant_response(*pipeline::create_upscaler(method, scale), level);
    d.last_layer = "(not a network)";
  }
  d.label = label;
  return d;
}

fs::path save_phase_picture(const MethodDiagnosis& d, const fs::path& folder, double level, double max_level,
                            bool overwrite) {
  if (!d.not_applicable.empty()) return {};
  const fs::path picture = folder / (d.label + "_x" + std::to_string(d.scale) + "_phase.png");
  // A scale-1 model's period is not its scale: say which one the picture shows.
  const std::string period =
      d.pattern.scale != d.scale ? " (period " + std::to_string(d.pattern.scale) + ")" : std::string();
  const std::string title = d.label + " x" + std::to_string(d.scale) + period + ", constant input " +
                            std::to_string(static_cast<int>(level)) + "\nlast layer: " + d.last_layer;
  io::save_image(picture, render_phase_pattern(d.pattern, title, max_level), png_save(overwrite));
  return picture;
}

std::string diagnosis_table(const std::vector<DiagnosedMethod>& methods) {
  std::string text = printf_string("%-24s %22s  %s\n", "method", "amplitude (levels)", "equal DC gains");
  for (const auto& m : methods) {
    if (!m.diagnosis) continue;
    const MethodDiagnosis& d = *m.diagnosis;
    if (!d.not_applicable.empty()) {
      text += printf_string("%-24s %22s  %s\n", d.label.c_str(), "n/a", "-");
      continue;
    }
    text += printf_string("%-24s %22.3f  %s\n", d.label.c_str(), d.pattern.amplitude,
                          !d.gains ? "-" : d.gains->equal_dc_gains() ? "yes" : "no");
  }
  return text;
}

std::string diagnosis_details(const MethodDiagnosis& d, const fs::path& picture) {
  if (!d.not_applicable.empty())
    return printf_string("\n%s x%d: no constant-input diagnostic: %s\n", d.label.c_str(), d.scale,
                         d.not_applicable.c_str());
  const int period = d.pattern.scale;
  std::string text = printf_string("\n%s x%d: constant-input amplitude %.3f levels; last layer: %s\n", d.label.c_str(),
                                   d.scale, d.pattern.amplitude, d.last_layer.c_str());
  if (!d.note.empty()) text += "  " + d.note + "\n";
  text += printf_string("  phase offsets (8-bit levels, rows = y mod %d, columns = x mod %d):\n", period, period);
  for (int a = 0; a < period; ++a) {
    text += "   ";
    for (int b = 0; b < period; ++b) text += printf_string(" %+8.3f", d.pattern.at(a, b));
    text += "\n";
  }
  if (d.gains) {
    const PolyphaseGains& g = *d.gains;
    for (int out = 0; out < g.out_channels; ++out) {
      text += printf_string("  polyphase DC gains, output channel %d, summed over %d input channel(s):\n", out,
                            g.in_channels);
      const std::vector<double> sum = g.summed_over_inputs(out);
      for (int a = 0; a < g.scale; ++a) {
        text += "   ";
        for (int b = 0; b < g.scale; ++b) text += printf_string(" %+9.5f", sum[static_cast<size_t>(a * g.scale + b)]);
        text += "\n";
      }
    }
    text += printf_string("  equal-DC-gain condition: %s (largest spread of one channel pair %.3g, largest gain %.3g)\n",
                          g.equal_dc_gains() ? "holds" : "violated", g.largest_spread(), g.largest_gain());
  }
  text += "  pattern: " + picture.string() + "\n";
  return text;
}

std::string diagnoses_json(const std::vector<DiagnosedMethod>& methods, int scale, double level) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& m : methods) {
    nlohmann::json row = {{"method", m.label}};
    if (!m.error.empty()) {
      row["error"] = m.error;
    } else if (m.diagnosis && !m.diagnosis->not_applicable.empty()) {
      row["scale"] = m.diagnosis->scale;
      row["not_applicable"] = m.diagnosis->not_applicable;
    } else if (m.diagnosis) {
      const MethodDiagnosis& d = *m.diagnosis;
      row["amplitude"] = d.pattern.amplitude;
      row["phase_offsets"] = d.pattern.offsets;
      row["last_layer"] = d.last_layer;
      io::put_path(row, "pattern", m.picture);
      if (d.pattern.scale != d.scale) {  // a scale-1 model: say so, and which period was measured
        row["scale"] = d.scale;
        row["period"] = d.pattern.scale;
        row["note"] = d.note;
      }
      if (d.gains) {
        nlohmann::json summed = nlohmann::json::array();
        for (int out = 0; out < d.gains->out_channels; ++out) summed.push_back(d.gains->summed_over_inputs(out));
        row["dc_gains_summed_over_inputs"] = summed;
        row["equal_dc_gains"] = d.gains->equal_dc_gains();
        row["largest_gain_spread"] = d.gains->largest_spread();
      }
    }
    rows.push_back(std::move(row));
  }
  const nlohmann::json doc = {{"command", "artifacts"}, {"scale", scale}, {"level", level}, {"methods", rows}};
  return io::json_text(doc);
}

}  // namespace upsample::analysis
