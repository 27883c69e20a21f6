#pragma once
// A learned image-to-image model: an architecture built from metadata, its weights, and
// the metadata that travels with it in the safetensors file (DESIGN.md §3).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "io/safetensors.hpp"
#include "nn/sequential.hpp"

namespace upsample::models {

using Metadata = std::map<std::string, std::string>;

// An architecture: how to build its network from metadata (hyper-parameters), with
// defaults for every key it reads.
struct Architecture {
  std::string name;     // metadata "arch"
  std::string summary;  // one line for `models` and --help
  Metadata defaults;    // every hyper-parameter key with its default value
  // Defaults that depend on the scale (taken after `defaults`); may be empty.
  std::function<Metadata(int scale)> scale_defaults;
  std::function<nn::Sequential(const Metadata&, std::mt19937&)> build;
  // About how many values (weights) `build` would allocate for this metadata, computed
  // without allocating, so that a huge network is refused first. May be empty.
  std::function<int64_t(const Metadata&)> parameter_estimate;
};

// The most values a model may hold: far above ours, far below what exhausts memory.
constexpr int64_t kMaxModelParameters = 64'000'000;

// All known architectures (fsrcnn, espcn, resizeconv, deblur, blur-estimator).
const std::vector<Architecture>& architectures();
const Architecture& find_architecture(const std::string& name);  // throws Error naming the known ones

class Model {
 public:
  Model(Metadata metadata, nn::Sequential net);

  const Metadata& metadata() const { return metadata_; }
  Metadata& metadata() { return metadata_; }
  const std::string& arch() const { return metadata_.at("arch"); }
  int scale() const { return scale_; }
  int channels() const { return channels_; }  // 1 (Y) or 3 (RGB)
  // Planes the network is told after the image's (metadata "condition"; 0 for most).
  int condition_planes() const { return condition_planes_; }
  // A deblurring network whose input is first Wiener-deconvolved with the blur it is told
  // (metadata prefilter=wiener, deblur/told_network.hpp): the noise-to-signal ratio; 0 for none.
  double wiener_prefilter_nsr() const { return wiener_prefilter_nsr_; }
  nn::Sequential& net() { return net_; }
  const nn::Sequential& net() const { return net_; }
  int64_t parameter_count() const;

  // x: [N, channels, H, W] in [0, 1] → [N, channels, H·scale, W·scale].
  Tensor forward(const Tensor& x) const { return net_.forward(x); }

 private:
  Metadata metadata_;
  nn::Sequential net_;
  int scale_ = 1;
  int channels_ = 1;
  int condition_planes_ = 0;
  double wiener_prefilter_nsr_ = 0;
};

// Metadata value as an integer; throws Error naming the key (and `source`) when bad.
int metadata_int(const Metadata& m, const std::string& key, const std::string& source = "model metadata");

// Refuses any integer hyper-parameter outside its range (model.cpp lists them), naming the
// key, the value and the range: metadata comes from files and --set.
void check_hyper_parameters(const Metadata& m);

// A new model with random initial weights: `metadata` needs "arch" and "scale"; missing
// hyper-parameters take the architecture's defaults (and are written into the metadata).
// Hyper-parameters out of range, or a network over kMaxModelParameters, are refused
// before anything is allocated.
std::unique_ptr<Model> build_model(Metadata metadata, uint32_t seed = 1);

// Loads a model file: builds the architecture its metadata names and takes every weight,
// refusing missing, unexpected or mis-shaped tensors with a message naming the file.
std::unique_ptr<Model> load_model(const std::filesystem::path& path);
// The same, from a file's parsed content; `source` names it in messages.
std::unique_ptr<Model> model_from_file(const io::SafetensorsContent& file, const std::string& source);

// Saves weights and metadata (atomically, replacing an existing file).
void save_model(const Model& model, const std::filesystem::path& path);

}  // namespace upsample::models
