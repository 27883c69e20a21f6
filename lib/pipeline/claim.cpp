#include "pipeline/claim.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>

#include "io/atomic_file.hpp"
#include "tensor/error.hpp"

namespace upsample::pipeline {

namespace fs = std::filesystem;

namespace {

constexpr const char* kClaimSuffix = ".upsample-claim";

// A claim file is created empty and then written: one that is still empty this long
// after it was made belongs to a process that died in between.
constexpr double kEmptyClaimGraceSeconds = 10.0;

struct ClaimOwner {
  std::string host;
  long pid = 0;
};

std::optional<ClaimOwner> parse_owner(const std::string& text) {
  const size_t space = text.rfind(' ');
  if (space == std::string::npos || space == 0) return std::nullopt;
  ClaimOwner owner{text.substr(0, space), std::strtol(text.c_str() + space + 1, nullptr, 10)};
  if (owner.pid <= 0) return std::nullopt;
  return owner;
}

bool process_alive(long pid) { return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM; }

double age_seconds(const struct stat& info) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const double now_seconds = std::chrono::duration<double>(now).count();
  return now_seconds - (static_cast<double>(info.st_mtim.tv_sec) + 1e-9 * static_cast<double>(info.st_mtim.tv_nsec));
}

std::string read_small_file(int fd) {
  char buffer[512];
  std::string text;
  for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) != 0;) {
    if (got < 0) {
      if (errno == EINTR) continue;
      break;
    }
    text.append(buffer, static_cast<size_t>(got));
    if (text.size() > 4096) break;
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

struct FdCloser {
  int fd = -1;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

const std::string& this_host() {
  static const std::string host = [] {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return std::string("localhost");
    return std::string(name);
  }();
  return host;
}

long this_process_id() {
  static const long pid = static_cast<long>(::getpid());
  return pid;
}

fs::path claim_path_for(const fs::path& output) {
  // Kept within NAME_MAX: a long name is cut and a hash of the whole keeps it unique.
  constexpr size_t kNameMax = 255;
  std::string name = output.filename().string();
  const size_t room = kNameMax - 1 - std::strlen(kClaimSuffix);
  if (name.size() > room) {
    char hash[24];
    std::snprintf(hash, sizeof hash, "~%016zx", std::hash<std::string>{}(name));
    size_t cut = room - std::strlen(hash);
    while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;
    name = name.substr(0, cut) + hash;
  }
  return output.parent_path() / ("." + name + kClaimSuffix);
}

bool is_claim_name(const fs::path& path) {
  const std::string name = path.filename().string();
  return name.size() > 1 + std::strlen(kClaimSuffix) && name[0] == '.' && name.ends_with(kClaimSuffix);
}

Claim::Claim(fs::path path, int interrupt_handle, dev_t device, ino_t inode)
    : path_(std::move(path)), interrupt_handle_(interrupt_handle), device_(device), inode_(inode) {}

Claim::Claim(Claim&& other) noexcept
    : path_(std::move(other.path_)), interrupt_handle_(other.interrupt_handle_), device_(other.device_),
      inode_(other.inode_), owned_(other.owned_) {
  other.owned_ = false;
}

Claim::~Claim() {
  if (!owned_) return;
  // Only our own file: after a --claim-timeout takeover the path may name another's claim.
  struct stat info {};
  if (::stat(path_.c_str(), &info) == 0 && info.st_dev == device_ && info.st_ino == inode_) ::unlink(path_.c_str());
  io::forget_on_interrupt(interrupt_handle_);
}

ClaimAttempt try_claim(const fs::path& output, std::optional<double> stale_after_seconds) {
  const fs::path path = claim_path_for(output);
  const std::string owner_line = this_host() + " " + std::to_string(this_process_id()) + "\n";
  ClaimAttempt attempt;
  // The lock on a stale claim being taken over is held until our own claim exists, so two
  // workers recovering the same stale claim never remove each other's new one.
  FdCloser recovering;
  for (int round = 0; round < 8; ++round) {
    const int handle = io::remove_on_interrupt(path.string());  // before it exists: Ctrl-C at any moment removes it
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0) {
      struct stat info {};
      const bool written = ::write(fd, owner_line.data(), owner_line.size()) == static_cast<ssize_t>(owner_line.size());
      ::fstat(fd, &info);
      ::close(fd);
      if (!written) {
        const int err = errno;
        ::unlink(path.c_str());
        io::forget_on_interrupt(handle);
        throw Error(output.string() + ": cannot write its claim " + path.string() + ": " + std::strerror(err));
      }
      attempt.claim.emplace(path, handle, info.st_dev, info.st_ino);
      return attempt;
    }
    const int create_error = errno;
    io::forget_on_interrupt(handle);
    if (create_error == ENOENT && round == 0 && output.has_parent_path()) {  // the output's folder is not made yet
      std::error_code ec;
      fs::create_directories(output.parent_path(), ec);
      continue;
    }
    if (create_error != EEXIST)
      throw Error(output.string() + ": cannot create its claim " + path.string() + ": " + std::strerror(create_error));
    if (recovering.fd >= 0) {  // someone claimed it between our removal of the stale claim and our create
      ::close(recovering.fd);
      recovering.fd = -1;
    }

    // Read-write: NFS grants an exclusive flock only on a file open for writing.
    FdCloser existing{::open(path.c_str(), O_RDWR | O_CLOEXEC)};
    if (existing.fd < 0) {
      if (errno == ENOENT) continue;  // released meanwhile: try again
      throw Error(output.string() + ": cannot read the claim " + path.string() + ": " + std::strerror(errno));
    }
    struct stat info {};
    if (::fstat(existing.fd, &info) != 0) continue;
    const std::string text = read_small_file(existing.fd);
    const auto owner = parse_owner(text);
    const double age = age_seconds(info);
    std::string why_stale;
    if (owner && owner->host == this_host() && !process_alive(owner->pid)) why_stale = "its process is gone";
    else if (!owner && age > kEmptyClaimGraceSeconds) why_stale = "it names no owner";
    else if (stale_after_seconds && age > *stale_after_seconds)
      why_stale = "older than --claim-timeout " + std::to_string(static_cast<long>(*stale_after_seconds)) + " s";
    const std::string who = owner ? owner->host + ":" + std::to_string(owner->pid) : std::string("a worker starting up");
    if (why_stale.empty()) {
      attempt.held_by = who;
      return attempt;
    }
    // Another worker is taking this stale claim over: it is theirs.
    if (::flock(existing.fd, LOCK_EX | LOCK_NB) != 0) {
      attempt.held_by = who + " (being taken over by another worker)";
      return attempt;
    }
    struct stat now {};
    if (::stat(path.c_str(), &now) != 0 || now.st_ino != info.st_ino || now.st_dev != info.st_dev) continue;  // replaced
    ::unlink(path.c_str());
    attempt.recovered_from = who + " (" + why_stale + ")";
    recovering.fd = existing.fd;
    existing.fd = -1;
  }
  attempt.held_by = "other workers (the claim kept changing hands)";
  return attempt;
}

}  // namespace upsample::pipeline
