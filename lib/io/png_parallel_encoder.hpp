#pragma once
// PNG encoding on every core: the rows are cut into parts, each filtered and compressed
// on its own thread into raw deflate blocks that end on a byte boundary (a sync flush),
// and the parts are joined into one zlib stream (their Adler-32 sums combined), as pigz
// does. With the run-length strategy no match reaches back past one pixel, so the file
// is as small as one thread makes it; libpng would compress the 4K result of a ×2 on one
// core while the other waits.
#include <vector>

#include <opencv2/core.hpp>

namespace upsample::io {

// True when encode_png_in_parallel takes this type: 8 or 16 bits, grey, BGR or BGRA.
bool png_in_parallel_takes(int type);

// The PNG file of `image` with OpenCV's fast default settings (zlib level 1, run-length
// strategy, the Sub filter on every row). Throws upsample::Error for a type
// png_in_parallel_takes refuses or when zlib fails. `part_bytes`: about how many filtered
// bytes each part holds.
std::vector<unsigned char> encode_png_in_parallel(const cv::Mat& image, size_t part_bytes = size_t{4} << 20);

}  // namespace upsample::io
