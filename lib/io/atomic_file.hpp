#pragma once
// Writing files so that nobody ever sees half of one: the bytes go to a hidden temporary
// file in the target folder, are flushed to disk, and are then moved into place in one
// step. A crash, a full disk or Ctrl-C leaves either the old state or the whole new file.
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace upsample::io {

enum class ExistingFile { Refuse, Replace };

// Writes `bytes` to `path` atomically. With ExistingFile::Refuse an existing `path` is
// never replaced, even if it appears while we write (throws upsample::Error).
void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes,
                           ExistingFile existing = ExistingFile::Refuse);

// The same for writers that produce the file themselves: `fill` gets the open temporary
// file (descriptor, and path ending in `temp_extension`) and writes it completely, or
// throws; it is then flushed and moved into place as above.
void write_file_atomically_with(const std::filesystem::path& path,
                                const std::function<void(int fd, const std::filesystem::path& temp)>& fill,
                                ExistingFile existing = ExistingFile::Refuse, const std::string& temp_extension = "");

// Writes all of `bytes` to `fd` (retrying short writes) or throws upsample::Error naming
// `path` and the reason: for a `fill` of write_file_atomically_with.
void write_whole(int fd, std::span<const std::byte> bytes, const std::filesystem::path& path);

// Reads a whole file; throws upsample::Error naming the file and the reason.
std::vector<std::byte> read_file_bytes(const std::filesystem::path& path);

// Installs SIGINT/SIGTERM/SIGHUP handlers that delete the temporary files of writes in
// progress and then let the signal end the process as usual. Call once from main.
void install_interrupt_cleanup();

// Files that must not outlive an interrupted run besides the temporary files of writes
// (e.g. the claim a worker holds on an output): registered, they are removed on
// SIGINT/SIGTERM/SIGHUP too. Returns a handle for forget_on_interrupt (-1 when all slots
// are taken: still correct, just not cleaned on Ctrl-C).
int remove_on_interrupt(const std::string& path);
void forget_on_interrupt(int handle);

// Removes every registered file now; for a caller that handles the signals itself.
// Only calls what a signal handler may call.
void remove_interrupted_files();

// True for the name of a temporary file of write_file_atomically (".NAME.tmp-XXXXXXXX…"),
// which a killed process can leave behind: never an input.
bool is_temporary_name(const std::filesystem::path& path);

// Removes the temporary files of writes of `target` that a killed process left beside it:
// those older than `older_than` whose writer no longer holds its lock on them. Returns
// what it removed. For a caller that owns `target` now (a worker holding its claim).
std::vector<std::filesystem::path> remove_stale_temporaries(const std::filesystem::path& target,
                                                            std::chrono::seconds older_than);

}  // namespace upsample::io
