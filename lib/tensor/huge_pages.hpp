#pragma once
// Transparent huge pages for large blocks: a fresh 4 KB page costs a fault and a zeroing
// in the kernel, and an image job touches hundreds of megabytes of fresh memory; 2 MB
// pages fault 512 times less often. Where the kernel gives no huge pages on request,
// nothing changes.
#include <cstddef>

namespace upsample {

// Advises the whole 2 MB pages inside [block, block + bytes) for huge pages.
void advise_huge_pages(void* block, std::size_t bytes);

}  // namespace upsample
