// plot.cpp: the plots of a run directory (samples, trajectories, loss) and of a sweep directory
// (one chart per metric), drawn with the small figure library of plot_figure.hpp.
#include "sgm/host/plot.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <string_view>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <sgm/data_file.hpp>
#include <sgm/error.hpp>

#include "csv_table.hpp"
#include "plot_figure.hpp"
#include "sweep_table.hpp"
#include "sgm/host/output.hpp"

namespace sgm::host {

namespace fs = std::filesystem;

namespace {

// Points per set in a scatter: more only hide each other, and make the SVG large.
constexpr std::size_t kMaxPoints = 5000;

// ---------------------------------------------------------------------------------------------
// Numbers in CSV fields

// The number in a field ("nan" and "inf" included: plots skip them); none for anything else.
std::optional<double> to_number(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

double number_at(const CsvTable& t, std::size_t row, std::size_t col) {
  if (const auto v = to_number(t.rows[row][col])) return *v;
  throw Error(fmt::format("{}: column '{}': '{}' is not a number", t.where(row), t.header[col], t.rows[row][col]));
}

// ---------------------------------------------------------------------------------------------
// Run directories

/// The first two coordinates of a point file (only they are drawn): its first kMaxPoints rows,
/// read without reading the rest; rows among them with a NaN or Inf are skipped and counted.
struct Cloud {
  std::size_t dims = 0;
  std::vector<double> x0, x1;  // x1 empty in 1-D
  std::size_t skipped = 0;

  void add(double a, double b) {
    if (!std::isfinite(a) || !std::isfinite(b)) ++skipped;
    else if (x0.size() < kMaxPoints) {
      x0.push_back(a);
      if (dims > 1) x1.push_back(b);
    }
  }
};

Cloud read_cloud(const fs::path& file) {
  Cloud c;
  if (file.extension() == ".npy") {
    const Matrix m = sgm::read_npy_head(file, kMaxPoints);
    c.dims = static_cast<std::size_t>(m.cols());
    for (Eigen::Index i = 0; i < m.rows() && c.dims > 0; ++i) c.add(m(i, 0), c.dims > 1 ? m(i, 1) : 0.0);
  } else {
    const CsvTable t = parse_csv_table(read_csv_head(file, kMaxPoints + 1), file);  // + the header
    c.dims = t.header.size();
    for (std::size_t r = 0; r < t.rows.size(); ++r) c.add(number_at(t, r, 0), c.dims > 1 ? number_at(t, r, 1) : 0.0);
  }
  if (c.dims == 0) throw Error(fmt::format("{}: no coordinates", file.string()));
  return c;
}

// "vp + euler_maruyama on gmm", from the run's pipeline.toml; empty when there is none or it
// cannot be parsed, as it only names the plots.
std::string describe_run(const fs::path& dir) {
  const fs::path file = dir / "pipeline.toml";
  if (!fs::exists(file)) return "";
  try {
    const toml::table t = toml::parse_file(file.string());
    const auto plugin = [&](const char* stage) { return t[stage]["plugin"].value_or(std::string{}); };
    std::string what = plugin("sde");
    if (const auto sampler = plugin("sample"); !sampler.empty()) what += (what.empty() ? "" : " + ") + sampler;
    if (const auto data = plugin("dataset"); !data.empty()) what += (what.empty() ? "" : " on ") + data;
    return what;
  } catch (const toml::parse_error&) {
    return "";
  }
}

// "samples: vp + euler_maruyama on gmm (x0, x1 of 5 coordinates; 3 rows with NaN skipped)".
std::string titled(std::string what, const std::string& run, const std::vector<std::string>& notes) {
  if (!run.empty()) what += ": " + run;
  if (!notes.empty()) what += fmt::format(" ({})", fmt::join(notes, "; "));
  return what;
}

// "3 samples with NaN or Inf left out"; `what` is singular.
void note_skipped(std::vector<std::string>& notes, std::size_t skipped, const char* what) {
  if (skipped > 0) notes.push_back(fmt::format("{} {}{} with NaN or Inf left out", skipped, what, skipped == 1 ? "" : "s"));
}

void note_first_two(std::vector<std::string>& notes, std::size_t dims) {
  if (dims > 2) notes.push_back(fmt::format("x0, x1 of {} coordinates", dims));
}

std::vector<fs::path> write_figure(const plot::Figure& f, const fs::path& dir, const std::string& name) {
  fs::create_directories(dir);
  return f.write(dir / name);
}

// Colours shared by the plots: the data is always orange, generated samples blue.
plot::Color data_color() { return plot::cycle_color(1); }
plot::Color generated_color() { return plot::cycle_color(0); }

// Density (count / (n * width)) of `values` in the bins between `edges`.
std::vector<double> density(const std::vector<double>& values, const std::vector<double>& edges) {
  std::vector<double> h(edges.size() - 1, 0.0);
  const double lo = edges.front(), width = edges[1] - edges[0];
  for (const double v : values) {
    const auto bin = static_cast<std::size_t>(std::clamp((v - lo) / width, 0.0, static_cast<double>(h.size() - 1)));
    h[bin] += 1;
  }
  for (double& c : h) c /= static_cast<double>(values.size()) * width;
  return h;
}

// 1-D samples: density histograms of the data (filled) and the samples (outline), same bins.
void add_histograms(plot::Figure& f, const Cloud& generated, const Cloud* data) {
  std::vector<double> all = generated.x0;
  if (data) all.insert(all.end(), data->x0.begin(), data->x0.end());
  const auto [lo_it, hi_it] = std::minmax_element(all.begin(), all.end());
  double lo = all.empty() ? 0.0 : *lo_it, hi = all.empty() ? 1.0 : *hi_it;
  if (hi == lo) lo -= 0.5, hi += 0.5;
  // About sqrt(n) bins, as many as the counts support, within 10..60.
  const std::size_t bins = std::clamp<std::size_t>(static_cast<std::size_t>(std::sqrt(all.size())), 10, 60);
  std::vector<double> edges(bins + 1);
  for (std::size_t i = 0; i <= bins; ++i) edges[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(bins);
  if (data && !data->x0.empty()) {
    plot::Series& d = f.histogram(edges, density(data->x0, edges), "data");
    d.color = data_color();
    d.filled = true;
    d.alpha = 0.35;
  }
  if (!generated.x0.empty()) {
    plot::Series& g = f.histogram(edges, density(generated.x0, edges), "generated");
    g.color = generated_color();
    g.width = 1.8;
  }
  f.set_xlabel("x0").set_ylabel("density");
}

// 2-D (or more) samples: the data underneath, the samples on top.
void add_scatters(plot::Figure& f, const Cloud& generated, const Cloud* data) {
  if (data) {
    plot::Series& d = f.scatter(data->x0, data->x1, "data");
    d.color = data_color();
    d.alpha = 0.3;
  }
  plot::Series& g = f.scatter(generated.x0, generated.x1, "generated");
  g.color = generated_color();
  g.alpha = 0.3;
  f.set_xlabel("x0").set_ylabel("x1");
}

std::optional<Cloud> reference_cloud(const fs::path& dir) {
  if (!fs::exists(dir / "reference.csv")) return std::nullopt;
  return read_cloud(dir / "reference.csv");
}

std::vector<fs::path> plot_samples(const fs::path& dir, const fs::path& out, const std::string& run) {
  const fs::path csv = dir / "samples.csv", npy = dir / "samples.npy";
  if (!fs::exists(csv) && !fs::exists(npy)) return {};
  const Cloud generated = read_cloud(fs::exists(csv) ? csv : npy);
  const std::optional<Cloud> data = reference_cloud(dir);
  if (data && data->dims != generated.dims)
    throw Error(fmt::format("{}: {} coordinates, but the samples have {}", (dir / "reference.csv").string(),
                            data->dims, generated.dims));
  std::vector<std::string> notes;
  note_first_two(notes, generated.dims);
  note_skipped(notes, generated.skipped, "sample");
  if (data) note_skipped(notes, data->skipped, "data row");
  plot::Figure f(titled("samples", run, notes));
  if (generated.dims == 1) add_histograms(f, generated, data ? &*data : nullptr);
  else add_scatters(f, generated, data ? &*data : nullptr);
  return write_figure(f, out, "samples");
}

/// The recorded path of one particle.
struct Path {
  std::vector<double> step, x0, x1;
};

// trajectories.csv (step,particle,x0,...): one path per particle, in the order they first
// appear; rows with a NaN or Inf are left out of their path and counted.
std::vector<Path> read_paths(const CsvTable& t, std::size_t& skipped) {
  if (t.header.size() < 3 || t.header[0] != "step" || t.header[1] != "particle")
    throw Error(fmt::format("{}: the header must start with step,particle,x0 (it is {})", t.file.string(),
                            fmt::join(t.header, ",")));
  const bool two_d = t.header.size() > 3;
  std::vector<Path> paths;
  std::map<std::string, std::size_t> path_of;  // particle id -> index in paths
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const double step = number_at(t, r, 0), x0 = number_at(t, r, 2), x1 = two_d ? number_at(t, r, 3) : 0.0;
    if (!std::isfinite(step) || !std::isfinite(x0) || !std::isfinite(x1)) {
      ++skipped;
      continue;
    }
    const auto [it, added] = path_of.emplace(t.rows[r][1], paths.size());
    if (added) paths.emplace_back();
    Path& p = paths[it->second];
    p.step.push_back(step);
    p.x0.push_back(x0);
    if (two_d) p.x1.push_back(x1);
  }
  return paths;
}

std::vector<fs::path> plot_trajectories(const fs::path& dir, const fs::path& out, const std::string& run) {
  const fs::path file = dir / "trajectories.csv";
  if (!fs::exists(file)) return {};
  const CsvTable t = read_csv_table(file);
  std::size_t skipped = 0;
  const std::vector<Path> paths = read_paths(t, skipped);
  const std::size_t dims = t.header.size() - 2;
  std::vector<std::string> notes{fmt::format("{} particles", paths.size())};
  note_first_two(notes, dims);
  note_skipped(notes, skipped, "row");
  plot::Figure f(titled("trajectories", run, notes));
  const std::optional<Cloud> data = dims > 1 ? reference_cloud(dir) : std::nullopt;
  if (data) {  // faint, underneath: where the paths should end
    plot::Series& d = f.scatter(data->x0, data->x1, "data");
    d.color = plot::kGrey;
    d.alpha = 0.12;
  }
  for (std::size_t k = 0; k < paths.size(); ++k) {
    const Path& p = paths[k];
    plot::Series& s = dims == 1 ? f.line(p.step, p.x0) : f.line(p.x0, p.x1);
    if (k == 0) s.label = "particle paths (dot: end)";
    s.width = 0.7;  // thin and a little transparent: noisy paths cross often
    s.alpha = 0.75;
    s.end_marker = true;
    s.radius = 3.5;
  }
  if (dims == 1) f.set_xlabel("step").set_ylabel("x0");
  else f.set_xlabel("x0").set_ylabel("x1");
  return write_figure(f, out, "trajectories");
}

std::vector<fs::path> plot_loss(const fs::path& dir, const fs::path& out) {
  const fs::path file = dir / "loss.csv";
  if (!fs::exists(file)) return {};
  const CsvTable t = read_csv_table(file);
  const std::size_t step_col = t.required_column("step"), loss_col = t.required_column("loss");
  std::vector<double> steps, losses;
  std::size_t skipped = 0;
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const double step = number_at(t, r, step_col), loss = number_at(t, r, loss_col);
    if (!std::isfinite(step) || !std::isfinite(loss)) {
      ++skipped;
      continue;
    }
    steps.push_back(step);
    losses.push_back(loss);
  }
  std::vector<std::string> notes;
  note_skipped(notes, skipped, "step");
  const std::string what = losses.empty() ? "training loss"
                                          : fmt::format("training loss: final {:.4g} at step {}", losses.back(), steps.back());
  plot::Figure f(titled(what, "", notes));
  // A log scale when the loss falls by more than a decade (it cannot show a loss <= 0).
  const auto [lo, hi] = std::minmax_element(losses.begin(), losses.end());
  f.set_log_y(!losses.empty() && *lo > 0 && *hi / *lo > 10);
  f.line(steps, losses).width = 1.2;
  f.set_xlabel("step").set_ylabel("loss");
  return write_figure(f, out, "loss");
}

void require_directory(const fs::path& dir) {
  if (!fs::exists(dir)) throw Error(fmt::format("{}: no such directory", dir.string()));
  if (!fs::is_directory(dir)) throw Error(fmt::format("{}: not a directory", dir.string()));
}

void append(std::vector<fs::path>& to, std::vector<fs::path> more) { to.insert(to.end(), more.begin(), more.end()); }

// ---------------------------------------------------------------------------------------------
// Sweep directories

// report.* columns are labels that advance with a parameter, not parameters or metrics.
bool is_label(std::string_view column) { return column.starts_with("report."); }

bool is_metric(std::string_view column) {
  static const std::set<std::string_view> kBookkeeping{"point", "status", "seeds", "nfe", "sample_seconds"};
  return !kBookkeeping.contains(column) && !is_label(column) && !column.starts_with("baseline:") &&
         !column.ends_with(":se");
}

/// A sweep table with its columns sorted by role, and the rows to plot.
struct SweepTable {
  CsvTable table;
  std::vector<std::size_t> params;   // swept parameters: not point, run.seed or a label
  std::vector<std::size_t> metrics;
  std::vector<std::size_t> rows;     // the rows of points that finished
};

SweepTable read_sweep(const fs::path& dir) {
  const fs::path summary = dir / "summary.csv";
  SweepTable s{read_csv_table(fs::exists(summary) ? summary : dir / "sweep.csv"), {}, {}, {}};
  const CsvTable& t = s.table;
  // The swept columns come first, up to "status" (sweep.csv) or "seeds" (summary.csv).
  const auto end_of_axes = std::find_if(t.header.begin(), t.header.end(),
                                        [](const std::string& c) { return c == "status" || c == "seeds"; });
  if (end_of_axes == t.header.end())
    throw Error(fmt::format("{}: no 'status' or 'seeds' column; not a sweep table", t.file.string()));
  const auto axes_end = static_cast<std::size_t>(end_of_axes - t.header.begin());
  for (std::size_t c = 0; c < t.header.size(); ++c) {
    const std::string& name = t.header[c];
    if (c < axes_end && name != "point" && name != "run.seed" && !is_label(name)) s.params.push_back(c);
    if (c > axes_end && is_metric(name)) s.metrics.push_back(c);
  }
  // Failed points are not drawn: in sweep.csv a status other than "ok"; in summary.csv no seed
  // that finished (a group where some seeds failed still has the mean of the others).
  const auto seeds = t.column("seeds"), status = t.column("status");
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const bool finished = seeds ? to_number(t.rows[r][*seeds]).value_or(1) > 0 : !status || t.rows[r][*status] == "ok";
    if (finished) s.rows.push_back(r);
  }
  // Not charts: a metric's own standard error ("<metric>_stderr", its error bars instead) and a
  // column with one value at every drawn point (a setting the metric echoes, e.g. sw.projections).
  std::erase_if(s.metrics, [&](std::size_t c) {
    const std::string& name = t.header[c];
    const auto stderr_of = sweep_table::metric_of_stderr(name);
    const bool own_stderr = stderr_of && t.column(*stderr_of);
    const bool constant = s.rows.size() > 1 && std::all_of(s.rows.begin(), s.rows.end(), [&](std::size_t r) {
                            return t.rows[r][c] == t.rows[s.rows.front()][c];
                          });
    return own_stderr || constant;
  });
  return s;
}

// The first parameter whose values are all numbers and take at least two values: the x axis.
std::optional<std::size_t> numeric_axis(const SweepTable& s) {
  for (const std::size_t p : s.params) {
    std::set<double> values;
    const bool numeric = std::all_of(s.rows.begin(), s.rows.end(), [&](std::size_t r) {
      const auto v = to_number(s.table.rows[r][p]);
      if (v && std::isfinite(*v)) values.insert(*v);
      return v && std::isfinite(*v);
    });
    if (numeric && values.size() >= 2) return p;
  }
  return std::nullopt;
}

// The parameters that split the points into lines: all but x, less those x fixes (constant, or
// zipped with x), as they would only cut each line into single points.
std::vector<std::size_t> series_axes(const SweepTable& s, std::size_t x) {
  std::vector<std::size_t> axes;
  for (const std::size_t p : s.params) {
    if (p == x) continue;
    std::map<std::string, std::string> value_at_x;
    const bool fixed_by_x = std::all_of(s.rows.begin(), s.rows.end(), [&](std::size_t r) {
      const auto& row = s.table.rows[r];
      return value_at_x.emplace(row[x], row[p]).first->second == row[p];
    });
    if (!fixed_by_x) axes.push_back(p);
  }
  return axes;
}

// "sde.plugin=vp, sample.plugin=heun" (with names) or "vp, heun" (without).
std::string describe_point(const CsvTable& t, std::size_t row, const std::vector<std::size_t>& columns, bool names) {
  std::vector<std::string> parts;
  for (const std::size_t c : columns) parts.push_back(names ? t.header[c] + "=" + t.rows[row][c] : t.rows[row][c]);
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string column_names(const CsvTable& t, const std::vector<std::size_t>& columns) {
  std::vector<std::string> names;
  for (const std::size_t c : columns) names.push_back(t.header[c]);
  return fmt::format("{}", fmt::join(names, ", "));
}

/// The values of one metric at one point of a chart: one with its own standard error
/// (summary.csv), or several (the seeds of a sweep.csv), averaged.
struct Cell {
  std::vector<double> values;
  double se = 0;
};

SweepSeries to_series(std::string label, const std::map<double, Cell>& cells) {
  SweepSeries s{std::move(label), {}, {}, {}};
  for (const auto& [x, cell] : cells) {
    const auto n = static_cast<double>(cell.values.size());
    const double mean = std::accumulate(cell.values.begin(), cell.values.end(), 0.0) / n;
    double se = cell.se;
    if (cell.values.size() > 1) {
      double squares = 0;
      for (const double v : cell.values) squares += (v - mean) * (v - mean);
      se = std::sqrt(squares / (n - 1) / n);
    }
    s.x.push_back(x);
    s.y.push_back(mean);
    s.se.push_back(se);
  }
  if (std::all_of(s.se.begin(), s.se.end(), [](double e) { return e == 0; })) s.se.clear();
  return s;
}

// A finite number in an optional column of a row, if there is one.
std::optional<double> optional_value(const CsvTable& t, std::size_t row, std::optional<std::size_t> column) {
  if (!column) return std::nullopt;
  const auto v = to_number(t.rows[row][*column]);
  return v && std::isfinite(*v) ? v : std::nullopt;
}

SweepChart chart_of(const SweepTable& s, std::size_t metric, std::optional<std::size_t> x,
                    const std::vector<std::size_t>& grouping) {
  const CsvTable& t = s.table;
  SweepChart chart;
  chart.metric = t.header[metric];
  if (x) chart.x_axis = t.header[*x];
  else chart.categories_axis = column_names(t, s.params);
  // Error bars: the standard error over seeds (summary.csv), else the metric's own.
  const auto se_over_seeds = t.column(chart.metric + ":se");
  const auto se_column = se_over_seeds ? se_over_seeds : t.column(chart.metric + sweep_table::kStderrSuffix);
  const auto baseline_column = t.column("baseline:" + chart.metric);
  // Line chart: keys are series labels, cells keyed by x. Bar chart: keys are categories, one
  // series, cells keyed by the category's index.
  std::vector<std::string> keys;
  std::map<std::string, std::map<double, Cell>> cells;
  double baseline_sum = 0;
  std::size_t baselines = 0;
  for (const std::size_t r : s.rows) {
    const auto y = optional_value(t, r, metric);
    if (!y) {
      ++chart.skipped;
      continue;
    }
    if (const auto b = optional_value(t, r, baseline_column)) baseline_sum += *b, ++baselines;
    const std::string key = x ? describe_point(t, r, grouping, true)
                              : s.params.empty() ? "all" : describe_point(t, r, s.params, false);
    auto place = std::find(keys.begin(), keys.end(), key);
    if (place == keys.end()) place = keys.insert(keys.end(), key);
    const double at = x ? *to_number(t.rows[r][*x]) : static_cast<double>(place - keys.begin());
    Cell& cell = cells[x ? key : ""][at];
    cell.values.push_back(*y);
    cell.se = optional_value(t, r, se_column).value_or(0.0);
  }
  if (x) {
    for (const auto& key : keys) chart.series.push_back(to_series(key, cells[key]));
  } else if (!keys.empty()) {
    chart.categories = keys;
    chart.series.push_back(to_series("", cells[""]));
  }
  if (baselines > 0) chart.baseline = baseline_sum / static_cast<double>(baselines);
  // A log x axis when x spans a factor of 20 or more (steps 10..1000 read better so).
  double lo = std::numeric_limits<double>::infinity(), hi = 0;
  for (const auto& series : chart.series)
    for (const double v : series.x) lo = std::min(lo, v), hi = std::max(hi, v);
  chart.log_x = x && lo > 0 && hi / lo >= 20;
  return chart;
}

// A metric's name as a file name: characters other than letters, digits, '.', '-' and '_'
// become '_' (a metric name may hold ':' or '/').
std::string file_stem(const std::string& metric) {
  std::string stem = metric;
  for (char& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  return stem;
}

std::vector<fs::path> draw_chart(const SweepChart& c, const fs::path& out) {
  const std::string& axis = c.x_axis.empty() ? c.categories_axis : c.x_axis;
  std::vector<std::string> notes;
  if (c.skipped > 0) notes.push_back(fmt::format("{} point{} without a value", c.skipped, c.skipped == 1 ? "" : "s"));
  plot::Figure f(titled(axis.empty() ? c.metric : c.metric + " vs " + axis, "", notes));
  f.set_xlabel(axis).set_ylabel(c.metric);
  if (c.x_axis.empty()) {
    f.set_categories(c.categories);
    for (const auto& s : c.series) f.bars(s.y, s.label).err = s.se;
  } else {
    f.set_log_x(c.log_x);
    for (const auto& s : c.series) {
      plot::Series& line = f.line(s.x, s.y, s.label);
      line.markers = true;
      line.err = s.se;
    }
  }
  if (c.baseline) f.hline(*c.baseline, "data vs data");
  return write_figure(f, out, file_stem(c.metric));
}

}  // namespace

std::vector<SweepChart> sweep_charts(const fs::path& dir) {
  const SweepTable s = read_sweep(dir);
  const std::optional<std::size_t> x = numeric_axis(s);
  const std::vector<std::size_t> grouping = x ? series_axes(s, *x) : std::vector<std::size_t>{};
  std::vector<SweepChart> charts;
  for (const std::size_t m : s.metrics) charts.push_back(chart_of(s, m, x, grouping));
  return charts;
}

std::vector<fs::path> plot_sweep_dir(const fs::path& dir) {
  require_directory(dir);
  std::vector<fs::path> written;
  for (const SweepChart& c : sweep_charts(dir)) append(written, draw_chart(c, dir / "plots"));
  return written;
}

std::vector<fs::path> plot_run_dir(const fs::path& dir) {
  require_directory(dir);
  const fs::path out = dir / "plots";
  const std::string run = describe_run(dir);
  std::vector<fs::path> written;
  append(written, plot_samples(dir, out, run));
  append(written, plot_trajectories(dir, out, run));
  append(written, plot_loss(dir, out));
  return written;
}

std::vector<fs::path> plot_dir(const fs::path& dir) {
  require_directory(dir);
  if (fs::exists(dir / "sweep.csv") || fs::exists(dir / "summary.csv")) return plot_sweep_dir(dir);
  std::vector<fs::path> written = plot_run_dir(dir);
  if (written.empty())
    throw Error(fmt::format("{}: nothing to plot: neither a run directory (samples.csv, samples.npy, "
                            "trajectories.csv or loss.csv) nor a sweep directory (sweep.csv; merge "
                            "the tables of a sharded sweep first)",
                            dir.string()));
  return written;
}

}  // namespace sgm::host
