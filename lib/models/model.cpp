#include "models/model.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "io/safetensors.hpp"
#include "tensor/error.hpp"

namespace upsample::models {

Architecture fsrcnn_architecture();
Architecture espcn_architecture();
Architecture resizeconv_architecture();
Architecture deblur_architecture();
Architecture blur_estimator_architecture();

const std::vector<Architecture>& architectures() {
  static const std::vector<Architecture> all = {fsrcnn_architecture(), espcn_architecture(), resizeconv_architecture(),
                                                   deblur_architecture(), blur_estimator_architecture()};
  return all;
}

const Architecture& find_architecture(const std::string& name) {
  for (const auto& a : architectures())
    if (a.name == name) return a;
  std::string known;
  for (const auto& a : architectures()) known += (known.empty() ? "" : ", ") + a.name;
  throw Error("unknown model architecture '" + name + "' (known: " + known + ")");
}

int metadata_int(const Metadata& m, const std::string& key, const std::string& source) {
  const auto it = m.find(key);
  if (it == m.end()) throw Error(source + ": metadata has no '" + key + "'");
  int value = 0;
  const auto* end = it->second.data() + it->second.size();
  const auto [ptr, ec] = std::from_chars(it->second.data(), end, value);
  if (ec != std::errc() || ptr != end)
    throw Error(source + ": metadata '" + key + "' should be a whole number, not '" + it->second + "'");
  return value;
}

namespace {

// The range of each integer hyper-parameter any architecture reads: wide enough for every
// sensible network, narrow enough that no value can ask for absurd memory or build a
// network that then fails on every image (an even kernel gives the wrong output size).
struct HyperParameterRange {
  const char* key;
  int min, max;
  bool odd_only;
};
constexpr HyperParameterRange kHyperParameterRanges[] = {
    {"scale", 1, 8, false},           {"d", 1, 1024, false},          {"s", 1, 1024, false},
    {"m", 0, 64, false},              {"deconv_kernel", 1, 31, true}, {"kernel", 1, 31, true},
    {"features1", 1, 1024, false},    {"features2", 1, 1024, false},  {"width", 1, 256, false},
    {"depth", 1, 5, false},           {"blocks", 0, 8, false},        {"condition", 0, 16, false},
    {"code_size", 1, 64, false},
};

}  // namespace

void check_hyper_parameters(const Metadata& m) {
  for (const HyperParameterRange& range : kHyperParameterRanges) {
    if (!m.count(range.key)) continue;
    const int value = metadata_int(m, range.key);
    const std::string allowed = std::string(range.odd_only ? "an odd number in " : "") + std::to_string(range.min) +
                                ".." + std::to_string(range.max);
    if (value < range.min || value > range.max || (range.odd_only && value % 2 == 0))
      throw Error("metadata '" + std::string(range.key) + "' is " + std::to_string(value) + ", not " + allowed);
  }
}

Model::Model(Metadata metadata, nn::Sequential net) : metadata_(std::move(metadata)), net_(std::move(net)) {
  scale_ = metadata_int(metadata_, "scale");
  const std::string& ch = metadata_.at("channels");
  channels_ = ch == "rgb" ? 3 : 1;
  if (metadata_.count("condition")) condition_planes_ = metadata_int(metadata_, "condition");
  const auto prefilter = metadata_.find("prefilter");
  if (prefilter != metadata_.end() && prefilter->second != "none") {
    if (prefilter->second != "wiener")
      throw Error("model metadata 'prefilter' must be none or wiener, not '" + prefilter->second + "'");
    const auto nsr = metadata_.find("prefilter_nsr");
    const std::string text = nsr == metadata_.end() ? "" : nsr->second;
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !(value > 0) || !std::isfinite(value))
      throw Error("model metadata 'prefilter_nsr' must be a number > 0, not '" + text + "'");
    wiener_prefilter_nsr_ = value;
  }
  // A network that cannot take the planes its metadata promises would fail on every image.
  const int64_t planes = channels_ + condition_planes_;
  try {
    (void)net_.output_shape(Shape{1, planes, 64, 64});
  } catch (const Error& e) {
    throw Error("model metadata promises " + std::to_string(planes) + " input plane(s) (channels " + ch +
                ", condition " + std::to_string(condition_planes_) + "), which its network does not take: " + e.what());
  }
}

int64_t Model::parameter_count() const {
  int64_t n = 0;
  for (const nn::Parameter* p : net_.parameters()) n += p->value.numel();
  return n;
}

std::unique_ptr<Model> build_model(Metadata metadata, uint32_t seed) {
  if (!metadata.count("arch")) throw Error("model metadata has no 'arch'");
  const Architecture& arch = find_architecture(metadata["arch"]);
  // An architecture does one task (super-resolution unless it names another); a file
  // claiming another would be taken for what it is not (a blur estimator's codes for an image).
  const auto own_task = arch.defaults.find("task");
  const std::string task = own_task == arch.defaults.end() ? "sr" : own_task->second;
  if (const auto claimed = metadata.find("task"); claimed != metadata.end() && claimed->second != task)
    throw Error("model metadata 'task' is '" + claimed->second + "', but a " + arch.name + " network's task is '" + task + "'");
  for (const auto& [key, value] : arch.defaults) metadata.emplace(key, value);
  metadata.emplace("channels", "y");
  check_hyper_parameters(metadata);  // scale first: the scale defaults depend on it
  const int scale = metadata_int(metadata, "scale");
  if (arch.scale_defaults)
    for (const auto& [key, value] : arch.scale_defaults(scale)) metadata.emplace(key, value);
  check_hyper_parameters(metadata);
  if (metadata["channels"] != "y" && metadata["channels"] != "rgb")
    throw Error("model metadata 'channels' must be 'y' or 'rgb', not '" + metadata["channels"] + "'");
  if (arch.parameter_estimate) {
    const int64_t values = arch.parameter_estimate(metadata);
    if (values > kMaxModelParameters)
      throw Error("the metadata describes a " + arch.name + " network of about " + std::to_string(values) +
                  " values, over the limit of " + std::to_string(kMaxModelParameters));
  }
  std::mt19937 rng(seed);
  nn::Sequential net = arch.build(metadata, rng);
  if (net.upscale() != scale)
    throw Error("model '" + arch.name + "' built for scale " + std::to_string(scale) + " upscales by " +
                std::to_string(net.upscale()));
  return std::make_unique<Model>(std::move(metadata), std::move(net));
}

std::unique_ptr<Model> model_from_file(const io::SafetensorsContent& file, const std::string& source) {
  std::unique_ptr<Model> model;
  try {
    model = build_model(file.metadata);
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  size_t used = 0;
  for (nn::Parameter* p : model->net().parameters()) {
    if (!file.contains(p->name))
      throw Error(source + ": tensor '" + p->name + "' is missing (a " + model->arch() + " model needs it)");
    const Tensor& t = file.get(p->name);
    if (!(t.shape() == p->value.shape()))
      throw Error(source + ": tensor '" + p->name + "' has shape " + t.shape().str() + ", the " + model->arch() +
                  " described by its metadata needs " + p->value.shape().str());
    std::copy_n(t.data(), t.numel(), p->value.data());
    ++used;
  }
  if (used != file.tensors.size()) {
    const auto params = model->net().parameters();
    for (const auto& entry : file.tensors) {
      const std::string& name = entry.first;
      const bool known = std::any_of(params.begin(), params.end(), [&](const nn::Parameter* p) { return p->name == name; });
      if (!known) throw Error(source + ": unexpected tensor '" + name + "' for a " + model->arch() + " model");
    }
  }
  model->net().weights_changed();
  return model;
}

std::unique_ptr<Model> load_model(const std::filesystem::path& path) {
  return model_from_file(io::read_safetensors(path), path.string());
}

void save_model(const Model& model, const std::filesystem::path& path) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const nn::Parameter* p : model.net().parameters()) tensors.emplace_back(p->name, p->value);
  io::write_safetensors(path, tensors, model.metadata());
}

}  // namespace upsample::models
