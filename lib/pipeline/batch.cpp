#include "pipeline/batch.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <spdlog/spdlog.h>

#include "io/atomic_file.hpp"
#include "pipeline/claim.hpp"
#include "pipeline/output_quality.hpp"
#include "io/display_name.hpp"
#include "tensor/error.hpp"

namespace upsample::pipeline {

namespace fs = std::filesystem;

const char* to_string(FileStatus status) {
  switch (status) {
    case FileStatus::Pending: return "planned";
    case FileStatus::Written: return "written";
    case FileStatus::Skipped: return "skipped";
    case FileStatus::Failed: return "failed";
  }
  return "unknown";
}

namespace {

// Identity of a path for collision checks: absolute, normalised, symlinks resolved
// where they exist.
fs::path identity_of(const fs::path& p) {
  std::error_code ec;
  fs::path id = fs::weakly_canonical(fs::absolute(p), ec);
  return ec ? fs::absolute(p).lexically_normal() : id;
}

// "a FIFO", "a socket": what a path that is neither file nor folder is, for messages.
std::string special_entry_kind(const fs::file_status& status) {
  switch (status.type()) {
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    case fs::file_type::character: return "a character device";
    case fs::file_type::block: return "a block device";
    default: return "not a file";
  }
}

struct Candidate {
  fs::path input;
  fs::path output_folder;  // where its output goes
  std::string problem;     // non-empty: fails at once
  fs::path relative;       // the input below its root ({dir}, {relpath}); empty when it is not below one
};

// A file named directly (argument or list) is below the current folder when its path is.
fs::path relative_to_current_folder(const fs::path& input) {
  fs::path rel = input.lexically_normal();
  if (rel.is_absolute()) {
    std::error_code ec;
    rel = rel.lexically_relative(fs::current_path(ec));
  }
  if (rel.empty() || *rel.begin() == "..") return {};
  return rel;
}
constexpr const char* kStandardStream = "-";  // standard input as an input, standard output as -o
// A temporary file this much older than its lock-free check is a killed run's: a live
// writer holds its lock, and a writer that cannot lock (no locks on that file system)
// finishes an image well within this.
constexpr std::chrono::seconds kStaleTemporaryAge{600};

bool output_names_a_file(const BatchOptions& o) {
  if (!o.output) return false;
  const std::string text = o.output->string();
  if (text == kStandardStream) return true;
  if (text.empty() || text.back() == '/') return false;
  std::error_code ec;
  if (fs::is_directory(*o.output, ec)) return false;
  return io::is_writable_extension(io::extension_of(*o.output));
}

// An -o that looks like a file name (an extension, not an existing folder, no trailing
// '/') whose extension is no format this tool writes: refused before any work, so that a
// typo never becomes a folder named "up.avfi".
void refuse_output_of_unknown_format(const BatchOptions& o) {
  if (!o.output) return;
  const std::string text = o.output->string();
  const std::string ext = io::extension_of(*o.output);
  std::error_code ec;
  if (text.empty() || text.back() == '/' || ext.empty() || io::is_writable_extension(ext) ||
      fs::is_directory(*o.output, ec))
    return;
  const io::ImageFormat* format = io::format_of_extension(ext);
  throw UsageError("-o " + text + ": " +
                   (format ? std::string(format->name) + " files are read, not written, here"
                           : "'." + ext + "' is not an image format this tool writes") +
                   " (use " + io::writable_extensions_text() + "; for a folder, end the name with '/')");
}

// A folder's identity (device, inode): two paths to one folder, through symlinks or a
// loop, have the same one.
using FolderIdentity = std::pair<dev_t, ino_t>;

// True the first time a folder is seen in `walked`; a folder that cannot be stat'ed counts
// as new, and listing it reports the problem.
bool first_visit_of_folder(const fs::path& folder, std::set<FolderIdentity>& walked) {
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0) return true;
  return walked.insert({info.st_dev, info.st_ino}).second;
}

std::optional<FolderIdentity> folder_identity(const fs::path& folder) {
  struct stat info {};
  if (::stat(folder.c_str(), &info) != 0 || !S_ISDIR(info.st_mode)) return std::nullopt;
  return FolderIdentity{info.st_dev, info.st_ino};
}

// What a folder walk needs besides the options: the folders walked so far, and the
// output folder, whose images are this run's outputs and never its inputs (an -o inside
// the input tree would otherwise take the last run's outputs in again, out/out/...).
struct Walk {
  std::set<FolderIdentity> walked;
  std::optional<FolderIdentity> output_folder;
  std::vector<std::string>* notes;
  std::vector<std::string>* verbose_notes;
};

// Walks `folder` (below the input folder `root`), in name order so plans are repeatable.
// Each folder is walked once (`walk.walked`), so symlink loops neither repeat images nor
// recurse without end.
void collect_folder(const fs::path& root, const fs::path& folder, const BatchOptions& o,
                    std::vector<Candidate>& out, Walk& walk) {
  std::vector<std::string>& notes = *walk.notes;
  std::vector<fs::path> files, folders, special_files;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) folders.push_back(it->path());
    else if (it->is_regular_file(type_ec)) files.push_back(it->path());
    else if (!type_ec && it->exists(type_ec)) special_files.push_back(it->path());
  }
  if (ec) {
    out.push_back({folder, {}, folder.string() + ": cannot list the folder: " + ec.message(), {}});
    return;
  }
  std::sort(files.begin(), files.end());
  std::sort(folders.begin(), folders.end());
  std::sort(special_files.begin(), special_files.end());
  for (const auto& f : special_files) {
    std::error_code status_ec;
    notes.push_back(f.string() + ": skipped, not a regular file (" + special_entry_kind(fs::status(f, status_ec)) + ")");
  }
  for (const auto& f : files) {
    if (is_claim_name(f)) {
      walk.verbose_notes->push_back(f.string() + ": skipped, a worker's claim on an output");
      continue;
    }
    if (io::is_temporary_name(f)) {
      notes.push_back(f.string() + ": skipped, the temporary file of a write that never finished");
      continue;
    }
    if (!io::is_image_extension(io::extension_of(f))) {
      if (const std::string kind = io::unreadable_image_kind(io::extension_of(f)); !kind.empty()) {
        out.push_back({f, {}, f.string() + ": cannot read a " + kind + " file (upsample --formats lists what is read)",
                       f.lexically_relative(root)});
        continue;
      }
      notes.push_back(f.string() + ": skipped, not an image file");
      continue;
    }
    const fs::path target = o.output ? (*o.output / folder.lexically_relative(root)).lexically_normal() : folder;
    out.push_back({f, target, {}, f.lexically_relative(root)});
  }
  for (const auto& d : folders) {
    std::error_code link_ec;
    if (walk.output_folder && folder_identity(d) == walk.output_folder) {
      walk.verbose_notes->push_back(d.string() + ": skipped, the output folder (its images are outputs of this run)");
    } else if (!o.recursive) {
      notes.push_back(d.string() + ": skipped folder (use -r to include sub-folders)");
    } else if (first_visit_of_folder(d, walk.walked)) {
      collect_folder(root, d, o, out, walk);
    } else if (fs::is_symlink(d, link_ec)) {
      notes.push_back(d.string() + ": skipped, a symlink to " + fs::read_symlink(d, link_ec).string() +
                      ", a folder already walked");
    } else {
      notes.push_back(d.string() + ": skipped, the same folder as one already walked");
    }
  }
}

}  // namespace

bool template_mirrors_folders(const std::string& name_template) {
  return name_template.find("{dir}") != std::string::npos || name_template.find("{relpath}") != std::string::npos;
}

std::string expand_name_template(const std::string& name_template, const NameFields& fields) {
  const bool mirrors = template_mirrors_folders(name_template);
  std::string out;
  for (size_t i = 0; i < name_template.size(); ++i) {
    const char ch = name_template[i];
    if (ch == '\\' || (ch == '/' && !mirrors))
      throw UsageError("--name '" + name_template +
                       "': a name template cannot contain folder separators (except with {dir} or {relpath})");
    if (ch != '{') {
      out += ch;
      continue;
    }
    const size_t close = name_template.find('}', i);
    if (close == std::string::npos) throw UsageError("--name '" + name_template + "': '{' without a closing '}'");
    const std::string field = name_template.substr(i + 1, close - i - 1);
    if (field == "stem") out += fields.stem;
    else if (field == "method") out += fields.method;
    else if (field == "scale") out += fields.scale.text;
    else if (field == "ext") out += fields.ext;
    else if (field == "dir") out += fields.dir;
    else if (field == "relpath") out += fields.relpath;
    else
      throw UsageError("--name '" + name_template + "': unknown field {" + field +
                       "} (known: {stem}, {method}, {scale}, {ext}, {dir}, {relpath})");
    i = close;
  }
  if (mirrors) {
    // "./a.png" and "sub//a.png" name the same place; the result stays below -o.
    const fs::path normal = fs::path(out).lexically_normal();
    if (normal.is_absolute() || (!normal.empty() && *normal.begin() == ".."))
      throw UsageError("--name '" + name_template + "' gives " + out + ", outside the output folder");
    out = normal.string();
    if (!out.empty() && out.back() == '/') out.clear();
  }
  if (out.empty() || out == "." || out == "..")
    throw UsageError("--name '" + name_template + "' gives an empty file name");
  return out;
}

std::string expand_name_template(const std::string& name_template, const std::string& stem, const std::string& method,
                                 const ScaleText& scale, const std::string& ext) {
  return expand_name_template(name_template, NameFields{stem, method, scale, ext, ".", stem});
}

BatchPlan plan_batch(const BatchOptions& o) {
  if (o.inputs.empty()) throw UsageError("no input given: name image files or folders");
  if (!o.format.empty() && !io::is_writable_extension(o.format))
    throw UsageError("-f " + o.format + ": not an image format this tool writes (use " + io::writable_extensions_text() +
                     ")");
  // Validate the template once, up front, so a typo is a usage error rather than N failures.
  expand_name_template(o.name_template, "x", o.method_label, o.scale, "png");
  const bool mirrors = template_mirrors_folders(o.name_template);
  if (mirrors && !o.output)
    throw UsageError("--name '" + o.name_template + "': {dir} and {relpath} place outputs under -o: give -o FOLDER");
  if (o.name_template.find("{ext}") == std::string::npos)
    throw UsageError("--name '" + o.name_template +
                     "' has no {ext}: the extension is what says an output's format (-f picks it)");
  refuse_output_of_unknown_format(o);
  const bool reads_stdin = std::find(o.inputs.begin(), o.inputs.end(), fs::path(kStandardStream)) != o.inputs.end();
  if (reads_stdin && !output_names_a_file(o))
    throw UsageError("- (standard input) needs -o FILE, or -o - for standard output");

  BatchPlan plan;
  std::vector<Candidate> candidates;
  const bool single_file_output = output_names_a_file(o);
  for (const auto& input : o.inputs) {
    std::error_code ec;
    const auto status = fs::status(input, ec);
    if (input == kStandardStream) {
      candidates.push_back({input, {}, {}, {}});
    } else if (ec || !fs::exists(status)) {
      candidates.push_back({input, {}, input.string() + ": no such file or folder", {}});
    } else if (!fs::is_directory(status) && !fs::is_regular_file(status)) {
      // Reading a FIFO or a device could block forever; the rest of the batch still runs.
      candidates.push_back({input, {}, input.string() + ": not a regular file (" + special_entry_kind(status) + ")", {}});
    } else if (fs::is_directory(status)) {
      if (single_file_output)
        throw UsageError("-o " + o.output->string() + " names a file, but " + input.string() +
                         " is a folder: give a folder for -o");
      Walk walk{{}, o.output ? folder_identity(*o.output) : std::nullopt, &plan.notes, &plan.verbose_notes};
      first_visit_of_folder(input, walk.walked);
      const size_t before = candidates.size();
      collect_folder(input, input, o, candidates, walk);
      if (candidates.size() == before) {
        bool has_folders = false;
        std::error_code list_ec;
        for (fs::directory_iterator it(input, list_ec), end; !list_ec && it != end && !has_folders; it.increment(list_ec))
          has_folders = it->is_directory(list_ec);
        plan.warnings.push_back(input.string() + ": no image files in it" +
                             (has_folders && !o.recursive ? " (its sub-folders are walked with -r)" : ""));
      }
    } else {
      candidates.push_back({input, o.output && !single_file_output ? *o.output : input.parent_path(), {},
                            relative_to_current_folder(input)});
    }
  }
  // The inputs' own order (a shell glob's follows the locale) must not change the list.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.input.native() < b.input.native(); });
  // An empty or mistyped folder would otherwise end as "0 written" and success.
  if (candidates.empty()) {
    std::string why;
    for (const std::string& warning : plan.warnings) why += "; " + warning;
    for (const std::string& note : plan.notes) why += "; " + note;
    throw Error("no image files found in the inputs given" + why);
  }
  if (single_file_output && candidates.size() > 1)
    throw UsageError("-o " + o.output->string() + " names a file, but there are " + std::to_string(candidates.size()) +
                     " inputs: give a folder for -o");

  std::map<fs::path, fs::path> input_ids;  // identity → input, to refuse writing over any input
  for (const auto& c : candidates) input_ids.emplace(identity_of(c.input), c.input);
  std::map<fs::path, fs::path> claimed;  // output identity → the input that claimed it first

  for (auto& c : candidates) {
    FileTask task;
    task.input = c.input;
    if (!c.problem.empty()) {
      task.status = FileStatus::Failed;
      task.error = c.problem;
      plan.tasks.push_back(std::move(task));
      continue;
    }
    if (single_file_output) {
      task.output = *o.output;
    } else if (mirrors && c.relative.empty()) {
      task.status = FileStatus::Failed;
      task.error = c.input.string() +
                   ": not below the current folder, so {dir} and {relpath} cannot place it under -o (name it by a "
                   "path below the current folder, or by its folder)";
      plan.tasks.push_back(std::move(task));
      continue;
    } else {
      const std::string input_ext = c.input.extension().string().empty() ? "png" : c.input.extension().string().substr(1);
      // A format read but not written here (GIF) comes out as PNG.
      const std::string ext = !o.format.empty() ? o.format : io::is_writable_extension(input_ext) ? input_ext : "png";
      NameFields fields{c.input.stem().string(), o.method_label, o.scale, ext, ".", ""};
      if (mirrors) {
        fields.dir = c.relative.has_parent_path() ? c.relative.parent_path().string() : ".";
        fields.relpath = (c.relative.parent_path() / c.relative.stem()).string();
      }
      const std::string name = expand_name_template(o.name_template, fields);
      task.output = mirrors ? (*o.output / name).lexically_normal() : c.output_folder / name;
    }
    const fs::path id = identity_of(task.output);
    std::error_code ec;
    if (task.output == kStandardStream) {
      // Standard output: neither a file to refuse over nor one to collide with.
    } else if (const auto hit = input_ids.find(id); hit != input_ids.end()) {
      task.status = FileStatus::Failed;
      task.error = task.output.string() + ": refusing to write over the input " + hit->second.string();
    } else if (const auto first = claimed.find(id); first != claimed.end()) {
      task.status = FileStatus::Failed;
      task.error = c.input.string() + ": its output " + task.output.string() + " is already the output of " +
                   first->second.string() + " (change --name to tell them apart)";
    } else if (fs::exists(task.output, ec) && o.existing != ExistingOutput::Overwrite) {
      claimed.emplace(id, c.input);
      if (o.existing == ExistingOutput::Skip) {
        task.status = FileStatus::Skipped;
        task.error = task.output.string() + ": exists, skipped";
      } else {
        task.status = FileStatus::Failed;
        task.error = task.output.string() +
                     ": already exists (use --overwrite to replace it, or --skip-existing to keep it)";
      }
    } else {
      claimed.emplace(id, c.input);
    }
    plan.tasks.push_back(std::move(task));
  }
  return plan;
}

namespace {

void run_one(FileTask& task, const ImageStep& step, const RunOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  std::error_code ec;
  task.input_bytes = fs::file_size(task.input, ec);
  std::string damage;
  cv::Mat image;
  io::PhotoMetadata metadata;
  std::optional<OutputQuality> quality;
  try {
    std::vector<std::byte> input_bytes;
    // Its errors name the input.
    io::SizeCheck check_size;
    if (options.check_size)
      check_size = [&](const io::ImageHeader& header) { options.check_size(header, task.output); };
    image = io::load_image(task.input, {options.accept_damaged, check_size, &input_bytes}, &damage,
                           options.keep_metadata ? &metadata : nullptr, &task.warnings);
    if (const io::ImageFormat* format = io::format_of_extension(io::output_extension(task.output, options.format)))
      quality = output_quality(*format, input_bytes, options.quality);
  } catch (const io::DamagedImageError& e) {
    throw Error(std::string(e.what()) + " (--accept-damaged processes it anyway)");
  }
  if (quality) {
    task.extra["quality"] = {{"value", quality->quality ? nlohmann::json(*quality->quality) : nlohmann::json(nullptr)},
                             {"lossless", !quality->quality.has_value()},
                             {"why", quality->reason}};
    spdlog::debug("{}: {}", task.output.string(), quality->describe());
  }
  if (!damage.empty())
    task.warnings.push_back(task.input.string() + ": " + damage + "; processed anyway (--accept-damaged), what could not be decoded is filler");
  task.input_size = image.size();
  cv::Mat result;
  std::optional<io::ImageInRows> rows;
  try {
    if (options.rows_step && !options.after_save) rows = options.rows_step(image, task);
    if (!rows) result = step(image, task);
  } catch (const std::exception& e) {
    throw Error(task.input.string() + ": " + e.what());
  }
  task.output_size = rows ? rows->size : result.size();
  if (task.output.has_parent_path()) {
    fs::create_directories(task.output.parent_path(), ec);
    if (ec) throw Error(task.output.parent_path().string() + ": cannot create the folder: " + ec.message());
  }
  io::SaveOptions save;
  save.format = options.format;
  save.quality = quality ? quality->quality : options.quality;
  save.png_level = options.png_level;
  save.background = options.background;
  save.existing = options.existing == ExistingOutput::Overwrite ? io::ExistingFile::Replace : io::ExistingFile::Refuse;
  save.metadata = &metadata;
  // Its errors name the output.
  const io::SaveReport report = rows ? io::save_image(task.output, *rows, save) : io::save_image(task.output, result, save);
  if (!report.metadata_lost.empty())
    task.warnings.push_back(task.output.string() + ": the format cannot hold the input's " +
                            io::join_kinds(report.metadata_lost) + ", dropped");
  if (report.dropped_alpha)
    task.warnings.push_back(task.output.string() + ": the format has no alpha channel, transparent areas flattened onto " +
                            io::background_colour_name(options.background) + " (--background sets the colour)");
  if (report.reduced_to_bits)
    task.warnings.push_back(task.output.string() + ": the format holds " + std::to_string(report.reduced_to_bits) +
                            " bits, reduced from 16");
  task.output_bytes = report.bytes_written;
  if (options.after_save) options.after_save(task, result);
  task.status = FileStatus::Written;
  task.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

void run_batch(std::vector<FileTask>& tasks, const ImageStep& step, const RunOptions& options,
               const std::function<void(const FileTask&)>& on_done) {
  std::mutex report_mutex;
  auto report = [&](const FileTask& t) {
    std::lock_guard lock(report_mutex);
    if (on_done) on_done(t);
  };
  std::vector<size_t> pending;
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (tasks[i].status == FileStatus::Pending) pending.push_back(i);
    else report(tasks[i]);
  }
  std::atomic<size_t> next{0};
  const bool skip_existing = options.existing == ExistingOutput::Skip;
  auto skip_as_done_elsewhere = [](FileTask& task, const std::string& why) {
    task.status = FileStatus::Skipped;
    task.error = task.output.string() + ": " + why + ", skipped";
    task.warnings.clear();
  };
  auto worker = [&] {
    for (size_t k = next++; k < pending.size(); k = next++) {
      if (options.stop_requested && options.stop_requested()) return;
      FileTask& task = tasks[pending[k]];
      if (options.on_start) {
        std::lock_guard lock(report_mutex);
        options.on_start(task);
      }
      const auto start = std::chrono::steady_clock::now();
      try {
        std::optional<Claim> claim;
        if (options.claim_outputs) {
          std::error_code ec;
          ClaimAttempt attempt = try_claim(task.output, options.claim_timeout_seconds);
          if (!attempt.claim) {
            skip_as_done_elsewhere(task, "being written by " + attempt.held_by);
            report(task);
            continue;
          }
          if (!attempt.recovered_from.empty())
            task.warnings.push_back(task.output.string() + ": took over the stale claim of " + attempt.recovered_from);
          claim.emplace(std::move(*attempt.claim));
          for (const fs::path& stale : io::remove_stale_temporaries(task.output, kStaleTemporaryAge))
            task.warnings.push_back(stale.string() + ": removed, a temporary file a killed run left");
          // Planned before another worker finished it: nothing left to do.
          if (skip_existing && fs::exists(task.output, ec)) {
            skip_as_done_elsewhere(task, "written by another worker while this run went on");
            report(task);
            continue;
          }
        }
        run_one(task, step, options);
      } catch (const std::exception& e) {
        std::error_code ec;
        if (skip_existing && task.output_bytes == 0 && fs::exists(task.output, ec)) {
          // Lost the race to another worker that does not claim: its output stands.
          skip_as_done_elsewhere(task, "written by another worker while this run went on");
        } else {
          task.status = FileStatus::Failed;
          task.error = io::without_trailing_space(e.what());  // OpenCV's texts end in a newline
        }
        task.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      }
      report(task);
    }
  };
  const int threads = std::clamp(options.jobs, 1, static_cast<int>(std::max<size_t>(1, pending.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace upsample::pipeline
