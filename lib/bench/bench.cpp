#include "bench/bench.hpp"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <random>

#include <time.h>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "models/model.hpp"
#include "nn/layers.hpp"
#include "ops/conv_plan.hpp"
#include "ops/x86/fast_ops.hpp"
#include "ops/x86/isa.hpp"
#include "tensor/error.hpp"

namespace upsample::bench {

namespace {

// What a case needs once its inputs are allocated: our run and, maybe, OpenCV's.
struct Prepared {
  double flops = 0;
  std::function<void()> ours;
  std::function<void()> opencv;  // empty: not compared
  std::string note;
};

struct Case {
  std::string name, kind;
  std::function<Prepared()> prepare;
};

Tensor random_tensor(const Shape& shape, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> normal(0.0f, scale);
  Tensor t(shape);
  for (float& v : t.values()) v = normal(rng);
  return t;
}

cv::Mat to_mat(const Tensor& t) {
  std::vector<int> sizes;
  for (int64_t d : t.shape().dims()) sizes.push_back(static_cast<int>(d));
  cv::Mat m(static_cast<int>(sizes.size()), sizes.data(), CV_32F);
  std::memcpy(m.ptr<float>(), t.data(), static_cast<size_t>(t.numel()) * sizeof(float));
  return m;
}

cv::Mat row_mat(const Tensor& t) {  // [1, n], how dnn takes biases and slopes
  cv::Mat m(1, static_cast<int>(t.numel()), CV_32F);
  std::memcpy(m.ptr<float>(), t.data(), static_cast<size_t>(t.numel()) * sizeof(float));
  return m;
}

cv::dnn::LayerParams conv_layer_params(const std::string& name, bool transposed, const Tensor& weight,
                                       const Tensor& bias, int kernel, int stride, int pad, int output_padding,
                                       int out_channels) {
  cv::dnn::LayerParams lp;
  lp.name = name;
  lp.type = transposed ? "Deconvolution" : "Convolution";
  lp.set("kernel_h", kernel);
  lp.set("kernel_w", kernel);
  lp.set("stride_h", stride);
  lp.set("stride_w", stride);
  lp.set("pad_h", pad);
  lp.set("pad_w", pad);
  if (transposed) {
    lp.set("adj_h", output_padding);
    lp.set("adj_w", output_padding);
  }
  lp.set("num_output", out_channels);
  lp.set("group", 1);
  lp.set("bias_term", !bias.empty());
  lp.blobs.push_back(to_mat(weight));
  if (!bias.empty()) lp.blobs.push_back(row_mat(bias));
  return lp;
}

std::shared_ptr<cv::dnn::Net> finish_net(std::shared_ptr<cv::dnn::Net> net) {
  net->setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
  net->setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
  return net;
}

std::function<void()> opencv_runner(std::shared_ptr<cv::dnn::Net> net, const Tensor& input) {
  auto blob = std::make_shared<cv::Mat>(to_mat(input));
  return [net, blob]() {
    net->setInput(*blob);
    cv::Mat out = net->forward();
    (void)out;
  };
}

// OpenCV 4.6's Deconvolution crashes on inputs above about 56×30M values (e.g. 56×360×1920),
// so whole networks run in bands of at most `band_rows` input rows (no overlap: the time is
// what counts here).
std::function<void()> opencv_banded_runner(std::shared_ptr<cv::dnn::Net> net, const Tensor& input, int64_t band_rows) {
  auto bands = std::make_shared<std::vector<cv::Mat>>();
  const Shape& s = input.shape();
  for (int64_t y = 0; y < s.h(); y += band_rows) {
    const int64_t rows = std::min(band_rows, s.h() - y);
    Tensor band(Shape{s.n(), s.c(), rows, s.w()});
    for (int64_t n = 0; n < s.n(); ++n)
      for (int64_t c = 0; c < s.c(); ++c)
        std::memcpy(band.plane(n, c), input.row(n, c, y), static_cast<size_t>(rows * s.w()) * sizeof(float));
    bands->push_back(to_mat(band));
  }
  return [net, bands]() {
    for (const cv::Mat& band : *bands) {
      net->setInput(band);
      cv::Mat out = net->forward();
      (void)out;
    }
  };
}

// ---- Op cases -------------------------------------------------------------------------

struct OpShape {
  bool transposed;
  int in_channels, out_channels, kernel, stride, h, w;
};

std::string op_name(const OpShape& s) {
  std::string name = s.transposed ? "deconv " : "conv ";
  name += std::to_string(s.in_channels) + "-" + std::to_string(s.out_channels) + " k" + std::to_string(s.kernel);
  if (s.stride != 1 || s.transposed) name += " s" + std::to_string(s.stride);
  return name + " " + std::to_string(s.h) + "x" + std::to_string(s.w);
}

Prepared prepare_op(const OpShape& s) {
  std::mt19937 rng(42);
  auto input = std::make_shared<Tensor>(random_tensor(Shape{1, s.in_channels, s.h, s.w}, rng));
  const Tensor bias = random_tensor(Shape{s.out_channels}, rng, 0.1f);
  Prepared p;
  p.flops = 2.0 * s.h * s.w * s.in_channels * static_cast<double>(s.out_channels) * s.kernel * s.kernel;
  std::shared_ptr<cv::dnn::Net> net = finish_net(std::make_shared<cv::dnn::Net>());
  if (s.transposed) {
    // FSRCNN's geometry for k9 (pad 4, output padding s − 1 → exactly s× the input);
    // pad 1 for the k3/k4 decoder shapes (k4: exactly 2×; k3: output padding 1).
    const int pad = s.kernel == 9 ? 4 : 1;
    const int output_padding = s.kernel == 4 ? 0 : s.stride - 1;
    ops::ConvTranspose2dParams params;
    params.stride_h = params.stride_w = s.stride;
    params.pad_h = params.pad_w = pad;
    params.output_padding_h = params.output_padding_w = output_padding;
    const Tensor weight = random_tensor(Shape{s.in_channels, s.out_channels, s.kernel, s.kernel}, rng, 0.05f);
    auto plan = std::make_shared<ops::ConvPlan>(weight, bias, params);
    p.ours = [plan, input]() { (void)plan->forward(*input); };
    cv::dnn::LayerParams lp =
        conv_layer_params("deconv", true, weight, bias, s.kernel, s.stride, pad, output_padding, s.out_channels);
    net->addLayerToPrev(lp.name, lp.type, lp);
  } else {
    ops::Conv2dParams params;
    params.pad_top = params.pad_bottom = params.pad_left = params.pad_right = s.kernel / 2;
    const Tensor weight = random_tensor(Shape{s.out_channels, s.in_channels, s.kernel, s.kernel}, rng, 0.05f);
    auto plan = std::make_shared<ops::ConvPlan>(weight, bias, params);
    p.ours = [plan, input]() { (void)plan->forward(*input); };
    cv::dnn::LayerParams lp =
        conv_layer_params("conv", false, weight, bias, s.kernel, 1, s.kernel / 2, 0, s.out_channels);
    net->addLayerToPrev(lp.name, lp.type, lp);
  }
  p.opencv = opencv_runner(net, *input);
  return p;
}

// ---- Networks -------------------------------------------------------------------------

// The same network in cv::dnn, layer by layer with the same weights. Returns an empty
// pointer (and says why in `note`) if a layer has no dnn equivalent here.
std::shared_ptr<cv::dnn::Net> opencv_network(nn::Sequential& net, std::string& note) {
  auto dnn = finish_net(std::make_shared<cv::dnn::Net>());
  for (size_t i = 0; i < net.size(); ++i) {
    nn::Layer& layer = net[i];
    const std::string name = "l" + std::to_string(i);
    if (auto* conv = dynamic_cast<nn::Conv2d*>(&layer)) {
      const Tensor& w = conv->weight().value;
      cv::dnn::LayerParams lp = conv_layer_params(name, false, w, conv->bias().value, static_cast<int>(w.shape()[2]),
                                                  conv->params().stride_h, conv->params().pad_top, 0,
                                                  static_cast<int>(w.shape()[0]));
      dnn->addLayerToPrev(lp.name, lp.type, lp);
    } else if (auto* deconv = dynamic_cast<nn::ConvTranspose2d*>(&layer)) {
      const Tensor& w = deconv->weight().value;
      const auto& p = deconv->params();
      cv::dnn::LayerParams lp = conv_layer_params(name, true, w, deconv->bias().value, static_cast<int>(w.shape()[2]),
                                                  p.stride_h, p.pad_h, p.output_padding_h,
                                                  static_cast<int>(w.shape()[1]) * p.groups);
      dnn->addLayerToPrev(lp.name, lp.type, lp);
    } else if (dynamic_cast<nn::PRelu*>(&layer) != nullptr) {
      cv::dnn::LayerParams lp;
      lp.name = name;
      lp.type = "PReLU";
      lp.blobs.push_back(to_mat(layer.parameters()[0]->value));  // 1-D [C], as the Caffe importer gives it
      dnn->addLayerToPrev(lp.name, lp.type, lp);
    } else if (layer.describe() == "tanh" || layer.describe() == "ReLU") {
      cv::dnn::LayerParams lp;
      lp.name = name;
      lp.type = layer.describe() == "tanh" ? "TanH" : "ReLU";
      dnn->addLayerToPrev(lp.name, lp.type, lp);
    } else if (auto* resize_conv = dynamic_cast<nn::ResizeConv2d*>(&layer)) {
      cv::dnn::LayerParams lp;
      lp.name = name + "r";
      lp.type = "Resize";
      lp.set("interpolation", resize_conv->resize().mode() == ops::ResizeMode::Nearest ? "nearest" : "bilinear");
      lp.set("zoom_factor", resize_conv->resize().factor());
      dnn->addLayerToPrev(lp.name, lp.type, lp);
      const Tensor& w = resize_conv->weight().value;
      lp = conv_layer_params(name, false, w, resize_conv->bias().value, static_cast<int>(w.shape()[2]), 1,
                             resize_conv->conv().params().pad_top, 0, static_cast<int>(w.shape()[0]));
      dnn->addLayerToPrev(lp.name, lp.type, lp);
    } else if (dynamic_cast<nn::PixelShuffle*>(&layer) != nullptr && i + 1 == net.size()) {
      note = "cv::dnn without the final pixel shuffle";
    } else {
      note = "no cv::dnn equivalent for " + layer.describe();
      return nullptr;
    }
  }
  return dnn;
}

// The network `meta` describes on a 4K output frame; a model told condition planes gets
// them as extra input planes, each one value, as --denoise runs it.
Prepared prepare_network(const models::Metadata& meta) {
  auto model = models::build_model(meta);
  model->net().weights_changed();
  const std::string arch = model->arch();
  const int scale = model->scale();
  const int64_t planes = model->channels() + model->condition_planes();
  std::mt19937 rng(7);
  // 1920×1080 → 3840×2160: the LR input is the 4K frame divided by the scale.
  const int64_t h = 2160 / scale, w = 3840 / scale;
  auto input = std::make_shared<Tensor>(random_tensor(Shape{1, planes, h, w}, rng, 0.25f));
  for (int64_t c = model->channels(); c < planes; ++c) std::fill_n(input->plane(0, c), h * w, input->plane(0, c)[0]);
  Prepared p;
  p.flops = model->net().flops(input->shape());
  std::shared_ptr<models::Model> shared(std::move(model));
  p.ours = [shared, input]() { (void)shared->forward(*input); };
  if (auto dnn = opencv_network(shared->net(), p.note)) {
    const int64_t band_rows = 540 * 960 / w;  // the largest input its deconv takes
    if (arch == "fsrcnn" && h > band_rows) {
      p.opencv = opencv_banded_runner(dnn, *input, band_rows);
      p.note += std::string(p.note.empty() ? "" : "; ") + "cv::dnn in bands of " + std::to_string(band_rows) +
                " rows (its deconv crashes on larger inputs)";
    } else {
      p.opencv = opencv_runner(dnn, *input);
    }
  }
  return p;
}

// One training step of `arch` on `batch` input patches of `patch`×`patch` pixels.
Prepared prepare_train_step(const models::Metadata& arch, int batch, int patch) {
  std::shared_ptr<models::Model> model(models::build_model(arch).release());
  const int out = patch * model->scale();
  std::mt19937 rng(9);
  auto input = std::make_shared<Tensor>(random_tensor(Shape{batch, 1, patch, patch}, rng, 0.25f));
  auto grad = std::make_shared<Tensor>(random_tensor(Shape{batch, 1, out, out}, rng, 1e-3f));
  Prepared p;
  // Forward, weight gradient and backward-data, as the trainer runs them: the first
  // layer's input gradient is not computed.
  const nn::Sequential& net = model->net();
  p.flops = 3.0 * net.flops(input->shape()) - net[0].flops(input->shape());
  p.ours = [model, input, grad]() {
    nn::Sequential& trained = model->net();
    trained.zero_grad();
    (void)trained.forward_train(*input);
    (void)trained.backward(*grad, /*need_input_gradient=*/false);
  };
  p.note = "forward + backward (Adam not included), as `train` runs it";
  return p;
}

// The ceiling every other case is measured against: FMAs on registers, no memory.
Prepared prepare_fma_peak() {
  // The hardware's ceiling even when the reference ops are being timed.
  const ops::x86::Isa active = ops::x86::active_isa();
  const ops::x86::Isa isa = active == ops::x86::Isa::Ref ? ops::x86::best_isa() : active;
  constexpr int64_t kIterations = 20'000'000;
  Prepared p;
  p.flops = static_cast<double>(kIterations) * ops::x86::fma_peak_flops_per_iteration(isa);
  p.ours = [isa]() { (void)ops::x86::fma_peak(kIterations, isa); };
  p.note = "register-only FMAs: the cores' ceiling for every case below";
  return p;
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  cases.push_back({"fma peak", "peak", prepare_fma_peak});
  const std::vector<OpShape> ops = {
      {true, 56, 1, 9, 2, 540, 960}, {true, 56, 1, 9, 3, 360, 640}, {true, 56, 1, 9, 4, 270, 480},
      {true, 64, 32, 4, 2, 256, 256}, {true, 128, 64, 4, 2, 128, 128}, {true, 32, 32, 3, 2, 256, 256},
      {false, 1, 56, 5, 1, 540, 960}, {false, 56, 12, 1, 1, 540, 960}, {false, 12, 12, 3, 1, 540, 960},
      {false, 12, 56, 1, 1, 540, 960}, {false, 64, 64, 3, 1, 540, 960},
  };
  for (const OpShape& s : ops) cases.push_back({op_name(s), "op", [s]() { return prepare_op(s); }});
  for (const char* arch : {"fsrcnn", "espcn", "resizeconv"})
    for (int scale : {2, 3, 4}) {
      const models::Metadata meta = {{"arch", arch}, {"scale", std::to_string(scale)}};
      cases.push_back({std::string(arch) + " x" + std::to_string(scale) + " 1080p-4k", "network",
                       [meta]() { return prepare_network(meta); }});
    }
  // The damage models --denoise runs (weights/fsrcnn-real_x*): FSRCNN with a wider and
  // deeper mapping, told three condition planes.
  for (int scale : {2, 3, 4}) {
    const models::Metadata meta = {{"arch", "fsrcnn"}, {"scale", std::to_string(scale)}, {"s", "32"}, {"m", "8"},
                                   {"condition", "3"}};
    cases.push_back({"fsrcnn-real x" + std::to_string(scale) + " 1080p-4k", "network",
                     [meta]() { return prepare_network(meta); }});
  }
  // The trainer's defaults (small batches), the larger patches the shipped SR weights were
  // last trained on, the large batches it used to default to, and the shipped deblurring
  // U-Net's training step.
  const models::Metadata fsrcnn_x3 = {{"arch", "fsrcnn"}, {"scale", "3"}};
  const models::Metadata deblur_unet = {{"arch", "deblur"}, {"scale", "1"}, {"depth", "3"}, {"width", "16"}, {"blocks", "2"}};
  cases.push_back({"train fsrcnn x3 b16 16x16", "train", [=]() { return prepare_train_step(fsrcnn_x3, 16, 16); }});
  cases.push_back({"train fsrcnn x3 b16 32x32", "train", [=]() { return prepare_train_step(fsrcnn_x3, 16, 32); }});
  cases.push_back({"train fsrcnn x3 b64 32x32", "train", [=]() { return prepare_train_step(fsrcnn_x3, 64, 32); }});
  cases.push_back({"train resizeconv x3 b16 16x16", "train",
                   [=]() { return prepare_train_step({{"arch", "resizeconv"}, {"scale", "3"}}, 16, 16); }});
  cases.push_back({"train deblur b8 128x128", "train", [=]() { return prepare_train_step(deblur_unet, 8, 128); }});
  return cases;
}

bool selected(const std::string& name, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  return std::any_of(filters.begin(), filters.end(),
                     [&](const std::string& f) { return name.find(f) != std::string::npos; });
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 == 1 ? v[mid] : 0.5 * (v[mid - 1] + v[mid]);
}

double process_cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6;
}

struct Timing {
  double wall_ms, cpu_ms;
};

// Medians of wall-clock time and of the CPU time all threads used: on a shared machine
// the second shows the work done even when other processes take the cores.
Timing time_runs(const std::function<void()>& body, int runs, int warmup) {
  for (int i = 0; i < warmup; ++i) body();
  std::vector<double> wall, cpu;
  for (int i = 0; i < runs; ++i) {
    const double cpu_start = process_cpu_ms();
    const auto start = std::chrono::steady_clock::now();
    body();
    wall.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    cpu.push_back(process_cpu_ms() - cpu_start);
  }
  return {median(wall), median(cpu)};
}

}  // namespace

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const Case& c : all_cases()) names.push_back(c.name);
  return names;
}

std::vector<Result> run(const Options& options, const std::function<void(const Result&)>& on_result) {
  if (options.runs < 1) throw Error("bench: --runs must be at least 1");
  std::vector<Case> cases;
  for (Case& c : all_cases())
    if (selected(c.name, options.filters)) cases.push_back(std::move(c));
  if (cases.empty()) throw Error("bench: no case matches the filter; run 'upsample bench --list' for the names");
  const int default_threads = omp_get_max_threads();
  const int default_cv_threads = cv::getNumThreads();
  std::vector<Result> results;
  for (const Case& c : cases) {
    const Prepared p = c.prepare();
    for (int threads : options.threads) {
      omp_set_num_threads(threads);
      cv::setNumThreads(threads);
      Result r;
      r.name = c.name;
      r.kind = c.kind;
      r.threads = threads;
      r.flops = p.flops;
      r.note = p.note;
      const Timing ours = time_runs(p.ours, options.runs, options.warmup);
      r.ms = ours.wall_ms;
      r.cpu_ms = ours.cpu_ms;
      if (options.opencv && p.opencv) {
        const Timing theirs = time_runs(p.opencv, options.runs, options.warmup);
        r.opencv_ms = theirs.wall_ms;
        r.opencv_cpu_ms = theirs.cpu_ms;
      }
      for (const AnchorTime& a : options.onnxruntime)
        if (a.case_name == r.name && a.threads == threads) r.onnxruntime_ms = a.ms;
      results.push_back(r);
      if (on_result) on_result(r);
    }
  }
  omp_set_num_threads(default_threads);
  cv::setNumThreads(default_cv_threads);
  return results;
}

}  // namespace upsample::bench
