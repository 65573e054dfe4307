// plot.hpp: pictures of a run or a sweep (`sgm plot`), written as SVG and PNG (640x480) next to
// the results they show, in <dir>/plots/. Every file is written atomically (output.hpp).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sgm::host {

/// Plots of a run directory, written to <dir>/plots/: samples.{svg,png} (samples.csv or
/// samples.npy over reference.csv), trajectories.{svg,png} (trajectories.csv) and
/// loss.{svg,png} (loss.csv); each only when its inputs exist.
/// \returns the files written (none when the directory holds none of the inputs).
/// \throws Error naming the file (and line, for a CSV row) when an input cannot be read.
std::vector<std::filesystem::path> plot_run_dir(const std::filesystem::path& dir);

/// Plots of a sweep directory (<dir>/sweep.csv and, when present, <dir>/summary.csv, which is
/// preferred), written to <dir>/plots/<metric>.{svg,png}: one chart per metric column, as
/// described by sweep_charts().
/// \returns the files written.
/// \throws Error naming the file (and line) when the table cannot be read.
std::vector<std::filesystem::path> plot_sweep_dir(const std::filesystem::path& dir);

/// plot_sweep_dir() when `dir` holds sweep.csv, else plot_run_dir().
/// \throws Error when `dir` does not exist or holds neither a run's nor a sweep's results.
std::vector<std::filesystem::path> plot_dir(const std::filesystem::path& dir);

/// One line of a sweep chart: the points that share the values of the axes other than x.
struct SweepSeries {
  std::string label;      ///< "sde.plugin=vp, ..."; empty when no other axis varies
  std::vector<double> x;  ///< ascending; for a bar chart the index of the category
  std::vector<double> y;  ///< the metric (the mean over seeds when there are several)
  std::vector<double> se; ///< standard error of each y (0 where unknown); empty when none known
};

/// What plot_sweep_dir() draws for one metric, as data.
struct SweepChart {
  std::string metric;  ///< the metric column, e.g. "sw.sw2"; the y axis
  /// The x axis: the first swept parameter whose values are all numbers (not run.seed, not a
  /// report.* label) and take at least two values. Empty for a bar chart.
  std::string x_axis;
  bool log_x = false;  ///< x is positive and spans a factor of 20 or more
  /// Bar chart only: the swept parameters (joined with ", ") and one label per bar.
  std::string categories_axis;
  std::vector<std::string> categories;
  /// Line chart: one series per combination of the other swept parameters (those not fixed by
  /// x); bar chart: one series with one bar per category.
  std::vector<SweepSeries> series;
  std::optional<double> baseline;  ///< mean of baseline:<metric> (data vs data), when present
  std::size_t skipped = 0;         ///< finished points whose value is missing or not finite
};

/// The charts of a sweep directory, one per metric column (not nfe, sample_seconds, baseline:*,
/// *:se or report.*): read from summary.csv when present (means and standard errors over seeds;
/// groups with no finished seed left out), else from the "ok" rows of sweep.csv (rows that differ
/// only in run.seed are averaged, with their standard error).
/// \throws Error naming the file (and line) when the table cannot be read.
std::vector<SweepChart> sweep_charts(const std::filesystem::path& dir);

}  // namespace sgm::host
