// sweep_table.cpp: reading, writing and summarising sweep tables (see sweep_table.hpp).
#include "sweep_table.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include <fmt/format.h>

#include <sgm/error.hpp>

#include "csv_table.hpp"
#include "sgm/host/output.hpp"

namespace sgm::host::sweep_table {

namespace fs = std::filesystem;

namespace {

bool is_baseline(const std::string& column) { return column.rfind("baseline:", 0) == 0; }

/// True when there are two rows or more and every one holds the same text in `column`.
bool same_in_every_row(const std::vector<Row>& rows, const std::string& column) {
  if (rows.size() < 2 || !rows.front().count(column)) return false;
  const std::string& first = rows.front().at(column);
  return std::all_of(rows.begin(), rows.end(), [&](const Row& r) {
    const auto it = r.find(column);
    return it != r.end() && it->second == first;
  });
}

/// Columns after `lead` and `fixed`: metrics, then baselines, each sorted by name.
std::vector<std::string> columns(const std::vector<std::string>& lead,
                                 const std::vector<std::string>& fixed,
                                 const std::vector<Row>& rows) {
  std::vector<std::string> cols = lead;
  cols.insert(cols.end(), fixed.begin(), fixed.end());
  std::vector<std::string> metrics, baselines;
  for (const auto& r : rows)
    for (const auto& [k, v] : r) {
      if (std::find(cols.begin(), cols.end(), k) != cols.end()) continue;
      auto& group = is_baseline(k) ? baselines : metrics;
      if (std::find(group.begin(), group.end(), k) == group.end()) group.push_back(k);
    }
  std::sort(metrics.begin(), metrics.end());
  std::sort(baselines.begin(), baselines.end());
  cols.insert(cols.end(), metrics.begin(), metrics.end());
  cols.insert(cols.end(), baselines.begin(), baselines.end());
  return cols;
}

std::string csv_text(const std::vector<std::string>& cols, const std::vector<Row>& rows) {
  std::string out;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) out += ',';
    out += csv_field(cols[i]);
  }
  out += '\n';
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (i) out += ',';
      if (const auto it = r.find(cols[i]); it != r.end()) out += csv_field(it->second);
    }
    out += '\n';
  }
  return out;
}

std::optional<double> number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

const std::vector<std::string> kPointColumns = {"status", "nfe", "sample_seconds"};
const std::vector<std::string> kSummaryColumns = {"seeds", "status", "nfe", "sample_seconds"};

/// Columns averaged over seeds: every column after the fixed ones, plus nfe and sample_seconds.
bool averaged(const std::string& column, const std::vector<std::string>& lead) {
  return std::find(lead.begin(), lead.end(), column) == lead.end() && column != "status" &&
         column != "seeds";
}

/// One summary row from the points of a group (same axes but run.seed).
Row summary_row(const std::vector<std::string>& axes, const std::vector<const Row*>& group,
                const std::vector<std::string>& point_lead) {
  Row out;
  for (const auto& a : axes)
    if (const auto it = group.front()->find(a); it != group.front()->end()) out[a] = it->second;
  std::vector<const Row*> ok;
  std::string first_failure;
  for (const Row* r : group) {
    const auto status = r->find("status");
    if (status != r->end() && status->second == "ok") ok.push_back(r);
    else if (first_failure.empty()) first_failure = status == r->end() ? "no result" : status->second;
  }
  out["seeds"] = std::to_string(ok.size());
  out["status"] = ok.size() == group.size()
                      ? "ok"
                      : fmt::format("{} of {} failed ({})", group.size() - ok.size(), group.size(),
                                    first_failure);
  std::map<std::string, std::vector<double>> values;
  for (const Row* r : ok)
    for (const auto& [k, v] : *r)
      if (averaged(k, point_lead))
        if (const auto x = number(v)) values[k].push_back(*x);
  for (const auto& [k, xs] : values) {
    double mean = 0;
    for (double x : xs) mean += x;
    mean /= static_cast<double>(xs.size());
    out[k] = fmt::format("{:.10g}", mean);
    if (xs.size() < 2 || k == "nfe" || k == "sample_seconds") continue;
    double ss = 0;
    for (double x : xs) ss += (x - mean) * (x - mean);
    const double sd = std::sqrt(ss / static_cast<double>(xs.size() - 1));
    out[k + ":se"] = fmt::format("{:.3g}", sd / std::sqrt(static_cast<double>(xs.size())));
  }
  return out;
}

std::string json_cell(const std::string& text) {
  if (const auto v = number(text)) return fmt::format("{}", *v);  // shortest exact text
  return fmt::format("\"{}\"", json_escape(text));
}

std::string json_rows(const std::vector<std::string>& cols, const std::vector<Row>& rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += i ? ",\n    {" : "\n    {";
    bool first = true;
    for (const auto& c : cols)
      if (const auto it = rows[i].find(c); it != rows[i].end()) {
        out += fmt::format("{}\"{}\": {}", first ? "" : ", ", json_escape(c), json_cell(it->second));
        first = false;
      }
    out += "}";
  }
  return out + (rows.empty() ? "]" : "\n  ]");
}

}  // namespace

std::optional<std::string> metric_of_stderr(const std::string& column) {
  const std::string_view suffix = kStderrSuffix;
  if (!column.ends_with(suffix) || column.size() == suffix.size()) return std::nullopt;
  return column.substr(0, column.size() - suffix.size());
}

Table read(const fs::path& file) {
  const CsvTable csv = read_csv_table(file);
  if (csv.header.front() != "point")
    throw Error(file.string() + ":1: not a sweep table (no 'point' column)");
  Table t;
  for (const auto& h : csv.header) {
    if (h == "status") break;
    t.lead.push_back(h);
  }
  for (std::size_t i = 0; i < csv.rows.size(); ++i) {
    Row r;
    for (std::size_t c = 0; c < csv.header.size(); ++c)
      if (!csv.rows[i][c].empty()) r[csv.header[c]] = csv.rows[i][c];
    if (!r.count("point") || !number(r.at("point"))) throw Error(csv.where(i) + ": no point number");
    t.rows.push_back(std::move(r));
  }
  return t;
}

std::string csv(const Table& t) { return csv_text(columns(t.lead, kPointColumns, t.rows), t.rows); }

Table summarize(const Table& points) {
  Table s;
  for (const auto& a : points.lead)
    if (a != "point" && a != kRepeatAxis) s.lead.push_back(a);
  // Groups in the order of their first point, so the summary follows the sweep's order.
  std::vector<std::vector<const Row*>> groups;
  std::map<std::vector<std::string>, std::size_t> index;
  for (const auto& r : points.rows) {
    std::vector<std::string> key;
    for (const auto& a : s.lead) key.push_back(r.count(a) ? r.at(a) : "");
    const auto [it, added] = index.emplace(key, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(&r);
  }
  for (const auto& g : groups) s.rows.push_back(summary_row(s.lead, g, points.lead));
  return s;
}

std::string summary_csv(const Table& summary) {
  return csv_text(columns(summary.lead, kSummaryColumns, summary.rows), summary.rows);
}

std::string mean_pm_se(double mean, double se) {
  if (!(se > 0) || !std::isfinite(se)) return fmt::format("{:.6g}", mean);
  // The place of the standard error's second significant digit.
  const int decimals = std::max(0, 1 - static_cast<int>(std::floor(std::log10(se))));
  if (decimals > 12) return fmt::format("{:.6g} ± {:.2g}", mean, se);
  return fmt::format("{:.{}f} ± {:.{}f}", mean, decimals, se, decimals);
}

std::string summary_markdown(const Table& summary) {
  // Metric columns (no :se, no timing), then baselines. A metric's own standard error
  // ("<metric>_stderr") is its ± when there is no spread over seeds, not a column; a metric with
  // the same value in every row (a setting the metric echoes, e.g. sw.projections) goes below.
  const auto all = columns(summary.lead, kSummaryColumns, summary.rows);
  const auto has = [&](const std::string& c) { return std::find(all.begin(), all.end(), c) != all.end(); };
  std::vector<std::string> shown, constant;
  for (const auto& c : all) {
    if (std::find(summary.lead.begin(), summary.lead.end(), c) != summary.lead.end()) continue;
    if (c == "seeds" || c == "status" || c == "sample_seconds") continue;
    if (const auto m = metric_of_stderr(c); c.ends_with(":se") || (m && has(*m))) continue;
    // A baseline goes with its metric: the data-vs-data value is the same at every point of most
    // sweeps, and it is the metric's reference.
    const std::string metric = is_baseline(c) ? c.substr(9) : c;
    (same_in_every_row(summary.rows, metric) ? constant : shown).push_back(c);
  }
  bool any_failed = false;
  for (const auto& r : summary.rows) any_failed = any_failed || r.at("status") != "ok";
  const auto header_of = [](const std::string& c) {
    if (is_baseline(c)) return c.substr(9) + " (data vs data)";
    if (c.rfind("report.", 0) == 0) return c.substr(7);
    return c;
  };
  std::vector<std::string> head;
  for (const auto& a : summary.lead) head.push_back(header_of(a));
  head.push_back("seeds");
  for (const auto& c : shown) head.push_back(header_of(c));
  if (any_failed) head.push_back("status");
  std::string out = "| " + fmt::format("{}", fmt::join(head, " | ")) + " |\n|";
  for (std::size_t i = 0; i < head.size(); ++i) out += "---|";
  out += '\n';
  const auto cell = [](std::string s) {  // a '|' would end the cell
    for (std::size_t p = 0; (p = s.find('|', p)) != std::string::npos; p += 2) s.replace(p, 1, "\\|");
    return s;
  };
  for (const auto& r : summary.rows) {
    std::vector<std::string> cells;
    for (const auto& a : summary.lead) cells.push_back(cell(r.count(a) ? r.at(a) : ""));
    cells.push_back(r.at("seeds"));
    for (const auto& c : shown) {
      const auto m = r.find(c);
      auto se = r.find(c + ":se");
      if (se == r.end()) se = r.find(c + kStderrSuffix);
      const auto mv = m == r.end() ? std::nullopt : number(m->second);
      if (!mv) cells.push_back(m == r.end() ? "" : cell(m->second));
      else cells.push_back(mean_pm_se(*mv, se == r.end() ? 0.0 : number(se->second).value_or(0.0)));
    }
    if (any_failed) cells.push_back(cell(r.at("status")));
    out += "| " + fmt::format("{}", fmt::join(cells, " | ")) + " |\n";
  }
  if (!constant.empty()) {
    std::vector<std::string> same;
    for (const auto& c : constant) same.push_back(header_of(c) + " = " + cell(summary.rows.front().at(c)));
    out += fmt::format("\nSame in every row: {}.\n", fmt::join(same, ", "));
  }
  return out;
}

std::string json(const Table& points, const Table& summary) {
  return "{\n  \"points\": " + json_rows(columns(points.lead, kPointColumns, points.rows), points.rows) +
         ",\n  \"summary\": " +
         json_rows(columns(summary.lead, kSummaryColumns, summary.rows), summary.rows) + "\n}\n";
}

void write_summaries(const fs::path& dir, const Table& points) {
  const Table s = summarize(points);
  write_atomic(dir / "summary.csv", summary_csv(s));
  write_atomic(dir / "summary.md", summary_markdown(s));
  write_atomic(dir / "sweep.json", json(points, s));
}

}  // namespace sgm::host::sweep_table
