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

}  // namespace upsample
