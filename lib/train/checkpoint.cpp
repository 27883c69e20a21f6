#include "train/checkpoint.hpp"

#include <nlohmann/json.hpp>

#include "imaging/degradations.hpp"
#include "io/safetensors.hpp"
#include "tensor/error.hpp"
#include "train/trainer.hpp"

namespace upsample::train {

namespace fs = std::filesystem;

namespace {

// What identifies a run: resuming with other settings would silently mix two runs.
std::string run_signature(const TrainOptions& o) {
  nlohmann::json j = {{"model", o.model}, {"batch", o.batch}, {"lr_patch", o.lr_patch}, {"steps", o.steps},
                      {"learning_rate", o.learning_rate}, {"final_learning_rate", o.final_learning_rate},
                      {"loss", o.loss}, {"seed", o.seed}, {"last_layer_only", o.train_last_layer_only}};
  // Only when not the default, so the checkpoints of earlier deblurring runs still resume.
  if (o.motion_fraction != TrainOptions{}.motion_fraction) j["motion_fraction"] = o.motion_fraction;
  if (!o.fixed_blur.empty()) j["fixed_blur"] = o.fixed_blur;
  if (o.real_world_blurs) j["real_world_blurs"] = true;
  if (o.colour_noise_fraction > 0) j["colour_noise_fraction"] = o.colour_noise_fraction;
  if (!o.code_estimator.empty()) j["code_estimator"] = o.code_estimator.string();
  if (o.reading_regions > 0) j["reading"] = {o.reading_regions, o.reading_side};
  std::vector<std::string> folders;
  for (const auto& f : o.train_folders) folders.push_back(f.string());
  j["train_folders"] = folders;
  if (o.damage) j["damage"] = imaging::random_damage_text(*o.damage);
  if (o.loss_border > 0) j["loss_border"] = o.loss_border;  // (absent in older checkpoints)
  for (const auto& [index, multiplier] : o.layer_lr_multipliers) j["layer_lr"][std::to_string(index)] = multiplier;
  j.erase("steps");  // a run may be extended: resume with more steps
  return j.dump();
}

}  // namespace

void save_checkpoint(const fs::path& path, const models::Model& model, const Adam& adam, const TrainOptions& o,
                     const Checkpoint& c) {
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const nn::Parameter* p : model.net().parameters()) tensors.emplace_back(p->name, p->value);
  for (auto& t : adam.state()) tensors.push_back(std::move(t));
  models::Metadata meta = model.metadata();
  meta["checkpoint.step"] = std::to_string(c.step);
  meta["checkpoint.seconds"] = std::to_string(c.seconds);
  meta["checkpoint.validation_psnr"] = std::to_string(c.validation_psnr);
  meta["checkpoint.rng"] = c.rng_state;
  meta["checkpoint.run"] = run_signature(o);
  io::write_safetensors(path, tensors, meta);
}

Checkpoint load_checkpoint(const fs::path& path, models::Model& model, Adam& adam, const TrainOptions& o) {
  const io::SafetensorsContent file = io::read_safetensors(path);
  const auto& meta = file.metadata;
  auto get = [&](const std::string& key) {
    const auto it = meta.find(key);
    if (it == meta.end()) throw Error(path.string() + ": not a training checkpoint (no '" + key + "')");
    return it->second;
  };
  if (get("checkpoint.run") != run_signature(o))
    throw Error(path.string() + ": this checkpoint belongs to a run with other settings; resume with the same "
                                "options, or choose another --checkpoint");
  for (nn::Parameter* p : model.net().parameters()) {
    const Tensor& t = file.get(p->name);
    check_shape(t.shape(), p->value.shape(), path.string() + ": tensor " + p->name);
    std::copy_n(t.data(), t.numel(), p->value.data());
  }
  Checkpoint c;
  c.step = std::stoll(get("checkpoint.step"));
  c.seconds = std::stod(get("checkpoint.seconds"));
  c.validation_psnr = std::stod(get("checkpoint.validation_psnr"));
  c.rng_state = get("checkpoint.rng");
  adam.restore(file.tensors, c.step);
  model.net().weights_changed();
  return c;
}

}  // namespace upsample::train
