#pragma once
// Tiled inference: a large image runs through a network in tiles that overlap by the
// network's receptive field (its halo), so each tile's core comes out exactly as it would
// from the whole image while memory stays bounded by the tile size.
#include <functional>
#include <vector>

#include <opencv2/core.hpp>

#include "io/png_row_encoder.hpp"
#include "nn/sequential.hpp"

namespace upsample::pipeline {

struct Tile {
  cv::Rect core;    // the input pixels this tile is responsible for
  cv::Rect padded;  // core grown by the halo, clipped to the image
};

// Cuts `image` into tiles of at most `tile`×`tile` core pixels (tile ≤ 0: one tile).
// With `alignment` > 1 the tile edge and the halo are rounded up to multiples of it, so
// every padded tile starts at a multiple of `alignment` (see tile_alignment).
std::vector<Tile> plan_tiles(cv::Size image, int tile, int halo, int alignment = 1);

// The alignment `net`'s tiles need: the largest alignment() of its layers, in input pixels.
int tile_alignment(const nn::Sequential& net);

// Where a tile's result goes, for a network that upscales by `scale`: `inside` is the
// core within the tile's (padded) output, `target` the core within the whole output.
struct TileOutput {
  cv::Rect inside, target;
};
TileOutput tile_output(const Tile& tile, int scale);

// Largest tile edge whose activations stay within `budget_bytes` for `net` on `channels`
// input planes; returns 0 when the whole image fits.
int automatic_tile(const nn::Sequential& net, int channels, cv::Size image, double budget_bytes = 256.0 * (1 << 20));

// The one tile loop: `per_tile` runs on each tile's padded region of `image` and the cores
// of its results (`scale` times the region's size, any type) are put together into one
// image of the results' type. With `in_parallel` the tiles after the first run on OpenMP
// threads (for work that does not parallelise itself); an exception is passed on.
cv::Mat assemble_tiles(const cv::Mat& image, const std::vector<Tile>& tiles, int scale,
                       const std::function<cv::Mat(const cv::Mat&)>& per_tile, bool in_parallel = false);

// A result written in bands holds one row of tiles' output, and each tile's result in float
// on its way there (a few copies, 4 bytes a value): tiles of at most this many output
// pixels across keep that to a few hundred MB at any scale.
constexpr int kMostRowsTileOutput = 2048;

// The same result as bands of rows (io::ImageInRows, of `type`), made one row of tiles at
// a time when its first band is asked for: only that row of tiles' output is held. The
// bands must be asked in order; `image` must outlive the result.
io::ImageInRows assemble_tiles_in_rows(const cv::Mat& image, std::vector<Tile> tiles, int scale, int type,
                                       std::function<cv::Mat(const cv::Mat&)> per_tile);

// Runs `net` on a float image ([0, 1], CV_32FC1 or CV_32FC3 as RGB planes) tile by tile
// and returns the upscaled result (CV_32F, same channels).
cv::Mat run_network_tiled(const nn::Sequential& net, const cv::Mat& image, int tile);

// cv::Mat (CV_32FC1/CV_32FC3, channels as planes) ↔ Tensor [1, C, H, W].
Tensor mat_to_tensor(const cv::Mat& image);
cv::Mat tensor_to_mat(const Tensor& t);

}  // namespace upsample::pipeline
