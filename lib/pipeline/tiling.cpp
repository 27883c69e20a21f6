#include "pipeline/tiling.hpp"

#include <algorithm>
#include <exception>
#include <memory>
#include <string>

#include "tensor/error.hpp"

namespace upsample::pipeline {

std::vector<Tile> plan_tiles(cv::Size image, int tile, int halo, int alignment) {
  const cv::Rect whole(0, 0, image.width, image.height);
  if (tile <= 0) return {{whole, whole}};
  if (alignment > 1) {
    tile = (tile + alignment - 1) / alignment * alignment;
    halo = (halo + alignment - 1) / alignment * alignment;
  }
  std::vector<Tile> tiles;
  for (int y = 0; y < image.height; y += tile)
    for (int x = 0; x < image.width; x += tile) {
      const cv::Rect core = cv::Rect(x, y, tile, tile) & whole;
      const cv::Rect padded = cv::Rect(core.x - halo, core.y - halo, core.width + 2 * halo, core.height + 2 * halo) & whole;
      tiles.push_back({core, padded});
    }
  return tiles;
}

TileOutput tile_output(const Tile& t, int s) {
  return {cv::Rect((t.core.x - t.padded.x) * s, (t.core.y - t.padded.y) * s, t.core.width * s, t.core.height * s),
          cv::Rect(t.core.x * s, t.core.y * s, t.core.width * s, t.core.height * s)};
}

int tile_alignment(const nn::Sequential& net) {
  int alignment = 1;
  for (size_t i = 0; i < net.size(); ++i) alignment = std::max(alignment, net[i].alignment());
  return alignment;
}

namespace {
// Peak bytes of one forward pass: the most any layer holds (its input + output for most).
double peak_activation_bytes(const nn::Sequential& net, const Shape& input) {
  double peak = 0;
  Shape s = input;
  for (size_t i = 0; i < net.size(); ++i) {
    peak = std::max(peak, net[i].working_bytes(s));
    s = net[i].output_shape(s);
  }
  return peak;
}
}  // namespace

int automatic_tile(const nn::Sequential& net, int channels, cv::Size image, double budget_bytes) {
  if (peak_activation_bytes(net, Shape{1, channels, image.height, image.width}) <= budget_bytes) return 0;
  const int halo = net.halo();
  for (int edge : {1024, 768, 512, 384, 256, 192, 128, 96, 64}) {
    const int padded = edge + 2 * halo;
    if (peak_activation_bytes(net, Shape{1, channels, padded, padded}) <= budget_bytes) return edge;
  }
  return 64;
}

Tensor mat_to_tensor(const cv::Mat& image) {
  CV_Assert(image.depth() == CV_32F);
  const int c = image.channels();
  Tensor t(Shape{1, c, image.rows, image.cols});
  if (c == 1) {
    for (int r = 0; r < image.rows; ++r) std::copy_n(image.ptr<float>(r), image.cols, t.row(0, 0, r));
    return t;
  }
  std::vector<cv::Mat> planes(static_cast<size_t>(c));
  for (int k = 0; k < c; ++k) planes[static_cast<size_t>(k)] = cv::Mat(image.rows, image.cols, CV_32F, t.plane(0, k));
  cv::split(image, planes);
  return t;
}

cv::Mat tensor_to_mat(const Tensor& t) {
  check_rank4(t, "tensor_to_mat");
  const int c = static_cast<int>(t.shape().c()), h = static_cast<int>(t.shape().h()), w = static_cast<int>(t.shape().w());
  std::vector<cv::Mat> planes;
  for (int k = 0; k < c; ++k) planes.emplace_back(h, w, CV_32F, const_cast<float*>(t.plane(0, k)));
  cv::Mat out;
  cv::merge(planes, out);
  return out;
}

cv::Mat assemble_tiles(const cv::Mat& image, const std::vector<Tile>& tiles, int scale,
                       const std::function<cv::Mat(const cv::Mat&)>& per_tile, bool in_parallel) {
  if (tiles.empty()) return {};
  cv::Mat out;
  const auto place = [&](const Tile& t, const cv::Mat& result) {
    const TileOutput where = tile_output(t, scale);
    result(where.inside).copyTo(out(where.target));
  };
  const cv::Mat first = per_tile(image(tiles[0].padded));
  out.create(image.rows * scale, image.cols * scale, first.type());
  place(tiles[0], first);
  std::exception_ptr failure;  // an exception must not leave an OpenMP region
#pragma omp parallel for schedule(dynamic) if (in_parallel)
  for (size_t i = 1; i < tiles.size(); ++i) {
    try {
      place(tiles[i], per_tile(image(tiles[i].padded)));
    } catch (...) {
#pragma omp critical(tile_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  return out;
}

io::ImageInRows assemble_tiles_in_rows(const cv::Mat& image, std::vector<Tile> tiles, int scale, int type,
                                       std::function<cv::Mat(const cv::Mat&)> per_tile) {
  if (tiles.empty()) throw Error("assemble_tiles_in_rows: no tiles");
  // plan_tiles gives the tiles row by row: where each row of tiles starts in `tiles`.
  std::vector<size_t> row_starts;
  for (size_t i = 0; i < tiles.size(); ++i)
    if (i == 0 || tiles[i].core.y != tiles[i - 1].core.y) row_starts.push_back(i);
  row_starts.push_back(tiles.size());
  struct Plan {
    std::vector<Tile> tiles;
    std::vector<size_t> row_starts;
  };
  const auto plan = std::make_shared<const Plan>(Plan{std::move(tiles), std::move(row_starts)});
  // The output rows of the row of tiles being written.
  struct Rows {
    cv::Mat current;
    int current_row = -1, current_top = 0;
  };
  auto state = std::make_shared<Rows>();
  auto make_row = [&image, scale, type, per_tile = std::move(per_tile), plan](int row) {
    const std::vector<Tile>& all = plan->tiles;
    const size_t first = plan->row_starts[static_cast<size_t>(row)], last = plan->row_starts[static_cast<size_t>(row) + 1];
    const int top = all[first].core.y * scale;
    cv::Mat out(all[first].core.height * scale, image.cols * scale, type);
    for (size_t i = first; i < last; ++i) {
      const TileOutput where = tile_output(all[i], scale);
      per_tile(image(all[i].padded))(where.inside).copyTo(out(where.target - cv::Point(0, top)));
    }
    return out;
  };
  const int tile_rows = static_cast<int>(plan->row_starts.size()) - 1;
  auto fill = [scale, plan, state, tile_rows, make_row = std::move(make_row)](int first_row, cv::Mat& band) {
    const std::vector<Tile>& all = plan->tiles;
    for (int row = first_row; row < first_row + band.rows;) {
      int tile_row = 0;  // the row of tiles whose cores cover input row row / scale
      while (tile_row < tile_rows) {
        const Tile& t = all[plan->row_starts[static_cast<size_t>(tile_row)]];
        if (row / scale < t.core.y + t.core.height) break;
        ++tile_row;
      }
      if (tile_row == tile_rows) throw Error("assemble_tiles_in_rows: row " + std::to_string(row) + " is past the image");
      if (state->current_row != tile_row) {
        state->current.release();  // the last row of tiles goes before the next is made
        state->current = make_row(tile_row);
        state->current_row = tile_row;
        state->current_top = all[plan->row_starts[static_cast<size_t>(tile_row)]].core.y * scale;
      }
      const int top = state->current_top;
      const int count = std::min(first_row + band.rows, top + state->current.rows) - row;
      state->current.rowRange(row - top, row - top + count).copyTo(band.rowRange(row - first_row, row - first_row + count));
      row += count;
    }
  };
  int tallest = 0;
  for (const Tile& t : plan->tiles) tallest = std::max(tallest, t.core.height * scale);
  return io::ImageInRows{cv::Size(image.cols * scale, image.rows * scale), type, std::move(fill), tallest};
}

cv::Mat run_network_tiled(const nn::Sequential& net, const cv::Mat& image, int tile) {
  // The result has as many channels as the network gives (a network may read extra planes).
  return assemble_tiles(image, plan_tiles(image.size(), tile, net.halo(), tile_alignment(net)), net.upscale(),
                        [&](const cv::Mat& region) { return tensor_to_mat(net.forward(mat_to_tensor(region))); });
}

}  // namespace upsample::pipeline
