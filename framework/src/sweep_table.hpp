// sweep_table.hpp: the tables of a sweep. sweep.csv holds one row per point; the summary groups
// the points over their "run.seed" axis (repeats) and gives each metric's mean and standard
// error, as CSV (summary.csv), a markdown table (summary.md) and, with the points, JSON
// (sweep.json). Shared by `sgm run`, `sgm merge` and `sgm report`.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sgm::host::sweep_table {

/// One row: column name -> text (absent: empty cell).
using Row = std::map<std::string, std::string>;

/// The axis that marks repeats: points that differ only in it are averaged.
inline constexpr const char* kRepeatAxis = "run.seed";

struct Table {
  std::vector<std::string> lead;  // "point" and the swept axes, in order
  std::vector<Row> rows;
};

/// A metric reports its own standard error beside it as "<metric>_stderr" (sw.sw2_stderr): the
/// metric a column is that of, or none. Tables and charts use it as the metric's ± / error bars.
inline constexpr const char* kStderrSuffix = "_stderr";
std::optional<std::string> metric_of_stderr(const std::string& column);

/// Read a sweep.csv (RFC 4180, csv_table.hpp). \throws Error with file:line for a malformed row.
Table read(const std::filesystem::path& file);
/// CSV text: the lead columns, status, nfe, sample_seconds, then metrics and baselines by name.
std::string csv(const Table& t);

/// The points grouped by every axis but "point" and run.seed; numeric columns become the mean
/// over the group's "ok" rows and "<column>:se" its standard error (s.d. / sqrt(n), n > 1).
Table summarize(const Table& points);
std::string summary_csv(const Table& summary);
/// Markdown: axes, seeds, then "mean ± se" per metric (baselines as "<metric> (data)").
std::string summary_markdown(const Table& summary);
/// {"points": [...], "summary": [...]}: numbers as numbers, other cells as strings.
std::string json(const Table& points, const Table& summary);

/// Write sweep.csv's summary files (summary.csv, summary.md, sweep.json) into `dir`, atomically.
void write_summaries(const std::filesystem::path& dir, const Table& points);

/// "12.34 ± 0.56": the standard error to 2 significant digits and the mean to the same place.
std::string mean_pm_se(double mean, double se);

}  // namespace sgm::host::sweep_table
