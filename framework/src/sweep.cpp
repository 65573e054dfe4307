// sweep.cpp: grids of pipelines (a [sweep] table) and their one table of results.
#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "sgm/host/output.hpp"
#include "sgm/host/interrupt.hpp"
#include "sgm/host/runner.hpp"

namespace sgm::host {

namespace fs = std::filesystem;

namespace {

// RFC 4180 quoting: fields with commas, quotes or newlines are quoted.
std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    out += c;
    if (c == '"') out += '"';
  }
  out += '"';
  return out;
}

std::vector<std::string> csv_split(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') out.back() += '"', ++i;
      else if (c == '"') quoted = false;
      else out.back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

using Row = std::map<std::string, std::string>;

// 've' or "ve" (TOML string text) -> ve; numbers and arrays unchanged.
std::string unquoted(const std::string& text) {
  if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"') && text.back() == text.front())
    return text.substr(1, text.size() - 2);
  return text;
}

// Columns: point and axes first (in the given order), then the rest in first-seen order.
std::string table_text(const std::vector<std::string>& lead, const std::vector<Row>& rows) {
  std::vector<std::string> cols = lead;
  for (const char* fixed : {"status", "nfe", "sample_seconds"}) cols.push_back(fixed);
  std::vector<std::string> metrics, baselines;  // each sorted by name (the map's order)
  for (const auto& r : rows)
    for (const auto& [k, v] : r) {
      if (std::find(cols.begin(), cols.end(), k) != cols.end()) continue;
      auto& group = k.rfind("baseline:", 0) == 0 ? baselines : metrics;
      if (std::find(group.begin(), group.end(), k) == group.end()) group.push_back(k);
    }
  std::sort(metrics.begin(), metrics.end());
  std::sort(baselines.begin(), baselines.end());
  cols.insert(cols.end(), metrics.begin(), metrics.end());
  cols.insert(cols.end(), baselines.begin(), baselines.end());
  std::string out;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) out += ',';
    out += csv_field(cols[i]);
  }
  out += '\n';
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (i) out += ',';
      const auto it = r.find(cols[i]);
      if (it != r.end()) out += csv_field(it->second);
    }
    out += '\n';
  }
  return out;
}

}  // namespace

/// The rows of a sweep table (CSV with a leading "point" column). `lead`, when given and empty,
/// receives the columns before "status" (point and the swept parameters).
std::vector<Row> read_sweep_table(const fs::path& t, std::vector<std::string>* lead = nullptr) {
  std::ifstream in(t);
  if (!in) throw Error(t.string() + ": cannot open");
  std::string line;
  if (!std::getline(in, line)) throw Error(t.string() + ": empty table");
  const auto header = csv_split(line);
  if (header.empty() || header.front() != "point") throw Error(t.string() + ": not a sweep table (no 'point' column)");
  if (lead && lead->empty())
    for (const auto& h : header) {
      if (h == "status") break;
      lead->push_back(h);
    }
  std::vector<Row> rows;
  int n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    const auto f = csv_split(line);
    if (f.size() != header.size())
      throw Error(fmt::format("{}:{}: {} fields, header has {}", t.string(), n, f.size(), header.size()));
    Row r;
    for (std::size_t i = 0; i < f.size(); ++i) if (!f[i].empty()) r[header[i]] = f[i];
    rows.push_back(std::move(r));
  }
  return rows;
}

fs::path run_sweep(const std::vector<Pipeline>& points, const ComponentRegistry& registry,
                   const RunOptions& o, Shard shard) {
  if (points.empty()) throw Error("a sweep needs at least one point");
  if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count)
    throw Error(fmt::format("--shard {}/{}: need 0 <= K < N", shard.index, shard.count));
  const Pipeline& first = points.front();
  const auto axes_values = first.sweep_points();
  std::vector<std::string> lead = {"point"};
  for (const auto& [path, values] : first.sweep) lead.push_back(path);

  fs::path dir;
  if (o.out) {
    dir = *o.out;
  } else {
    dir = fs::path("runs") / (fs::path(first.file).stem().string() + "-sweep");
    for (int k = 2; fs::exists(dir / "sweep.csv"); ++k)
      dir = fs::path("runs") / fmt::format("{}-sweep-{}", fs::path(first.file).stem().string(), k);
  }
  fs::create_directories(dir);
  const fs::path table = dir / (shard.count > 1 ? fmt::format("sweep-shard{}of{}.csv", shard.index, shard.count) : "sweep.csv");
  // Resume: points an earlier run of this sweep finished ("ok" rows of its table) are kept, not
  // re-run; failed or missing points run again. --force starts over.
  std::map<std::string, Row> finished;
  if (fs::exists(table) && !o.force)
    for (Row& r : read_sweep_table(table))
      if (r["status"] == "ok") finished[r.at("point")] = std::move(r);

  std::vector<Row> rows;
  for (std::size_t k = 0; k < points.size(); ++k) {
    if (static_cast<int>(k % static_cast<std::size_t>(shard.count)) != shard.index) continue;
    RunOptions po = o;
    po.out = dir / fmt::format("point-{:04d}", k);
    po.force = true;  // the sweep owns its point directories
    Row row{{"point", std::to_string(k)}};
    const auto& assignment = axes_values.at(k);
    for (std::size_t a = 0; a < assignment.size(); ++a)
      row[lead[a + 1]] = unquoted(assignment[a].substr(assignment[a].find('=') + 1));
    if (const auto done = finished.find(row.at("point")); done != finished.end()) {
      for (std::size_t a = 1; a < lead.size(); ++a)
        if (done->second[lead[a]] != row[lead[a]])
          throw Error(fmt::format("{} holds a different sweep (point {} has {} = {}, not {}); "
                                  "choose another --out, or pass --force to start over",
                                  table.string(), k, lead[a], done->second[lead[a]], row[lead[a]]));
      if (!o.quiet) std::fprintf(stderr, "sweep point %zu/%zu: finished earlier, kept\n", k + 1, points.size());
      rows.push_back(done->second);
      continue;
    }
    if (!o.quiet) std::fprintf(stderr, "sweep point %zu/%zu: %s\n", k + 1, points.size(), fmt::format("{}", fmt::join(assignment, " ")).c_str());
    try {
      const RunResult r = run_pipeline(points[k], registry, po);
      row["nfe"] = std::to_string(r.stats.score_evals);
      row["sample_seconds"] = fmt::format("{:.6g}", r.sample_seconds);
      for (const auto& [name, v] : r.metrics) row[name] = fmt::format("{:.17g}", v);
      for (const auto& [name, v] : r.baseline) row["baseline:" + name] = fmt::format("{:.17g}", v);
      row["status"] = "ok";
    } catch (const Interrupted&) {
      throw;  // the table holds every finished point; a re-run with --out resumes after them
    } catch (const std::exception& e) {
      // One failed point does not lose the others: it is recorded and the sweep goes on.
      row["status"] = std::string("failed: ") + e.what();
      if (!o.quiet) std::fprintf(stderr, "sweep point %zu failed: %s\n", k, e.what());
    }
    rows.push_back(std::move(row));
    write_atomic(table, table_text(lead, rows));
  }
  write_atomic(table, table_text(lead, rows));  // also when every point was finished earlier
  return table;
}

std::string merge_sweep_tables(const std::vector<fs::path>& tables) {
  std::vector<Row> rows;
  std::vector<std::string> lead;
  for (const auto& t : tables)
    for (Row& r : read_sweep_table(t, &lead)) rows.push_back(std::move(r));
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
    return std::stol(a.at("point")) < std::stol(b.at("point"));
  });
  for (std::size_t i = 1; i < rows.size(); ++i)
    if (rows[i].at("point") == rows[i - 1].at("point"))
      throw Error("point " + rows[i].at("point") + " appears in two tables");
  return table_text(lead, rows);
}

}  // namespace sgm::host
