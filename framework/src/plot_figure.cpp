// plot_figure.cpp: ticks, layout and drawing of a Figure with Cairo. One drawing routine serves
// both surfaces (SVG and PNG), so the two files of a plot always show the same picture.
#include "plot_figure.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <numbers>

#include <cairo-svg.h>
#include <cairo.h>
#include <fmt/format.h>

#include <sgm/error.hpp>

#include "sgm/host/output.hpp"

namespace sgm::host::plot {

namespace fs = std::filesystem;

Color cycle_color(std::size_t i) {
  // Okabe & Ito, "Color Universal Design" (2008): blue, orange, bluish green, vermillion,
  // reddish purple, sky blue, black, and yellow last, as it is faint on white.
  static constexpr std::array<Color, 8> kCycle{{{0.000, 0.447, 0.698},
                                                {0.902, 0.624, 0.000},
                                                {0.000, 0.620, 0.451},
                                                {0.835, 0.369, 0.000},
                                                {0.800, 0.475, 0.655},
                                                {0.337, 0.706, 0.914},
                                                {0.000, 0.000, 0.000},
                                                {0.941, 0.894, 0.259}}};
  return kCycle[i % kCycle.size()];
}

// ---------------------------------------------------------------------------------------------
// Ticks

namespace {

// m x 10^e, divided rather than multiplied for e < 0 so that decimal ticks come out as the
// nearest double (0.6, not 0.6000000000000001).
double scaled(double m, int e) { return e < 0 ? m / std::pow(10.0, -e) : m * std::pow(10.0, e); }

}  // namespace

std::vector<double> nice_ticks(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !std::isfinite(hi - lo)) return {};
  if (lo > hi) std::swap(lo, hi);
  // A range below double precision at this magnitude (or none at all) cannot be divided: widen.
  if (hi - lo <= 1e-12 * std::max(std::abs(lo), std::abs(hi))) {
    const double widen = lo == 0 ? 1.0 : 0.1 * std::abs(lo);
    lo -= widen;
    hi += widen;
  }
  // The smallest 1-2-5 step that cuts the range into at most six intervals; with both ends
  // rounded outwards to a multiple of it, that gives 4 to 9 ticks.
  const double raw = (hi - lo) / 6;
  const int e = static_cast<int>(std::floor(std::log10(raw)));
  double m = 10;
  for (const double candidate : {1.0, 2.0, 5.0})
    if (scaled(candidate, e) >= raw * (1 - 1e-12)) {
      m = candidate;
      break;
    }
  const double step = scaled(m, e);
  const auto first = static_cast<long long>(std::floor(lo / step));
  const auto last = static_cast<long long>(std::ceil(hi / step));
  std::vector<double> ticks;
  for (long long k = first; k <= last; ++k) ticks.push_back(scaled(static_cast<double>(k) * m, e) + 0.0);
  return ticks;
}

std::vector<double> log_ticks(double lo, double hi) {
  if (!(lo > 0) || !(hi > lo) || !std::isfinite(hi)) return {};
  const int e0 = static_cast<int>(std::floor(std::log10(lo)));
  const int e1 = static_cast<int>(std::ceil(std::log10(hi)));
  // Decades alone when the range holds three of them; else 1-2-5, else every integer multiple.
  const std::vector<std::vector<double>> mantissa_sets = {{1}, {1, 2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9}};
  for (const auto& mantissas : mantissa_sets) {
    std::vector<double> ticks;
    for (int e = e0; e <= e1; ++e)
      for (const double m : mantissas)
        if (const double v = scaled(m, e); v >= lo * (1 - 1e-12) && v <= hi * (1 + 1e-12)) ticks.push_back(v);
    if (ticks.size() < 3 && &mantissas != &mantissa_sets.back()) continue;
    if (ticks.size() < 2) break;  // inside one decade, between two integer multiples
    const std::size_t stride = (ticks.size() + 9) / 10;  // many decades: every stride-th
    std::vector<double> kept;
    for (std::size_t i = 0; i < ticks.size(); i += stride) kept.push_back(ticks[i]);
    return kept;
  }
  std::vector<double> linear;  // a narrow range: evenly spaced ticks read better
  for (const double t : nice_ticks(lo, hi))
    if (t >= lo && t <= hi) linear.push_back(t);
  return linear;
}

std::vector<std::string> tick_labels(const std::vector<double>& ticks) {
  if (ticks.empty()) return {};
  double largest = 0;
  for (const double t : ticks) largest = std::max(largest, std::abs(t));
  const double step = ticks.size() > 1 ? std::abs(ticks[1] - ticks[0]) : std::max(largest, 1.0);
  const int step_exponent = static_cast<int>(std::floor(std::log10(step) + 1e-9));
  const bool scientific = largest >= 1e5 || step < 1e-3;
  std::vector<std::string> labels;
  for (double t : ticks) {
    if (std::abs(t) < step * 1e-6) t = 0;  // rounding noise and -0 print as 0
    if (!scientific) {
      labels.push_back(fmt::format("{:.{}f}", t, std::max(0, -step_exponent)));
    } else if (t == 0) {
      labels.emplace_back("0");
    } else {  // as many significant digits as tell this tick from its neighbours
      const int digits = static_cast<int>(std::floor(std::log10(std::abs(t)) + 1e-9)) - step_exponent + 1;
      labels.push_back(fmt::format("{:.{}e}", t, std::max(0, digits - 1)));
    }
  }
  return labels;
}

// ---------------------------------------------------------------------------------------------
// Figure

namespace {

std::pair<double, double> checked_limits(double lo, double hi, const char* axis) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo < hi))
    throw Error(fmt::format("figure: {} limits [{}, {}] must be finite with lo < hi", axis, lo, hi));
  return {lo, hi};
}

void check_same_length(const std::vector<double>& x, const std::vector<double>& y, const char* kind) {
  if (x.size() != y.size())
    throw Error(fmt::format("figure: {} series with {} x values and {} y values", kind, x.size(), y.size()));
}

}  // namespace

Figure& Figure::set_size(int width, int height) {
  if (width < 160 || height < 120 || width > 10000 || height > 10000)
    throw Error(fmt::format("figure: size {}x{} outside 160x120 to 10000x10000 pixels", width, height));
  width_ = width;
  height_ = height;
  return *this;
}

Figure& Figure::set_xlim(double lo, double hi) {
  xlim_ = checked_limits(lo, hi, "x");
  return *this;
}

Figure& Figure::set_ylim(double lo, double hi) {
  ylim_ = checked_limits(lo, hi, "y");
  return *this;
}

Series& Figure::add(SeriesKind kind, std::vector<double> x, std::vector<double> y, std::string label) {
  Series s;
  s.kind = kind;
  s.x = std::move(x);
  s.y = std::move(y);
  s.label = std::move(label);
  s.color = kind == SeriesKind::hline ? kGrey : cycle_color(colours_used_++);
  series_.push_back(std::move(s));
  return series_.back();
}

Series& Figure::scatter(std::vector<double> x, std::vector<double> y, std::string label) {
  check_same_length(x, y, "scatter");
  Series& s = add(SeriesKind::scatter, std::move(x), std::move(y), std::move(label));
  s.alpha = 0.5;
  return s;
}

Series& Figure::line(std::vector<double> x, std::vector<double> y, std::string label) {
  check_same_length(x, y, "line");
  Series& s = add(SeriesKind::line, std::move(x), std::move(y), std::move(label));
  s.radius = 3;
  return s;
}

Series& Figure::histogram(std::vector<double> edges, std::vector<double> heights, std::string label) {
  if (edges.size() != heights.size() + 1)
    throw Error(fmt::format("figure: histogram with {} edges for {} bins (need one more edge than bins)",
                            edges.size(), heights.size()));
  return add(SeriesKind::histogram, std::move(edges), std::move(heights), std::move(label));
}

Series& Figure::bars(std::vector<double> heights, std::string label) {
  std::vector<double> x(heights.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<double>(i);
  Series& s = add(SeriesKind::bars, std::move(x), std::move(heights), std::move(label));
  s.alpha = 0.85;
  return s;
}

Series& Figure::hline(double y, std::string label) {
  Series& s = add(SeriesKind::hline, {}, {y}, std::move(label));
  s.dashed = true;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Drawing

namespace {

using SurfacePtr = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using ContextPtr = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

constexpr const char* kFontFamily = "sans-serif";
constexpr double kTickFont = 11, kLabelFont = 12, kTitleFont = 14, kLegendFont = 11;
constexpr double kMargin = 10;       // around the whole figure
constexpr double kGap = 6;           // between a text and what it labels
constexpr double kTickLength = 5;
constexpr double kPad = 0.05;        // data padding on each side, as a fraction of the range
constexpr double kLegendInset = 8;   // legend box from the frame
constexpr double kSwatchWidth = 24;  // legend sample of a series

struct Box {
  double x0, y0, x1, y1;
  double width() const { return x1 - x0; }
  double height() const { return y1 - y0; }
};

// ---- text

void set_font(cairo_t* cr, double size, bool bold = false) {
  cairo_select_font_face(cr, kFontFamily, CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double text_width(cairo_t* cr, const std::string& s) {
  cairo_text_extents_t e;
  cairo_text_extents(cr, s.c_str(), &e);
  return e.x_advance;
}

double line_height(cairo_t* cr) {
  cairo_font_extents_t e;
  cairo_font_extents(cr, &e);
  return e.ascent + e.descent;
}

double widest(cairo_t* cr, const std::vector<std::string>& texts) {
  double w = 0;
  for (const auto& t : texts) w = std::max(w, text_width(cr, t));
  return w;
}

// `s`, cut at a whole UTF-8 character and ended with an ellipsis, at most `max_width` wide.
std::string fit_text(cairo_t* cr, std::string s, double max_width) {
  if (text_width(cr, s) <= max_width) return s;
  while (!s.empty() && text_width(cr, s + "\u2026") > max_width) {
    while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
    if (!s.empty()) s.pop_back();
  }
  return s + "\u2026";
}

enum class Anchor { start, middle, end };

// Draw `s` with its anchor at (x, y), in a frame turned by `angle` radians. The vertical anchor
// uses the font's ascent and descent, not the string's ink, so labels in a row share a baseline.
void draw_text(cairo_t* cr, const std::string& s, double x, double y, Anchor h, Anchor v, double angle = 0) {
  cairo_font_extents_t fe;
  cairo_font_extents(cr, &fe);
  const double w = text_width(cr, s);
  const double dx = h == Anchor::start ? 0 : h == Anchor::middle ? -w / 2 : -w;
  const double dy = v == Anchor::start ? fe.ascent : v == Anchor::middle ? (fe.ascent - fe.descent) / 2 : -fe.descent;
  cairo_save(cr);
  cairo_translate(cr, x, y);
  cairo_rotate(cr, angle);
  cairo_move_to(cr, dx, dy);
  cairo_show_text(cr, s.c_str());
  cairo_restore(cr);
}

// ---- axes

void set_color(cairo_t* cr, Color c, double alpha = 1.0) { cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha); }

// Pixels: outside any figure (at most 10000 wide), and short enough for Cairo. Its coordinates
// are fixed-point, and in cairo 1.16 a stroke 3e5 pixels long already came out hundreds of
// pixels off its direction (1e5 was exact).
constexpr double kFar = 3e4;

// The centre of a pixel: a 1-pixel line drawn there is crisp in the PNG.
double crisp(double v) { return std::floor(v) + 0.5; }

// One axis: the interval shown, its scale, ticks with labels, and the pixel span it maps onto.
struct Axis {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<double> ticks;
  std::vector<std::string> labels;
  double px_lo = 0, px_hi = 1;  // pixels of lo and hi (px_hi < px_lo for y: y grows downwards)

  bool can_map(double v) const { return std::isfinite(v) && (!log || v > 0); }
  double unit(double v) const { return log ? std::log10(v) : v; }
  double exact(double v) const { return px_lo + (unit(v) - unit(lo)) / (unit(hi) - unit(lo)) * (px_hi - px_lo); }
  /// exact(), held within kFar, so that a point far outside fixed limits stays outside rather
  /// than coming back into view as Cairo's coordinates overflow. Fine for dots and for shapes
  /// with horizontal and vertical sides; a slanted line is clipped instead (clip_segment).
  double map(double v) const { return std::clamp(exact(v), -kFar, kFar); }
};

// The extent of the values an axis can show.
struct Extent {
  double lo = std::numeric_limits<double>::infinity(), hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return lo > hi; }
};

struct DataExtents {
  Extent x, y;
  bool y_from_zero = false;  // bars stand on 0: no padding below a zero minimum
};

double error_at(const Series& s, std::size_t i) {
  return i < s.err.size() && std::isfinite(s.err[i]) && s.err[i] > 0 ? s.err[i] : 0.0;
}

bool is_bars(const Series& s) { return s.kind == SeriesKind::bars; }

DataExtents data_extents(const Figure& f) {
  Axis x_scale, y_scale;  // only their can_map(): what a log axis can show
  x_scale.log = f.log_x();
  y_scale.log = f.log_y();
  DataExtents d;
  const auto add_y = [&](double v) {
    if (y_scale.can_map(v)) d.y.add(v);
  };
  for (const Series& s : f.series()) {
    switch (s.kind) {
      case SeriesKind::scatter:
      case SeriesKind::line:
        for (std::size_t i = 0; i < s.x.size(); ++i) {
          if (!x_scale.can_map(s.x[i]) || !y_scale.can_map(s.y[i])) continue;
          d.x.add(s.x[i]);
          for (const double v : {s.y[i] - error_at(s, i), s.y[i], s.y[i] + error_at(s, i)}) add_y(v);
        }
        break;
      case SeriesKind::histogram:
        for (const double edge : s.x)
          if (x_scale.can_map(edge)) d.x.add(edge);
        [[fallthrough]];
      case SeriesKind::bars:  // on a categorical axis: x is the category's place
        for (std::size_t i = 0; i < s.y.size(); ++i)
          for (const double v : {s.y[i] - error_at(s, i), s.y[i], s.y[i] + error_at(s, i)}) add_y(v);
        add_y(0.0);
        d.y_from_zero = true;
        break;
      case SeriesKind::hline:
        add_y(s.y.at(0));
        break;
    }
  }
  return d;
}

// The interval an axis shows: the data widened by kPad of its range on each side (in log10 space
// on a log axis) so that no point sits on the frame, but bars keep standing on the frame at 0.
std::pair<double, double> padded_view(Extent e, bool log, bool keep_zero) {
  if (e.empty()) return log ? std::pair{1.0, 10.0} : std::pair{0.0, 1.0};
  double lo = log ? std::log10(e.lo) : e.lo;
  double hi = log ? std::log10(e.hi) : e.hi;
  if (hi - lo <= 1e-12 * std::max(std::abs(lo), std::abs(hi))) {  // one value: centre it
    const double widen = log ? 0.5 : lo == 0 ? 1.0 : 0.1 * std::abs(lo);
    lo -= widen;
    hi += widen;
  } else {
    const double pad = kPad * (hi - lo);
    if (!(keep_zero && !log && lo == 0)) lo -= pad;
    hi += pad;
  }
  return log ? std::pair{std::pow(10.0, lo), std::pow(10.0, hi)} : std::pair{lo, hi};
}

Axis value_axis(const Extent& e, const std::optional<std::pair<double, double>>& fixed, bool log, bool keep_zero) {
  Axis a;
  a.log = log;
  std::tie(a.lo, a.hi) = fixed ? *fixed : padded_view(e, log, keep_zero);
  if (log && !(a.lo > 0)) throw Error(fmt::format("figure: log axis limits [{}, {}] must be positive", a.lo, a.hi));
  if (log) {
    a.ticks = log_ticks(a.lo, a.hi);
    for (const double t : a.ticks) a.labels.push_back(fmt::format("{:g}", t));
    return a;
  }
  const double slack = 1e-9 * (a.hi - a.lo);  // a tick on the frame stays
  for (const double t : nice_ticks(a.lo, a.hi))
    if (t >= a.lo - slack && t <= a.hi + slack) a.ticks.push_back(t);
  a.labels = tick_labels(a.ticks);
  return a;
}

// A categorical axis: category i at x = i, labelled with its name ("1", "2", ... when unnamed).
Axis category_axis(const Figure& f) {
  std::size_t n = f.categories().size();
  for (const Series& s : f.series())
    if (is_bars(s)) n = std::max(n, s.y.size());
  Axis a;
  a.lo = -0.5;
  a.hi = std::max(0.5, static_cast<double>(n) - 0.5);
  for (std::size_t i = 0; i < n; ++i) {
    a.ticks.push_back(static_cast<double>(i));
    a.labels.push_back(i < f.categories().size() ? f.categories()[i] : std::to_string(i + 1));
  }
  return a;
}

bool is_categorical(const Figure& f) {
  return !f.categories().empty() || std::any_of(f.series().begin(), f.series().end(), is_bars);
}

// Where everything goes: the frame of the axes, and how the x tick labels are set.
struct Layout {
  Box frame;
  double y_label_left = kMargin;  // the y axis label, turned, lies right of this
  double x_label_angle = 0;  // category labels turn by 45 degrees when they do not fit side by side
  double x_label_max_width = std::numeric_limits<double>::infinity();  // longer ones are cut
};

Layout layout(cairo_t* cr, const Figure& f, const Axis& x, const Axis& y) {
  const double w = f.width(), h = f.height();
  Layout l;
  set_font(cr, kTickFont);
  const double tick_text = line_height(cr);
  const double y_ticks_width = widest(cr, y.labels) + kGap / 2 + kTickLength;
  double left = kMargin + y_ticks_width;
  const double right = kMargin + 12;  // room for half of the last x tick label
  double x_labels_height = tick_text;
  if (is_categorical(f) && !x.labels.empty()) {
    const double slot = (w - left - right) / static_cast<double>(x.labels.size());
    const double longest = widest(cr, x.labels);
    if (longest > 0.9 * slot) {
      l.x_label_angle = -std::numbers::pi / 4;
      l.x_label_max_width = std::min(longest, 0.35 * h);
      x_labels_height = (l.x_label_max_width + tick_text) * std::numbers::sqrt2 / 2;
      // The first label reaches left of its tick by its projected width.
      left = std::max(left, kMargin + l.x_label_max_width * std::numbers::sqrt2 / 2 - slot / 2);
    }
  }
  set_font(cr, kLabelFont);
  const double label_text = line_height(cr);
  if (!f.ylabel().empty()) left += label_text + kGap;
  double bottom = kMargin + kTickLength + kGap / 2 + x_labels_height;
  if (!f.xlabel().empty()) bottom += kGap + label_text;
  set_font(cr, kTitleFont, true);
  const double top = kMargin + (f.title().empty() ? kGap : line_height(cr) + kGap);
  l.frame = {std::round(left), std::round(top), std::round(w - right), std::round(h - bottom)};
  // Next to the tick labels, also when rotated category labels pushed the frame to the right.
  l.y_label_left = l.frame.x0 - y_ticks_width - kGap - label_text;
  return l;
}

// ---- series

void dot(cairo_t* cr, double px, double py, double radius) {
  cairo_arc(cr, px, py, radius, 0, 2 * std::numbers::pi);
  cairo_fill(cr);
}

void use_dash(cairo_t* cr, bool dashed) {
  static constexpr double kDash[] = {6, 4};
  cairo_set_dash(cr, dashed ? kDash : nullptr, dashed ? 2 : 0, 0);
}

// Vertical bar from value - err to value + err with short caps; the lower end stays inside a log
// axis.
void error_bar(cairo_t* cr, double px, double value, double err, const Axis& y) {
  const double below = value - err;
  const double y0 = y.map(y.can_map(below) ? below : y.lo), y1 = y.map(value + err);
  constexpr double kCap = 3;
  cairo_move_to(cr, px, y0);
  cairo_line_to(cr, px, y1);
  cairo_move_to(cr, px - kCap, y0);
  cairo_line_to(cr, px + kCap, y0);
  cairo_move_to(cr, px - kCap, y1);
  cairo_line_to(cr, px + kCap, y1);
  cairo_stroke(cr);
}

void draw_scatter(cairo_t* cr, const Series& s, const Axis& x, const Axis& y) {
  set_color(cr, s.color, s.alpha);
  // One fill per dot, so that overlapping dots add up and dense regions look darker.
  for (std::size_t i = 0; i < s.x.size(); ++i)
    if (x.can_map(s.x[i]) && y.can_map(s.y[i])) dot(cr, x.map(s.x[i]), y.map(s.y[i]), s.radius);
}

struct Point {
  double x, y;
};

// The part of segment a-b inside the square |x|, |y| <= kFar (Liang and Barsky's clipping), as
// parameters 0 <= t0 <= t1 <= 1 along it; none when the segment misses the square.
std::optional<std::pair<double, double>> clip_segment(Point a, Point b) {
  const double dx = b.x - a.x, dy = b.y - a.y;
  const std::array<double, 4> p{-dx, dx, -dy, dy};
  const std::array<double, 4> q{a.x + kFar, kFar - a.x, a.y + kFar, kFar - a.y};
  double t0 = 0, t1 = 1;
  for (std::size_t i = 0; i < 4; ++i) {
    if (p[i] == 0) {
      if (q[i] < 0) return std::nullopt;  // parallel to this side, and outside it
      continue;
    }
    const double t = q[i] / p[i];
    if (p[i] < 0) t0 = std::max(t0, t);
    else t1 = std::min(t1, t);
  }
  if (t0 > t1) return std::nullopt;
  return std::pair{t0, t1};
}

// The polyline through the series' points, broken where a point cannot be drawn, each segment
// clipped to within kFar, where Cairo draws it exactly.
void trace_line(cairo_t* cr, const Series& s, const Axis& x, const Axis& y) {
  Point previous{0, 0};
  bool have_previous = false;  // the line goes on from `previous`
  bool at_previous = false;    // the path's current point is `previous`
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    if (!x.can_map(s.x[i]) || !y.can_map(s.y[i])) {
      have_previous = false;
      continue;
    }
    const Point p{x.exact(s.x[i]), y.exact(s.y[i])};
    const auto piece = have_previous ? clip_segment(previous, p) : std::nullopt;
    if (piece) {
      const auto along = [&](double t) { return Point{previous.x + t * (p.x - previous.x), previous.y + t * (p.y - previous.y)}; };
      const Point from = along(piece->first), to = along(piece->second);
      if (!at_previous || piece->first > 0) cairo_move_to(cr, from.x, from.y);
      cairo_line_to(cr, to.x, to.y);
    }
    at_previous = piece && piece->second == 1;
    previous = p;
    have_previous = true;
  }
}

void draw_line(cairo_t* cr, const Series& s, const Axis& x, const Axis& y) {
  set_color(cr, s.color, s.alpha);
  cairo_set_line_width(cr, s.width);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  use_dash(cr, s.dashed);
  trace_line(cr, s, x, y);
  cairo_stroke(cr);
  std::optional<std::size_t> last;  // the last point drawn: where a path ends
  for (std::size_t i = 0; i < s.x.size(); ++i)
    if (x.can_map(s.x[i]) && y.can_map(s.y[i])) last = i;
  use_dash(cr, false);
  cairo_set_line_width(cr, 1);
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    if (!x.can_map(s.x[i]) || !y.can_map(s.y[i])) continue;
    if (s.end_marker && i == last) {  // a white rim lifts the end out of the crossing lines
      cairo_set_source_rgb(cr, 1, 1, 1);
      dot(cr, x.map(s.x[i]), y.map(s.y[i]), s.radius + 1);
      set_color(cr, s.color, s.alpha);
    }
    if (s.markers || (s.end_marker && i == last)) dot(cr, x.map(s.x[i]), y.map(s.y[i]), s.radius);
    if (error_at(s, i) > 0) error_bar(cr, x.map(s.x[i]), s.y[i], error_at(s, i), y);
  }
}

// Bars and histograms stand on 0, or on the bottom of a log axis.
double baseline_px(const Axis& y) { return y.map(y.log ? y.lo : std::clamp(0.0, y.lo, y.hi)); }

void draw_histogram(cairo_t* cr, const Series& s, const Axis& x, const Axis& y) {
  if (!std::all_of(s.x.begin(), s.x.end(), [&](double e) { return x.can_map(e); })) return;
  const double base = baseline_px(y);
  cairo_move_to(cr, x.map(s.x.front()), base);
  for (std::size_t i = 0; i < s.y.size(); ++i) {  // the outline of the bins, as steps
    const double top = y.can_map(s.y[i]) ? y.map(s.y[i]) : base;
    cairo_line_to(cr, x.map(s.x[i]), top);
    cairo_line_to(cr, x.map(s.x[i + 1]), top);
  }
  cairo_line_to(cr, x.map(s.x.back()), base);
  if (s.filled) {
    set_color(cr, s.color, s.alpha);
    cairo_fill_preserve(cr);
  }
  set_color(cr, s.color, s.filled ? 1.0 : s.alpha);
  cairo_set_line_width(cr, s.width);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_MITER);
  cairo_stroke(cr);
}

// Bar series `slot` of `slots`: the bars of a category share 80% of its width, side by side.
void draw_bars(cairo_t* cr, const Series& s, const Axis& x, const Axis& y, std::size_t slot, std::size_t slots) {
  constexpr double kGroupWidth = 0.8;
  const double width = kGroupWidth / static_cast<double>(slots);
  const double offset = -kGroupWidth / 2 + (static_cast<double>(slot) + 0.5) * width;
  const double base = baseline_px(y);
  set_color(cr, s.color, s.alpha);
  for (std::size_t i = 0; i < s.y.size(); ++i) {
    if (!y.can_map(s.y[i])) continue;
    const double left = x.map(static_cast<double>(i) + offset - width / 2);
    const double right = x.map(static_cast<double>(i) + offset + width / 2);
    cairo_rectangle(cr, left, y.map(s.y[i]), right - left, base - y.map(s.y[i]));
    cairo_fill(cr);
  }
  cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
  cairo_set_line_width(cr, 1);
  for (std::size_t i = 0; i < s.y.size(); ++i)
    if (y.can_map(s.y[i]) && error_at(s, i) > 0)
      error_bar(cr, x.map(static_cast<double>(i) + offset), s.y[i], error_at(s, i), y);
}

void draw_hline(cairo_t* cr, const Series& s, const Axis& x, const Axis& y) {
  if (!y.can_map(s.y.at(0))) return;
  set_color(cr, s.color, s.alpha);
  cairo_set_line_width(cr, s.width);
  use_dash(cr, s.dashed);
  cairo_move_to(cr, x.px_lo, y.map(s.y[0]));
  cairo_line_to(cr, x.px_hi, y.map(s.y[0]));
  cairo_stroke(cr);
  use_dash(cr, false);
}

// Every series, clipped to the frame, in the order added.
void draw_series(cairo_t* cr, const Figure& f, const Axis& x, const Axis& y, const Box& frame) {
  const auto bar_series = static_cast<std::size_t>(std::count_if(f.series().begin(), f.series().end(), is_bars));
  std::size_t bar_slot = 0;
  cairo_save(cr);
  cairo_rectangle(cr, frame.x0, frame.y0, frame.width(), frame.height());
  cairo_clip(cr);
  for (const Series& s : f.series()) {
    switch (s.kind) {
      case SeriesKind::scatter: draw_scatter(cr, s, x, y); break;
      case SeriesKind::line: draw_line(cr, s, x, y); break;
      case SeriesKind::histogram: draw_histogram(cr, s, x, y); break;
      case SeriesKind::bars: draw_bars(cr, s, x, y, bar_slot++, bar_series); break;
      case SeriesKind::hline: draw_hline(cr, s, x, y); break;
    }
  }
  cairo_restore(cr);
}

// ---- frame, ticks, labels

void draw_grid(cairo_t* cr, const Figure& f, const Axis& x, const Axis& y, const Box& frame) {
  cairo_set_source_rgb(cr, 0.91, 0.91, 0.91);
  cairo_set_line_width(cr, 1);
  if (!is_categorical(f))
    for (const double t : x.ticks) {
      cairo_move_to(cr, crisp(x.map(t)), frame.y0);
      cairo_line_to(cr, crisp(x.map(t)), frame.y1);
    }
  for (const double t : y.ticks) {
    cairo_move_to(cr, frame.x0, crisp(y.map(t)));
    cairo_line_to(cr, frame.x1, crisp(y.map(t)));
  }
  cairo_stroke(cr);
}

void draw_axes(cairo_t* cr, const Layout& l, const Axis& x, const Axis& y) {
  const Box& b = l.frame;
  cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
  cairo_set_line_width(cr, 1);
  cairo_rectangle(cr, b.x0 + 0.5, b.y0 + 0.5, b.width() - 1, b.height() - 1);
  for (const double t : x.ticks) {
    cairo_move_to(cr, crisp(x.map(t)), b.y1);
    cairo_line_to(cr, crisp(x.map(t)), b.y1 + kTickLength);
  }
  for (const double t : y.ticks) {
    cairo_move_to(cr, b.x0, crisp(y.map(t)));
    cairo_line_to(cr, b.x0 - kTickLength, crisp(y.map(t)));
  }
  cairo_stroke(cr);
  set_font(cr, kTickFont);
  const double below = b.y1 + kTickLength + kGap / 2;
  for (std::size_t i = 0; i < x.ticks.size(); ++i) {
    const double px = x.map(x.ticks[i]);
    if (l.x_label_angle == 0) draw_text(cr, x.labels[i], px, below, Anchor::middle, Anchor::start);
    else draw_text(cr, fit_text(cr, x.labels[i], l.x_label_max_width), px, below, Anchor::end, Anchor::middle, l.x_label_angle);
  }
  for (std::size_t i = 0; i < y.ticks.size(); ++i)
    draw_text(cr, y.labels[i], b.x0 - kTickLength - kGap / 2, y.map(y.ticks[i]), Anchor::end, Anchor::middle);
}

void draw_titles(cairo_t* cr, const Figure& f, const Layout& l) {
  const Box& frame = l.frame;
  cairo_set_source_rgb(cr, 0, 0, 0);
  set_font(cr, kLabelFont);
  const double centre_x = (frame.x0 + frame.x1) / 2, centre_y = (frame.y0 + frame.y1) / 2;
  if (!f.xlabel().empty())
    draw_text(cr, fit_text(cr, f.xlabel(), f.width() - 2 * kMargin), centre_x, f.height() - kMargin, Anchor::middle, Anchor::end);
  if (!f.ylabel().empty())
    draw_text(cr, fit_text(cr, f.ylabel(), f.height() - 2 * kMargin), l.y_label_left, centre_y, Anchor::middle,
              Anchor::start, -std::numbers::pi / 2);
  if (f.title().empty()) return;
  // A long title shrinks to the figure's width (to 70%), then is cut.
  const double room = f.width() - 2 * kMargin;
  set_font(cr, kTitleFont, true);
  const double natural = text_width(cr, f.title());
  if (natural > room) set_font(cr, std::max(0.7, room / natural) * kTitleFont, true);
  draw_text(cr, fit_text(cr, f.title(), room), std::clamp(centre_x, kMargin + room / 2, f.width() - kMargin - room / 2),
            kMargin, Anchor::middle, Anchor::start);
}

// ---- legend

// A legend sample of series `s`, `kSwatchWidth` wide from `x`, centred on `y`.
void draw_swatch(cairo_t* cr, const Series& s, double x, double y) {
  const double alpha = std::max(s.alpha, 0.8);  // faint dots still show in the legend
  set_color(cr, s.color, alpha);
  switch (s.kind) {
    case SeriesKind::scatter: dot(cr, x + kSwatchWidth / 2, y, std::max(s.radius, 3.0)); break;
    case SeriesKind::histogram:
    case SeriesKind::bars:
      cairo_rectangle(cr, x + 4, y - 5, kSwatchWidth - 8, 10);
      set_color(cr, s.color, s.kind == SeriesKind::histogram && !s.filled ? 0.0 : s.alpha);
      cairo_fill_preserve(cr);
      set_color(cr, s.color, 1.0);
      cairo_set_line_width(cr, 1);
      cairo_stroke(cr);
      break;
    case SeriesKind::line:
    case SeriesKind::hline:
      cairo_set_line_width(cr, std::max(s.width, 1.5));
      use_dash(cr, s.dashed);
      cairo_move_to(cr, x, y);
      cairo_line_to(cr, x + kSwatchWidth, y);
      cairo_stroke(cr);
      use_dash(cr, false);
      if (s.markers || s.end_marker) dot(cr, x + kSwatchWidth / 2, y, s.radius);
      break;
  }
}

// How much ink the series put inside `b`: they are drawn once more onto an alpha-only surface
// (the same drawing code, so nothing is estimated) and its coverage summed.
class InkMap {
 public:
  InkMap(const Figure& f, const Axis& x, const Axis& y, const Box& frame)
      : surface_(cairo_image_surface_create(CAIRO_FORMAT_A8, f.width(), f.height()), cairo_surface_destroy) {
    ContextPtr cr(cairo_create(surface_.get()), cairo_destroy);
    draw_series(cr.get(), f, x, y, frame);
    cairo_surface_flush(surface_.get());
  }
  double in(const Box& b) const {
    const unsigned char* data = cairo_image_surface_get_data(surface_.get());
    if (!data) return 0;  // the surface could not be made: place the legend by order alone
    const int stride = cairo_image_surface_get_stride(surface_.get());
    const int w = cairo_image_surface_get_width(surface_.get()), h = cairo_image_surface_get_height(surface_.get());
    double sum = 0;
    for (int r = std::max(0, static_cast<int>(b.y0)); r < std::min(h, static_cast<int>(b.y1)); ++r)
      for (int c = std::max(0, static_cast<int>(b.x0)); c < std::min(w, static_cast<int>(b.x1)); ++c)
        sum += data[static_cast<std::ptrdiff_t>(r) * stride + c];
    return sum;
  }

 private:
  SurfacePtr surface_;
};

// The legend, in the corner of the frame that hides the least data: upper right unless another
// corner covers less.
void draw_legend(cairo_t* cr, const Figure& f, const Axis& x, const Axis& y, const Box& frame) {
  std::vector<const Series*> entries;
  for (const Series& s : f.series())
    if (!s.label.empty()) entries.push_back(&s);
  if (entries.empty()) return;
  set_font(cr, kLegendFont);
  const double row = line_height(cr) + 3, pad = 6;
  const double max_text = 0.5 * frame.width();
  std::vector<std::string> texts;
  for (const Series* s : entries) texts.push_back(fit_text(cr, s->label, max_text));
  const double w = pad + kSwatchWidth + kGap + widest(cr, texts) + pad;
  const double h = 2 * pad + row * static_cast<double>(entries.size()) - 3;
  const double left = frame.x0 + kLegendInset, right = frame.x1 - kLegendInset - w;
  const double top = frame.y0 + kLegendInset, bottom = frame.y1 - kLegendInset - h;
  const std::array<Box, 4> corners{{{right, top, right + w, top + h},
                                    {left, top, left + w, top + h},
                                    {right, bottom, right + w, bottom + h},
                                    {left, bottom, left + w, bottom + h}}};
  const InkMap ink(f, x, y, frame);
  Box box = corners[0];
  double least = ink.in(box);
  for (const Box& c : corners)
    if (const double covered = ink.in(c); covered < least) {
      least = covered;
      box = c;
    }
  cairo_rectangle(cr, box.x0 + 0.5, box.y0 + 0.5, w, h);
  cairo_set_source_rgba(cr, 1, 1, 1, 0.85);  // semi-opaque: data beneath still shows
  cairo_fill_preserve(cr);
  cairo_set_source_rgb(cr, 0.75, 0.75, 0.75);
  cairo_set_line_width(cr, 1);
  cairo_stroke(cr);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const double centre = box.y0 + pad + row * (static_cast<double>(i) + 0.5) - 1.5;
    draw_swatch(cr, *entries[i], box.x0 + pad, centre);
    cairo_set_source_rgb(cr, 0, 0, 0);
    draw_text(cr, texts[i], box.x0 + pad + kSwatchWidth + kGap, centre, Anchor::start, Anchor::middle);
  }
}

// The axes of a figure and where they sit in the image (text sizes come from `cr`'s fonts).
struct Geometry {
  Axis x, y;
  Layout layout;
};

Geometry geometry(cairo_t* cr, const Figure& f) {
  const DataExtents d = data_extents(f);
  Geometry g;
  g.x = is_categorical(f) ? category_axis(f) : value_axis(d.x, f.xlim(), f.log_x(), false);
  g.y = value_axis(d.y, f.ylim(), f.log_y(), d.y_from_zero);
  g.layout = layout(cr, f, g.x, g.y);
  g.x.px_lo = g.layout.frame.x0;
  g.x.px_hi = g.layout.frame.x1;
  g.y.px_lo = g.layout.frame.y1;
  g.y.px_hi = g.layout.frame.y0;
  return g;
}

void draw_figure(cairo_t* cr, const Figure& f) {
  const Geometry g = geometry(cr, f);
  const Box& frame = g.layout.frame;
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  draw_grid(cr, f, g.x, g.y, frame);
  draw_series(cr, f, g.x, g.y, frame);
  draw_axes(cr, g.layout, g.x, g.y);
  draw_titles(cr, f, g.layout);
  draw_legend(cr, f, g.x, g.y, frame);
}

void check(cairo_status_t status, const fs::path& path) {
  if (status != CAIRO_STATUS_SUCCESS)
    throw Error(fmt::format("{}: cannot draw the figure: {}", path.string(), cairo_status_to_string(status)));
}

void draw_on(cairo_surface_t* surface, const Figure& f, const fs::path& path) {
  ContextPtr cr(cairo_create(surface), cairo_destroy);
  draw_figure(cr.get(), f);
  check(cairo_status(cr.get()), path);
}

// Cairo keeps process-wide caches (fonts, scaled fonts) that its 1.16 release does not guard
// well enough for figures drawn at once by the points of a concurrent sweep (ThreadSanitizer
// reported races inside libcairo). Drawing takes milliseconds next to a run, so all Cairo use
// is serialised.
std::mutex& cairo_mutex() {
  static std::mutex m;
  return m;
}

// Cairo's stream writer: collect the bytes, so that the file is written by write_atomic.
cairo_status_t append_bytes(void* out, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(out)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

std::pair<double, double> Figure::to_pixel(double x, double y) const {
  std::lock_guard lock(cairo_mutex());
  // The layout depends on the size of the tick labels: measure them on a scratch surface.
  SurfacePtr scratch(cairo_image_surface_create(CAIRO_FORMAT_A8, 1, 1), cairo_surface_destroy);
  ContextPtr cr(cairo_create(scratch.get()), cairo_destroy);
  const Geometry g = geometry(cr.get(), *this);
  return {g.x.map(x), g.y.map(y)};
}

void Figure::write_svg(const fs::path& path) const {
  std::string bytes;
  {
    std::lock_guard lock(cairo_mutex());
    SurfacePtr surface(cairo_svg_surface_create_for_stream(append_bytes, &bytes, width_, height_),
                       cairo_surface_destroy);
    cairo_svg_surface_set_document_unit(surface.get(), CAIRO_SVG_UNIT_PX);
    draw_on(surface.get(), *this, path);
    cairo_surface_finish(surface.get());  // writes the rest of the document into `bytes`
    check(cairo_surface_status(surface.get()), path);
  }
  write_atomic(path, bytes);
}

void Figure::write_png(const fs::path& path) const {
  std::unique_lock lock(cairo_mutex());
  SurfacePtr surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, width_, height_), cairo_surface_destroy);
  draw_on(surface.get(), *this, path);
  std::string bytes;
  check(cairo_surface_write_to_png_stream(surface.get(), append_bytes, &bytes), path);
  surface.reset();
  lock.unlock();
  write_atomic(path, bytes);
}

std::vector<fs::path> Figure::write(const fs::path& stem) const {
  std::vector<fs::path> files{stem.string() + ".svg", stem.string() + ".png"};
  write_svg(files[0]);
  write_png(files[1]);
  return files;
}

}  // namespace sgm::host::plot
