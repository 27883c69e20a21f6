#pragma once
// Pictures of checkerboard measurements (DESIGN §5): heatmaps on a fixed, stated scale
// with a colour bar, the magnified phase pattern of a model, and the side-by-side montage
// of `compare`. All results are CV_8UC3 (BGR) images ready to save as PNG. Text is ASCII
// (OpenCV's Hershey fonts have no "×").
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "analysis/checkerboard.hpp"

namespace upsample::analysis {

struct HeatmapStyle {
  // Top of the colour scale in 8-bit levels; stronger values get the top colour. Fixed
  // (never stretched to the image) so that heatmaps of different methods compare.
  double max_level = 4.0;
  int colormap = cv::COLORMAP_VIRIDIS;  // perceptually uniform
  bool overlay = true;                  // blend over a grey copy of the image
  double opacity = 0.8;                 // of the colours, when blended: the image stays a faint guide
};

// Strength (CV_32FC1, levels) → colours on the fixed scale.
cv::Mat colourise_strength(const cv::Mat& strength, const HeatmapStyle& style);

// The heatmap of one image: the coloured map at the image's own size and position
// (top-left), blended over a grey copy of `image` when style.overlay, and under it a
// legend: `title`, the colour bar with its ticks, units and scale. The canvas is at least
// kLegendMinWidth wide so the legend stays readable for small images.
cv::Mat render_heatmap(const CheckerboardMap& map, const cv::Mat& image, const std::string& title,
                       const HeatmapStyle& style = {});
constexpr int kLegendMinWidth = 440;

// The colour bar strip alone (`width` wide), with `title` above it when not empty.
cv::Mat render_colour_bar(int width, const std::string& title, const HeatmapStyle& style = {});

// A model's phase pattern, magnified: 2 × 2 periods of s × s cells, each cell the grey
// of its offset on a fixed scale (mid-grey = 0, black −max_level, white +max_level), the
// offsets written in the first period, the amplitude in the title, and a grey bar.
cv::Mat render_phase_pattern(const PhasePattern& pattern, const std::string& title, double max_level = 4.0);

// "checkerboard mean 0.213, p99 0.804 levels, spectral ratio 1.3": for titles and logs.
std::string describe_score(const CheckerboardScore& score);

// Where the main job and `compare` put the heatmap of an output: "{stem}_heatmap.png"
// beside it.
std::filesystem::path heatmap_path_for(const std::filesystem::path& output);

// ---- Montage ----------------------------------------------------------------------------

struct MontageColumn {
  std::string name;                // the method, first label line
  std::vector<std::string> lines;  // further label lines (time, scores)
  cv::Mat output;                  // the method's output image
  CheckerboardMap map;             // its heatmap; none (no blocks) for a reference column
  bool learned = false;            // a network: the crop goes where these leave their pattern
};

// Sizes of the montage of outputs of `output_size`: one column per method; rows: label,
// the output scaled to the column, its heatmap (plain colours), a magnified crop; then
// the legend.
//   column_width = min(output width, kMontageMaxColumn)
//   width        = kMontagePad + columns · (column_width + kMontagePad)
//   height       = title + label + 2 · (image_height + kMontagePad) + crop_shown + kMontagePad + legend
struct MontageGeometry {
  int column_width = 0;
  int image_height = 0;    // rows 1 and 2
  int crop_size = 0;       // side of the crop, in output pixels
  int magnification = 1;   // integer, so each output pixel is a clean square
  int crop_shown = 0;      // crop_size · magnification
  int title_height = 0, label_height = 0, legend_height = 0;
  cv::Size total;
};
constexpr int kMontageMaxColumn = 360;
constexpr int kMontagePad = 8;
MontageGeometry montage_geometry(cv::Size output_size, int columns, int label_lines);

// The square of `size` output pixels (top-left on the period grid of `scale`) that the
// montage magnifies, and what it shows ("where ... "). With learned methods, where their
// checkerboard maps are strongest together: their pattern is the point of the tool, and
// nearest's blocks, stronger still, would otherwise always take the crop. Without, where
// the methods' maps differ most (largest summed variance across methods); with one
// method, where its map is strongest. Columns without a map are left out.
struct MontageCrop {
  cv::Rect region;
  std::string where;
};
MontageCrop montage_crop(const std::vector<MontageColumn>& columns, int size, int scale);

// The montage: `title` on top (input, scale, mode). All outputs must have one size.
cv::Mat render_montage(const std::vector<MontageColumn>& columns, const std::string& title,
                       const HeatmapStyle& style = {});

}  // namespace upsample::analysis
