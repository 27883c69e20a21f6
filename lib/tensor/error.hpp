#pragma once
// One exception type for everything the library refuses: the message is meant for the
// user as it stands (it names the file, tensor or parameter and the reason).
#include <stdexcept>
#include <string>

namespace upsample {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws Error("<what>: <message>") unless `ok`; `what` names the op that refuses.
inline void require(const char* what, bool ok, const std::string& message) {
  if (!ok) throw Error(std::string(what) + ": " + message);
}

}  // namespace upsample

namespace upsample {

// A request that makes no sense as a whole (conflicting options, a bad name template):
// the command line reports it and exits with status 2, before touching any file.
class UsageError : public Error {
 public:
  using Error::Error;
};

}  // namespace upsample
