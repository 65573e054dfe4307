// plot_figure.hpp: a small figure library for `sgm plot`: one set of axes with a title, axis
// labels, "nice" ticks, a legend and a few kinds of series, drawn with Cairo to SVG and PNG.
// Internal to the framework (Cairo is a private dependency; this header does not include it).
#pragma once

#include <cstddef>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sgm::host::plot {

/// An sRGB colour, each component in [0, 1].
struct Color {
  double r = 0, g = 0, b = 0;
};

/// Colour `i` of the fixed cycle (Okabe and Ito's palette, told apart with any colour vision);
/// wraps around after eight.
Color cycle_color(std::size_t i);
/// Neutral grey, for reference lines and faint backgrounds.
inline constexpr Color kGrey{0.45, 0.45, 0.45};

/// Ticks for a linear axis over [lo, hi]: consecutive multiples of a step 1, 2 or 5 x 10^k, the
/// first <= lo and the last >= hi, 4 to 9 of them. A degenerate range (lo == hi) is widened by 10%
/// of |lo| (by 1 when lo is 0). Empty when lo or hi is not finite.
std::vector<double> nice_ticks(double lo, double hi);
/// Ticks for a log axis over [lo, hi], 0 < lo < hi: powers of ten inside it, or 1-2-5 x 10^k
/// (then every integer multiple) when the range holds fewer than three of those; at most 10.
std::vector<double> log_ticks(double lo, double hi);
/// Labels for evenly spaced linear ticks: as many decimals as the step needs, and scientific
/// notation (2e+05) when the largest tick is >= 1e5 or the step < 1e-3.
std::vector<std::string> tick_labels(const std::vector<double>& ticks);

enum class SeriesKind {
  scatter,    ///< a dot per point
  line,       ///< points joined in order; a NaN breaks the line
  histogram,  ///< x holds the n+1 bin edges, y the n heights
  bars,       ///< one bar per category (x is the category index); grouped beside other bars
  hline,      ///< a horizontal line across the axes at y[0]
};

/// One series of a figure. Non-finite values (and non-positive ones on a log axis) are skipped.
struct Series {
  SeriesKind kind = SeriesKind::line;
  std::string label;         ///< legend entry; empty: not in the legend
  std::vector<double> x, y;
  std::vector<double> err;   ///< line, bars: error bar half-heights (empty: none)
  Color color;
  double alpha = 1.0;
  double width = 1.5;        ///< line, histogram outline and hline width, in pixels
  double radius = 1.5;       ///< scatter dot and line marker radius, in pixels
  bool markers = false;      ///< line: a dot at each point
  bool end_marker = false;   ///< line: a dot at the last point only (where a path ends)
  bool dashed = false;       ///< line, hline
  bool filled = false;       ///< histogram: filled (with alpha) under the outline
};

/// A figure: one set of axes. Series are drawn in the order they were added; each takes the next
/// colour of the cycle (a horizontal line takes grey).
class Figure {
 public:
  explicit Figure(std::string title = "") : title_(std::move(title)) {}

  Figure& set_title(std::string t) { title_ = std::move(t); return *this; }
  Figure& set_xlabel(std::string t) { xlabel_ = std::move(t); return *this; }
  Figure& set_ylabel(std::string t) { ylabel_ = std::move(t); return *this; }
  /// Size in pixels (PNG and SVG), 160x120 to 10000x10000; 640x480 unless set.
  Figure& set_size(int width, int height);
  /// Fixed axis limits (finite, lo < hi; positive on a log axis); without them the axes show the
  /// data with 5% padding. \throws Error for limits that are not.
  Figure& set_xlim(double lo, double hi);
  Figure& set_ylim(double lo, double hi);
  Figure& set_log_x(bool on = true) { log_x_ = on; return *this; }
  Figure& set_log_y(bool on = true) { log_y_ = on; return *this; }
  /// A categorical x axis (for bars): category i is drawn at x = i with this label.
  Figure& set_categories(std::vector<std::string> labels) { categories_ = std::move(labels); return *this; }

  /// Add a series; the reference stays valid while the figure lives (for further settings).
  Series& scatter(std::vector<double> x, std::vector<double> y, std::string label = "");
  Series& line(std::vector<double> x, std::vector<double> y, std::string label = "");
  Series& histogram(std::vector<double> edges, std::vector<double> heights, std::string label = "");
  Series& bars(std::vector<double> heights, std::string label = "");
  Series& hline(double y, std::string label = "");

  const std::string& title() const { return title_; }
  const std::string& xlabel() const { return xlabel_; }
  const std::string& ylabel() const { return ylabel_; }
  int width() const { return width_; }
  int height() const { return height_; }
  const std::optional<std::pair<double, double>>& xlim() const { return xlim_; }
  const std::optional<std::pair<double, double>>& ylim() const { return ylim_; }
  bool log_x() const { return log_x_; }
  bool log_y() const { return log_y_; }
  const std::vector<std::string>& categories() const { return categories_; }
  const std::deque<Series>& series() const { return series_; }  // a deque keeps references valid

  /// Where the data point (x, y) is drawn: pixels right and down from the image's top-left
  /// corner (for tests, and for annotations drawn over the image).
  std::pair<double, double> to_pixel(double x, double y) const;

  /// Write the figure as SVG or PNG, atomically (rendered in memory, then write_atomic).
  /// \throws Error naming the file when Cairo fails or the file cannot be written.
  void write_svg(const std::filesystem::path& path) const;
  void write_png(const std::filesystem::path& path) const;
  /// Both: `<stem>.svg` and `<stem>.png`. \returns the two paths.
  std::vector<std::filesystem::path> write(const std::filesystem::path& stem) const;

 private:
  Series& add(SeriesKind kind, std::vector<double> x, std::vector<double> y, std::string label);

  std::string title_, xlabel_, ylabel_;
  int width_ = 640, height_ = 480;
  std::optional<std::pair<double, double>> xlim_, ylim_;
  bool log_x_ = false, log_y_ = false;
  std::vector<std::string> categories_;
  std::deque<Series> series_;
  std::size_t colours_used_ = 0;
};

}  // namespace sgm::host::plot
