#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <csignal>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tensor/error.hpp"

namespace upsample::io {

namespace {

// Temporary files of writes in progress, kept where a signal handler can reach them
// without allocating: fixed slots, claimed and released with atomics.
// Two per image in flight (its temporary file and its claim), for up to -j 256.
constexpr size_t kSlots = 512;
constexpr size_t kPathMax = 4096;
struct PendingSlot {
  std::atomic<bool> used{false};
  std::atomic<bool> ready{false};
  char path[kPathMax];
};
std::array<PendingSlot, kSlots> g_pending;

int register_pending(const std::string& path) {
  if (path.size() + 1 > kPathMax) return -1;
  for (size_t i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (g_pending[i].used.compare_exchange_strong(expected, true)) {
      std::memcpy(g_pending[i].path, path.c_str(), path.size() + 1);
      g_pending[i].ready.store(true);
      return static_cast<int>(i);
    }
  }
  return -1;  // more writes in flight than slots: still correct, just not cleaned on Ctrl-C
}

void unregister_pending(int slot) {
  if (slot < 0) return;
  g_pending[static_cast<size_t>(slot)].ready.store(false);
  g_pending[static_cast<size_t>(slot)].used.store(false);
}

void remove_pending_files() {
  for (auto& slot : g_pending)
    if (slot.ready.load()) ::unlink(slot.path);
}

extern "C" void remove_pending_and_reraise(int signo) {
  remove_pending_files();
  std::signal(signo, SIG_DFL);
  std::raise(signo);
}

std::string errno_text(int err) { return std::strerror(err); }

// Hidden, unique, and ending in `extension` (encoders that take a path pick the format
// from it): ".photo.png.tmp-k3x9a0qe.png". The target's name is shortened (at a UTF-8
// character boundary) where the whole would pass NAME_MAX, so any name that fits a
// folder can be written through a temporary one.
std::string temp_name_for(const std::filesystem::path& target, const std::string& extension) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  constexpr size_t kNameMax = 255;
  std::string suffix(8, 'x');
  for (auto& ch : suffix) ch = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
  const std::string tail = ".tmp-" + suffix + extension;
  std::string name = target.filename().string();
  const size_t room = kNameMax - 1 - std::min(tail.size(), kNameMax - 1);
  if (name.size() > room) {
    size_t cut = room;
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    name.resize(cut);
  }
  return "." + name + tail;
}

}  // namespace

// The caller removes the file on failure.
void write_whole(int fd, std::span<const std::byte> bytes, const std::filesystem::path& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(path.string() + ": cannot write: " + errno_text(errno));
    }
    done += static_cast<size_t>(n);
  }
}

namespace {

// The end-to-end test of Ctrl-C needs the process caught while a temporary file exists;
// this environment variable holds it there for that many milliseconds.
void pause_for_interrupt_test() {
  static const long pause_ms = [] {
    const char* v = std::getenv("UPSAMPLE_TEST_PAUSE_BEFORE_RENAME_MS");
    return v ? std::strtol(v, nullptr, 10) : 0L;
  }();
  if (pause_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms));
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes,
                           ExistingFile existing) {
  write_file_atomically_with(
      path, [&](int fd, const std::filesystem::path&) { write_whole(fd, bytes, path); }, existing, "");
}

void write_file_atomically_with(const std::filesystem::path& path,
                                const std::function<void(int fd, const std::filesystem::path& temp)>& fill,
                                ExistingFile existing, const std::string& temp_extension) {
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::filesystem::path temp;
  int fd = -1, slot = -1;
  for (int attempt = 0; attempt < 16 && fd < 0; ++attempt) {
    temp = folder / temp_name_for(path, temp_extension);
    // Registered before it exists, so a Ctrl-C at any moment after open() removes it.
    slot = register_pending(temp.string());
    fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
      const int err = errno;
      unregister_pending(slot);
      if (err != EEXIST)
        throw Error(path.string() + ": cannot create a file in " + folder.string() + ": " + errno_text(err));
    }
  }
  if (fd < 0) throw Error(path.string() + ": cannot find a free temporary name in " + folder.string());
  // Held until the file is closed: a later run can tell a live writer's temporary file from
  // one a killed process left (remove_stale_temporaries). Where the file system has no
  // locks, the temporary file's age alone decides.
  (void)::flock(fd, LOCK_EX | LOCK_NB);

  auto discard_temp = [&] {
    ::unlink(temp.c_str());
    unregister_pending(slot);
  };
  try {
    fill(fd, temp);
    if (::fsync(fd) != 0) throw Error(path.string() + ": cannot flush to disk: " + errno_text(errno));
  } catch (...) {
    ::close(fd);
    discard_temp();
    throw;
  }
  if (::close(fd) != 0) {
    const int err = errno;
    discard_temp();
    throw Error(path.string() + ": cannot write: " + errno_text(err));
  }
  pause_for_interrupt_test();

  if (existing == ExistingFile::Replace) {
    if (::rename(temp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      discard_temp();
      throw Error(path.string() + ": cannot move the finished file into place: " + errno_text(err));
    }
  } else {
    // link() fails with EEXIST if the target exists: no window in which we could clobber it.
    if (::link(temp.c_str(), path.c_str()) != 0) {
      const int err = errno;
      if (err == EEXIST) {
        discard_temp();
        throw Error(path.string() + ": already exists (use --overwrite to replace it)");
      }
      // Filesystems without hard links: check, then rename.
      std::error_code ec;
      if (std::filesystem::exists(path, ec)) {
        discard_temp();
        throw Error(path.string() + ": already exists (use --overwrite to replace it)");
      }
      if (::rename(temp.c_str(), path.c_str()) != 0) {
        const int err2 = errno;
        discard_temp();
        throw Error(path.string() + ": cannot move the finished file into place: " + errno_text(err2));
      }
      unregister_pending(slot);
      return;
    }
    ::unlink(temp.c_str());
  }
  unregister_pending(slot);
}

namespace {

// "a FIFO", "a socket": what a path is when it is not a regular file, for messages.
std::string special_file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  return "not a file";
}

// Reading a FIFO or a device can block forever or never end: only regular files are read.
void require_regular_file(const std::filesystem::path& path, mode_t mode) {
  if (S_ISDIR(mode)) throw Error(path.string() + ": is a folder, not a file");
  if (!S_ISREG(mode)) throw Error(path.string() + ": not a regular file (" + special_file_kind(mode) + ")");
}

}  // namespace

std::vector<std::byte> read_file_bytes(const std::filesystem::path& path) {
  // stat first, so that a device is never even opened; fstat after opening, so that a
  // file swapped in between is caught too. O_NONBLOCK keeps open() of a FIFO from waiting.
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw Error(path.string() + ": cannot open: " + errno_text(errno));
  require_regular_file(path, info.st_mode);
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw Error(path.string() + ": cannot open: " + errno_text(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &info) != 0) throw Error(path.string() + ": cannot read its size: " + errno_text(errno));
  require_regular_file(path, info.st_mode);
  std::vector<std::byte> bytes(static_cast<size_t>(info.st_size));
  size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t got = ::read(fd, bytes.data() + filled, bytes.size() - filled);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error(path.string() + ": cannot read: " + errno_text(errno));
    if (got == 0) break;  // the file shrank while we read it
    filled += static_cast<size_t>(got);
  }
  bytes.resize(filled);
  return bytes;
}

void install_interrupt_cleanup() {
  // A closed terminal (SIGHUP) ends the run as Ctrl-C and kill do. SIGKILL cannot be
  // caught: what it leaves is recognised by is_temporary_name.
  std::signal(SIGINT, remove_pending_and_reraise);
  std::signal(SIGTERM, remove_pending_and_reraise);
  std::signal(SIGHUP, remove_pending_and_reraise);
}

int remove_on_interrupt(const std::string& path) { return register_pending(path); }
void forget_on_interrupt(int handle) { unregister_pending(handle); }
void remove_interrupted_files() { remove_pending_files(); }

std::vector<std::filesystem::path> remove_stale_temporaries(const std::filesystem::path& target,
                                                            std::chrono::seconds older_than) {
  namespace fs = std::filesystem;
  std::vector<fs::path> removed;
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const std::string target_name = target.filename().string();
  std::error_code ec;
  fs::directory_iterator it(folder, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& candidate = it->path();
    if (!is_temporary_name(candidate)) continue;
    const std::string name = candidate.filename().string();
    // ".NAME.tmp-…", NAME shortened where the whole would pass NAME_MAX: a prefix of the target's name.
    const std::string stem = name.substr(1, name.rfind(".tmp-") - 1);
    if (stem.empty() || target_name.compare(0, stem.size(), stem) != 0) continue;
    struct stat st{};
    if (::lstat(candidate.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const auto age = std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime);
    if (age < older_than) continue;
    const int fd = ::open(candidate.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    // A writer still at work holds the lock; a killed one has released it.
    const bool unlocked = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
    if (unlocked && ::unlink(candidate.c_str()) == 0) removed.push_back(candidate);
    ::close(fd);
  }
  return removed;
}

bool is_temporary_name(const std::filesystem::path& path) {
  const std::string name = path.filename().string();
  const size_t mark = name.rfind(".tmp-");
  if (name.size() < 2 || name[0] != '.' || mark == std::string::npos || mark == 0) return false;
  const std::string tail = name.substr(mark + 5);
  if (tail.size() < 8) return false;
  for (size_t i = 0; i < 8; ++i)
    if (!std::isalnum(static_cast<unsigned char>(tail[i]))) return false;
  return tail.size() == 8 || tail[8] == '.';
}

}  // namespace upsample::io
