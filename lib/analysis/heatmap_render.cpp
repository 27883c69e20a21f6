#include "analysis/heatmap_render.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "tensor/error.hpp"

namespace upsample::analysis {

namespace {

const cv::Scalar kWhite(255, 255, 255), kBlack(0, 0, 0), kBoxColour(0, 230, 255);  // BGR: yellow box
constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
constexpr double kFontScale = 0.45;
constexpr int kLineHeight = 18;
constexpr double kNameFontScale = 0.65;  // a montage column's method name
constexpr int kNameHeight = 24;
const cv::Scalar kNoMapGrey(225, 225, 225);
constexpr int kLegendTitleLines = 2;
constexpr int kLegendBarTop = 8 + kLegendTitleLines * kLineHeight;
constexpr int kLegendHeight = kLegendBarTop + 58;
constexpr int kMontageTitleHeight = 2 * kLineHeight + 10;
constexpr int kMargin = 12;
constexpr int kMaxBarWidth = 400;
constexpr int kMaxCropSize = 48;

// Numbers for labels: fixed decimals, optionally signed; or the shortest form ("%g").
std::string number(double value, int decimals, bool with_sign = false) {
  char buffer[64];
  if (with_sign) std::snprintf(buffer, sizeof buffer, "%+.*f", decimals, value);
  else std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}
std::string shortest(double value, bool with_sign = false) {
  char buffer[64];
  if (with_sign) std::snprintf(buffer, sizeof buffer, "%+g", value);
  else std::snprintf(buffer, sizeof buffer, "%g", value);
  return buffer;
}

// Hershey fonts draw ASCII only: spell out the symbols layer descriptions use, and show
// any other non-ASCII character (a UTF-8 file name) as '?'.
std::string ascii(const std::string& text) {
  static const std::pair<const char*, const char*> kSpelled[] = {
      {"\u00d7", "x"}, {"\u2192", "->"}, {"\u2013", "-"}, {"\u2014", "-"}, {"\u00b1", "+-"}, {"\u00b2", "^2"}};
  std::string out;
  for (size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      out += text[i++];
      continue;
    }
    bool spelled = false;
    for (const auto& [symbol, replacement] : kSpelled)
      if (text.compare(i, std::char_traits<char>::length(symbol), symbol) == 0) {
        out += replacement;
        i += std::char_traits<char>::length(symbol);
        spelled = true;
        break;
      }
    if (spelled) continue;
    out += '?';
    ++i;
    while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;  // continuation bytes
  }
  return out;
}

// Writes `text` with its baseline at `origin`, shrinking the font until it fits in
// `max_width` pixels (a long method name must not run into the next column).
void put_text(cv::Mat& canvas, const std::string& raw_text, cv::Point origin, int max_width, cv::Scalar colour,
              int thickness = 1, double scale = kFontScale) {
  const std::string text = ascii(raw_text);
  int baseline = 0;
  while (scale > 0.25 && cv::getTextSize(text, kFont, scale, thickness, &baseline).width > max_width) scale *= 0.9;
  cv::putText(canvas, text, origin, kFont, scale, colour, thickness, cv::LINE_AA);
}

void put_text_centred(cv::Mat& canvas, const std::string& text, cv::Point centre, int max_width, cv::Scalar colour) {
  int baseline = 0;
  double scale = kFontScale;
  cv::Size size = cv::getTextSize(text, kFont, scale, 1, &baseline);
  while (scale > 0.25 && size.width > max_width) {
    scale *= 0.9;
    size = cv::getTextSize(text, kFont, scale, 1, &baseline);
  }
  cv::putText(canvas, text, {centre.x - size.width / 2, centre.y + size.height / 2}, kFont, scale, colour, 1,
              cv::LINE_AA);
}

// Any image the tool loads, as 8-bit BGR for display (alpha dropped, 16-bit scaled).
cv::Mat display_bgr(const cv::Mat& image) {
  cv::Mat eight = image;
  if (image.depth() == CV_16U) image.convertTo(eight, CV_8U, 1.0 / 257.0);
  else if (image.depth() != CV_8U) image.convertTo(eight, CV_8U);
  cv::Mat bgr;
  switch (eight.channels()) {
    case 1: cv::cvtColor(eight, bgr, cv::COLOR_GRAY2BGR); break;
    case 4: cv::cvtColor(eight, bgr, cv::COLOR_BGRA2BGR); break;
    default: bgr = eight;
  }
  return bgr;
}

// A grey copy of the image (its luma), as BGR, for heatmaps to be blended over.
cv::Mat grey_backdrop(const cv::Mat& image) {
  cv::Mat grey, bgr;
  luma_levels(image).convertTo(grey, CV_8U);
  cv::cvtColor(grey, bgr, cv::COLOR_GRAY2BGR);
  return bgr;
}

cv::Mat blend_over(const cv::Mat& colours, const cv::Mat& backdrop, const HeatmapStyle& style) {
  if (!style.overlay || backdrop.empty()) return colours;
  cv::Mat blended;
  cv::addWeighted(colours, style.opacity, backdrop, 1.0 - style.opacity, 0.0, blended);
  return blended;
}

// A horizontal gradient bar of `width` × `height` through `colour_of(t)`, t in [0, 1].
template <typename ColourOf>
cv::Mat gradient_bar(int width, int height, ColourOf colour_of) {
  cv::Mat bar(height, width, CV_8UC3);
  for (int x = 0; x < width; ++x) {
    const cv::Vec3b c = colour_of(width > 1 ? static_cast<double>(x) / (width - 1) : 0.0);
    for (int y = 0; y < height; ++y) bar.at<cv::Vec3b>(y, x) = c;
  }
  return bar;
}

// Tick marks and labels under a bar drawn at (x0, bar_bottom).
void draw_ticks(cv::Mat& canvas, int x0, int bar_width, int bar_bottom, const std::vector<std::string>& labels) {
  const int n = static_cast<int>(labels.size());
  for (int i = 0; i < n; ++i) {
    const int x = x0 + (n > 1 ? i * (bar_width - 1) / (n - 1) : 0);
    cv::line(canvas, {x, bar_bottom}, {x, bar_bottom + 4}, kBlack, 1);
    int baseline = 0;
    const int w = cv::getTextSize(labels[static_cast<size_t>(i)], kFont, kFontScale, 1, &baseline).width;
    const int left = std::clamp(x - w / 2, 0, std::max(0, canvas.cols - w));
    cv::putText(canvas, labels[static_cast<size_t>(i)], {left, bar_bottom + 18}, kFont, kFontScale, kBlack, 1, cv::LINE_AA);
  }
}

}  // namespace

cv::Mat colourise_strength(const cv::Mat& strength, const HeatmapStyle& style) {
  if (style.max_level <= 0.0) throw Error("the heatmap scale must be above 0 levels");
  cv::Mat steps, colours;
  strength.convertTo(steps, CV_8U, 255.0 / style.max_level);  // saturates: clamps above the scale
  cv::applyColorMap(steps, colours, style.colormap);
  return colours;
}

cv::Mat render_colour_bar(int width, const std::string& title, const HeatmapStyle& style) {
  cv::Mat legend(kLegendHeight, width, CV_8UC3, kWhite);
  // Up to two title lines, split at '\n'.
  size_t start = 0;
  for (int line = 0; line < kLegendTitleLines && start < title.size(); ++line) {
    const size_t end = std::min(title.find('\n', start), title.size());
    put_text(legend, title.substr(start, end - start), {kMargin, 16 + line * kLineHeight}, width - 2 * kMargin, kBlack);
    start = end + 1;
  }
  const int bar_width = std::max(2, std::min(width - 2 * kMargin, kMaxBarWidth));
  cv::Mat steps = gradient_bar(bar_width, 1, [](double t) {
    const auto v = static_cast<uchar>(std::lround(255.0 * t));
    return cv::Vec3b(v, v, v);
  });
  cv::Mat grey_steps, colours;
  cv::extractChannel(steps, grey_steps, 0);
  cv::applyColorMap(grey_steps, colours, style.colormap);
  cv::resize(colours, colours, {bar_width, 14}, 0, 0, cv::INTER_NEAREST);
  colours.copyTo(legend(cv::Rect(kMargin, kLegendBarTop, bar_width, 14)));
  std::vector<std::string> labels;
  for (int i = 0; i <= 4; ++i) labels.push_back(shortest(style.max_level * i / 4.0));
  labels.back() += "+";  // everything above the scale has the top colour
  draw_ticks(legend, kMargin, bar_width, kLegendBarTop + 14, labels);
  put_text(legend, "checkerboard strength, 8-bit levels (fixed scale, clamped at " + shortest(style.max_level) + ")",
           {kMargin, kLegendBarTop + 52}, width - 2 * kMargin, kBlack);
  return legend;
}

cv::Mat render_heatmap(const CheckerboardMap& map, const cv::Mat& image, const std::string& title,
                       const HeatmapStyle& style) {
  if (!image.empty() && image.size() != map.image_size)
    throw Error("the heatmap is of a " + std::to_string(map.image_size.width) + "x" +
                std::to_string(map.image_size.height) + " image, not of this one");
  const cv::Mat colours = colourise_strength(map.per_pixel(), style);
  const cv::Mat picture = blend_over(colours, image.empty() ? cv::Mat() : grey_backdrop(image), style);
  const int width = std::max(picture.cols, kLegendMinWidth);
  cv::Mat canvas(picture.rows + kLegendHeight, width, CV_8UC3, kWhite);
  picture.copyTo(canvas(cv::Rect(0, 0, picture.cols, picture.rows)));
  render_colour_bar(width, title, style).copyTo(canvas(cv::Rect(0, picture.rows, width, kLegendHeight)));
  return canvas;
}

cv::Mat render_phase_pattern(const PhasePattern& pattern, const std::string& title, double max_level) {
  if (max_level <= 0.0) throw Error("the phase pattern scale must be above 0 levels");
  const int s = pattern.scale;
  constexpr int kPeriods = 2;  // shown twice each way so the repetition is visible
  const int cell = std::max(40, 160 / s);
  const int grid = kPeriods * s * cell;
  const int width = std::max(grid + 2 * kMargin, kLegendMinWidth);
  // The title's lines (split at '\n'), then the amplitude.
  std::vector<std::string> lines;
  for (size_t start = 0; start <= title.size();) {
    const size_t end = std::min(title.find('\n', start), title.size());
    lines.push_back(title.substr(start, end - start));
    start = end + 1;
  }
  lines.push_back("amplitude (max - min of the phase means): " + number(pattern.amplitude, 3) + " levels");
  const int header = static_cast<int>(lines.size()) * kLineHeight + 12, legend = 70;
  cv::Mat canvas(header + grid + legend, width, CV_8UC3, kWhite);
  for (size_t i = 0; i < lines.size(); ++i)
    put_text(canvas, lines[i], {kMargin, 18 + kLineHeight * static_cast<int>(i)}, width - 2 * kMargin, kBlack);

  auto grey_of = [max_level](double offset) {
    return static_cast<uchar>(std::clamp(std::lround(128.0 + offset * 127.0 / max_level), 0L, 255L));
  };
  const int x0 = (width - grid) / 2, y0 = header;
  for (int py = 0; py < kPeriods * s; ++py)
    for (int px = 0; px < kPeriods * s; ++px) {
      const double offset = pattern.at(py % s, px % s);
      const uchar g = grey_of(offset);
      const cv::Rect cell_rect(x0 + px * cell, y0 + py * cell, cell, cell);
      cv::rectangle(canvas, cell_rect, cv::Scalar(g, g, g), cv::FILLED);
      if (py < s && px < s)
        put_text_centred(canvas, number(offset, 2, true), {cell_rect.x + cell / 2, cell_rect.y + cell / 2}, cell - 6,
                         g > 128 ? kBlack : kWhite);
    }
  // Outline the period whose values are written out.
  cv::rectangle(canvas, cv::Rect(x0, y0, s * cell, s * cell), cv::Scalar(0, 0, 220), 1);

  const int bar_width = std::min(width - 2 * kMargin, kMaxBarWidth);
  const int bar_top = y0 + grid + 8;
  gradient_bar(bar_width, 12, [](double t) {
    const auto v = static_cast<uchar>(std::lround(255.0 * t));
    return cv::Vec3b(v, v, v);
  }).copyTo(canvas(cv::Rect(kMargin, bar_top, bar_width, 12)));
  cv::rectangle(canvas, cv::Rect(kMargin, bar_top, bar_width, 12), kBlack, 1);
  draw_ticks(canvas, kMargin, bar_width, bar_top + 12,
             {shortest(-max_level, true), shortest(-max_level / 2, true), "0", shortest(max_level / 2, true),
              shortest(max_level, true)});
  put_text(canvas, "phase offset from the mean, 8-bit levels (clamped at +-" + shortest(max_level) + ")",
           {kMargin, bar_top + 12 + 36}, width - 2 * kMargin, kBlack);
  return canvas;
}

std::string describe_score(const CheckerboardScore& score) {
  return "checkerboard mean " + number(score.mean, 3) + ", p99 " + number(score.p99, 3) + " levels, spectral ratio " +
         number(score.spectral_ratio, 2);
}

std::filesystem::path heatmap_path_for(const std::filesystem::path& output) {
  return output.parent_path() / (output.stem().string() + "_heatmap.png");
}

// ---- Montage ----------------------------------------------------------------------------

MontageGeometry montage_geometry(cv::Size output_size, int columns, int label_lines) {
  if (output_size.width < 1 || output_size.height < 1 || columns < 1) throw Error("a montage needs outputs and columns");
  MontageGeometry g;
  g.column_width = std::min(output_size.width, kMontageMaxColumn);
  g.image_height = std::max(1, static_cast<int>(std::lround(static_cast<double>(output_size.height) * g.column_width /
                                                            output_size.width)));
  const int wanted_crop = std::min({kMaxCropSize, output_size.width, output_size.height});
  g.magnification = std::max(1, g.column_width / wanted_crop);
  g.crop_size = std::min({g.column_width / g.magnification, output_size.width, output_size.height});
  g.crop_shown = g.crop_size * g.magnification;
  g.title_height = kMontageTitleHeight;
  g.label_height = 8 + kNameHeight + kLineHeight * (label_lines - 1);
  g.legend_height = kLegendHeight;
  g.total.width = kMontagePad + columns * (g.column_width + kMontagePad);
  g.total.height = g.title_height + g.label_height + 2 * (g.image_height + kMontagePad) + g.crop_shown + kMontagePad +
                   g.legend_height;
  return g;
}

MontageCrop montage_crop(const std::vector<MontageColumn>& columns, int size, int scale) {
  std::vector<const MontageColumn*> mapped, learned;
  for (const auto& c : columns)
    if (!c.map.blocks.empty()) {
      mapped.push_back(&c);
      if (c.learned) learned.push_back(&c);
    }
  if (mapped.empty()) throw Error("no heatmaps to choose a crop from");
  const cv::Size image = mapped.front()->output.size();
  size = std::min({size, image.width, image.height});
  cv::Mat score = cv::Mat::zeros(image, CV_64F);
  std::string where;
  if (!learned.empty() || mapped.size() == 1) {
    for (const MontageColumn* c : learned.empty() ? mapped : learned) {
      cv::Mat strength;
      c->map.per_pixel().convertTo(strength, CV_64F);
      score += strength;
    }
    where = learned.empty() ? "where its checkerboard is strongest"
            : learned.size() == 1 ? "where " + learned.front()->name + "'s checkerboard is strongest"
                                  : "where the networks' checkerboard is strongest";
  } else {
    // Sum over methods of the squared distance of their strengths from the mean strength.
    cv::Mat sum = cv::Mat::zeros(image, CV_64F);
    for (const MontageColumn* c : mapped) {
      cv::Mat strength;
      c->map.per_pixel().convertTo(strength, CV_64F);
      sum += strength;
      score += strength.mul(strength);
    }
    score -= sum.mul(sum) / static_cast<double>(mapped.size());
    where = "where the heatmaps differ most";
  }
  cv::Mat integral;
  cv::integral(score, integral, CV_64F);
  const int step = std::max(1, scale);
  cv::Rect best(0, 0, size, size);
  double best_sum = -1.0;
  for (int top = 0; top + size <= image.height; top += step)
    for (int left = 0; left + size <= image.width; left += step) {
      const double window = integral.at<double>(top + size, left + size) - integral.at<double>(top, left + size) -
                            integral.at<double>(top + size, left) + integral.at<double>(top, left);
      if (window > best_sum) {
        best_sum = window;
        best = {left, top, size, size};
      }
    }
  return {best, where};
}

cv::Mat render_montage(const std::vector<MontageColumn>& columns, const std::string& title, const HeatmapStyle& style) {
  if (columns.empty()) throw Error("a montage needs at least one output");
  const cv::Size size = columns.front().output.size();
  size_t label_lines = 1;
  for (const auto& c : columns) {
    if (c.output.size() != size) throw Error("montage: the output of " + c.name + " differs in size from the others");
    label_lines = std::max(label_lines, 1 + c.lines.size());
  }
  const int n = static_cast<int>(columns.size());
  const MontageGeometry g = montage_geometry(size, n, static_cast<int>(label_lines));
  cv::Mat canvas(g.total, CV_8UC3, kWhite);
  put_text(canvas, title, {kMontagePad, 18}, g.total.width - 2 * kMontagePad, kBlack);

  int scale = 1;
  for (const auto& c : columns) scale = std::max(scale, c.map.scale);
  const MontageCrop chosen = montage_crop(columns, g.crop_size, scale);
  const cv::Rect crop = chosen.region;
  put_text(canvas,
           "rows: output | checkerboard heatmap | crop " + chosen.where + " (yellow box), magnified " +
               std::to_string(g.magnification) + "x",
           {kMontagePad, 18 + kLineHeight}, g.total.width - 2 * kMontagePad, kBlack);
  const double shrink = static_cast<double>(g.column_width) / size.width;
  const cv::Rect box(static_cast<int>(std::floor(crop.x * shrink)), static_cast<int>(std::floor(crop.y * shrink)),
                     std::max(2, static_cast<int>(std::lround(crop.width * shrink))),
                     std::max(2, static_cast<int>(std::lround(crop.height * shrink))));
  const cv::Size cell(g.column_width, g.image_height);

  for (int i = 0; i < n; ++i) {
    const MontageColumn& c = columns[static_cast<size_t>(i)];
    const int x = kMontagePad + i * (g.column_width + kMontagePad);
    int y = g.title_height;
    // The name larger rather than bold: thick Hershey strokes close up small letters.
    put_text(canvas, c.name, {x, y + kNameHeight - 4}, g.column_width, kBlack, 1, kNameFontScale);
    for (size_t l = 0; l < c.lines.size(); ++l)
      put_text(canvas, c.lines[l], {x, y + kNameHeight - 4 + kLineHeight * static_cast<int>(l + 1)}, g.column_width,
               kBlack);
    y += g.label_height;

    const cv::Mat shown = display_bgr(c.output);
    cv::Mat small;
    cv::resize(shown, small, cell, 0, 0, cv::INTER_AREA);
    cv::rectangle(small, box, kBoxColour, 1);
    small.copyTo(canvas(cv::Rect({x, y}, cell)));
    y += g.image_height + kMontagePad;

    if (c.map.blocks.empty()) {
      cv::Mat blank(cell, CV_8UC3, kNoMapGrey);
      put_text_centred(blank, "no heatmap", {cell.width / 2, cell.height / 2}, cell.width, kBlack);
      blank.copyTo(canvas(cv::Rect({x, y}, cell)));
    } else {
      // Plain colours: the output is right above, and its texture would only hide the map.
      cv::Mat strength;
      cv::resize(c.map.per_pixel(), strength, cell, 0, 0, cv::INTER_AREA);
      cv::Mat heat = colourise_strength(strength, style);
      cv::rectangle(heat, box, kBoxColour, 1);
      heat.copyTo(canvas(cv::Rect({x, y}, cell)));
    }
    y += g.image_height + kMontagePad;

    cv::Mat magnified;
    cv::resize(shown(crop), magnified, {g.crop_shown, g.crop_shown}, 0, 0, cv::INTER_NEAREST);
    magnified.copyTo(canvas(cv::Rect(x, y, g.crop_shown, g.crop_shown)));
  }
  const int legend_top = g.total.height - g.legend_height;
  render_colour_bar(g.total.width, "heatmap colours (row 2):", style)
      .copyTo(canvas(cv::Rect(0, legend_top, g.total.width, g.legend_height)));
  return canvas;
}

}  // namespace upsample::analysis
