#pragma once
// Workers sharing an output folder claim an image before computing it: an exclusive
// lock file beside the output (".NAME.upsample-claim", created with O_CREAT|O_EXCL)
// holding the owner's host and pid, removed when the output is done or the run is
// interrupted. A claim whose owner is a dead process of this host is stale and taken
// over; claims of other hosts only after a timeout, if one is given (DESIGN §1).
#include <filesystem>
#include <optional>
#include <string>

namespace upsample::pipeline {

// The claim file of an output: hidden, beside it.
std::filesystem::path claim_path_for(const std::filesystem::path& output);

// True for the name of a claim file: never an input.
bool is_claim_name(const std::filesystem::path& path);

// A claim this process holds; removed when it goes away (if it is still ours).
class Claim {
 public:
  Claim(std::filesystem::path path, int interrupt_handle, dev_t device, ino_t inode);
  Claim(Claim&& other) noexcept;
  Claim& operator=(Claim&&) = delete;
  Claim(const Claim&) = delete;
  ~Claim();

 private:
  std::filesystem::path path_;
  int interrupt_handle_;
  dev_t device_;
  ino_t inode_;
  bool owned_ = true;
};

struct ClaimAttempt {
  std::optional<Claim> claim;  // taken
  std::string held_by;         // else who holds it: "host:pid"
  std::string recovered_from;  // a stale claim taken over: whose it was, and why stale
};

// Claims `output`, making its folder if need be. `stale_after_seconds`: a claim older than that
// is stale whoever holds it. Throws upsample::Error when the claim file cannot be made.
ClaimAttempt try_claim(const std::filesystem::path& output, std::optional<double> stale_after_seconds);

// This machine's host name and this process's id, as written in claims and reports.
const std::string& this_host();
long this_process_id();

}  // namespace upsample::pipeline
