// sweep.cpp: running the points of a [sweep] concurrently, and joining shards' tables.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include "sgm/host/executor.hpp"
#include "sgm/host/interrupt.hpp"
#include "sgm/host/output.hpp"
#include "sgm/host/plot.hpp"
#include "sgm/host/runner.hpp"
#include "sweep_table.hpp"

namespace sgm::host {

namespace fs = std::filesystem;
using sweep_table::Row;
using sweep_table::Table;

namespace {

// 've' or "ve" (TOML string text) -> ve; numbers and arrays unchanged.
std::string unquoted(const std::string& text) {
  if (text.size() >= 2 && (text.front() == '\'' || text.front() == '"') && text.back() == text.front())
    return text.substr(1, text.size() - 2);
  return text;
}

fs::path sweep_dir(const Pipeline& first, const RunOptions& o) {
  if (o.out) return *o.out;
  const std::string stem = fs::path(first.file).stem().string();
  fs::path dir = fs::path("runs") / (stem + "-sweep");
  for (int k = 2; fs::exists(dir / "sweep.csv"); ++k) dir = fs::path("runs") / fmt::format("{}-sweep-{}", stem, k);
  return dir;
}

/// Runs one point into its directory; a failure is recorded in the row, not thrown (the other
/// points go on), except an interrupt.
void run_point(const Pipeline& p, const ComponentRegistry& registry, RunOptions po, Row& row) {
  try {
    const RunResult r = run_pipeline(p, registry, po);
    row["nfe"] = std::to_string(r.stats.score_evals);
    row["sample_seconds"] = fmt::format("{:.6g}", r.sample_seconds);
    for (const auto& [name, v] : r.metrics) row[name] = fmt::format("{:.17g}", v);
    for (const auto& [name, v] : r.baseline) row["baseline:" + name] = fmt::format("{:.17g}", v);
    row["status"] = "ok";
  } catch (const Interrupted&) {
    throw;
  } catch (const std::exception& e) {
    row["status"] = std::string("failed: ") + e.what();
  }
}

/// The sweep's table of one shard, kept on disk after every finished point (finished points in
/// point order; a point in flight is absent until it finishes).
class LiveTable {
 public:
  /// `summaries`: also keep summary.csv/.md and sweep.json beside it (not for a shard, whose
  /// directory the other shards share: `sgm merge` writes them for the whole sweep).
  LiveTable(fs::path file, std::vector<std::string> lead, std::size_t points, bool summaries)
      : file_(std::move(file)), lead_(std::move(lead)), rows_(points), summaries_(summaries) {}
  void set(std::size_t slot, Row row) {
    std::lock_guard lock(mutex_);
    rows_[slot] = std::move(row);
    write();
  }
  void write() {
    Table t{lead_, {}};
    for (const auto& r : rows_)
      if (r) t.rows.push_back(*r);
    write_atomic(file_, sweep_table::csv(t));
    if (summaries_ && !t.rows.empty()) sweep_table::write_summaries(file_.parent_path(), t);
  }

 private:
  fs::path file_;
  std::vector<std::string> lead_;
  std::vector<std::optional<Row>> rows_;
  bool summaries_;
  std::mutex mutex_;
};

}  // namespace

fs::path run_sweep(const std::vector<Pipeline>& points, const ComponentRegistry& registry,
                   const RunOptions& o, Shard shard) {
  if (points.empty()) throw Error("a sweep needs at least one point");
  if (shard.count < 1 || shard.index < 0 || shard.index >= shard.count)
    throw Error(fmt::format("--shard {}/{}: need 0 <= K < N", shard.index, shard.count));
  const Pipeline& first = points.front();
  const auto assignments = first.sweep_points();
  std::vector<std::string> lead = {"point"};
  for (const auto& axis : first.sweep) lead.push_back(axis.path);

  const fs::path dir = sweep_dir(first, o);
  fs::create_directories(dir);
  const fs::path table = dir / (shard.count > 1 ? fmt::format("sweep-shard{}of{}.csv", shard.index, shard.count)
                                                : "sweep.csv");
  // Resume: points an earlier run of this sweep finished ("ok" rows of its table) are kept, not
  // re-run; failed or missing points run again. --force starts over.
  std::map<std::string, Row> finished;
  if (fs::exists(table) && !o.force)
    for (Row& r : sweep_table::read(table).rows)
      if (r["status"] == "ok") finished[r.at("point")] = std::move(r);

  // This shard's points, each with its row of axis values.
  std::vector<std::size_t> mine;
  std::vector<Row> rows;
  for (std::size_t k = 0; k < points.size(); ++k) {
    if (static_cast<int>(k % static_cast<std::size_t>(shard.count)) != shard.index) continue;
    Row row{{"point", std::to_string(k)}};
    const auto& assignment = assignments.at(k);
    for (std::size_t a = 0; a < assignment.size(); ++a)
      row[lead[a + 1]] = unquoted(assignment[a].substr(assignment[a].find('=') + 1));
    if (const auto done = finished.find(row.at("point")); done != finished.end()) {
      for (std::size_t a = 1; a < lead.size(); ++a)
        if (done->second[lead[a]] != row[lead[a]])
          throw Error(fmt::format("{} holds a different sweep (point {} has {} = {}, not {}); "
                                  "choose another --out, or pass --force to start over",
                                  table.string(), k, lead[a], done->second[lead[a]], row[lead[a]]));
      // Same axes but another setting (an edited pipeline, another --set): a kept point would
      // mix two experiments in one table.
      const fs::path earlier = dir / fmt::format("point-{:04d}", k) / "pipeline.toml";
      if (read_text_or_empty(earlier) != resolved_text(points[k]))
        throw Error(fmt::format("{} holds a finished point {} of a different pipeline ({} differs "
                                "from this one's settings); choose another --out, or pass --force "
                                "to start over",
                                table.string(), k, earlier.string()));
    }
    mine.push_back(k);
    rows.push_back(std::move(row));
  }

  LiveTable live(table, lead, mine.size(), shard.count == 1);
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < mine.size(); ++i) {
    if (const auto done = finished.find(rows[i].at("point")); done != finished.end())
      live.set(i, done->second);
    else
      todo.push_back(i);
  }
  if (!o.quiet && todo.size() < mine.size())
    std::fprintf(stderr, "sweep: %zu of %zu points finished earlier, kept\n", mine.size() - todo.size(), mine.size());

  // Points run concurrently as oneTBB tasks in one arena of `threads` workers: a point's own
  // parallel loops (particles, training chunks, metrics) share the same workers, so points x
  // particles never oversubscribe the cores. Each point's results do not depend on the thread
  // count (integrators draw per-row noise), so neither does the table.
  const int threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  const auto t0 = std::chrono::steady_clock::now();
  std::atomic<std::size_t> done{0}, failed{0};
  std::atomic<bool> interrupted{false};
  parallel_for(todo.size(), [&](std::size_t j) {
    const std::size_t i = todo[j], k = mine[i];
    if (interrupted.load()) return;  // no cancellation: points in flight finish their stage cleanly
    RunOptions po = o;
    po.out = dir / fmt::format("point-{:04d}", k);
    po.force = true;   // the sweep owns its point directories
    po.quiet = true;   // concurrent points would interleave their progress lines
    po.in_sweep = true;
    Row row = rows[i];
    try {
      run_point(points[k], registry, po, row);
    } catch (const Interrupted&) {
      interrupted = true;
      return;
    }
    const bool ok = row.at("status") == "ok";
    if (!ok) ++failed;
    const std::string status = row.at("status");
    live.set(i, std::move(row));
    const std::size_t n = ++done;
    if (!o.quiet) {
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "sweep: [%zu/%zu, %.1f s] point %zu (%s) %s\n", n, todo.size(), s, k,
                   fmt::format("{}", fmt::join(assignments.at(k), " ")).c_str(),
                   ok ? "ok" : status.c_str());
    }
  });
  live.write();  // also when every point was finished earlier
  if (first.output.get<bool>("plots") && shard.count == 1 && !interrupted) {
    try {  // a picture that cannot be drawn is reported; the results stand
      plot_sweep_dir(dir);
    } catch (const std::exception& e) {
      if (!o.quiet) std::fprintf(stderr, "sweep: plots not drawn: %s\n", e.what());
    }
  }
  if (interrupted)
    throw Interrupted(fmt::format("sweep interrupted: {} finished points are in {}; run the same "
                                  "command with --out {} to resume",
                                  done.load(), table.string(), dir.string()));
  if (!o.quiet && failed > 0)
    std::fprintf(stderr, "sweep: %zu of %zu points failed (status column of %s)\n", failed.load(),
                 todo.size(), table.string().c_str());
  return table;
}

std::string merge_sweep_tables(const std::vector<fs::path>& tables) {
  Table merged;
  for (const auto& t : tables) {
    Table one = sweep_table::read(t);
    if (merged.lead.empty()) merged.lead = one.lead;
    else if (one.lead != merged.lead)
      throw Error(fmt::format("{}: swept axes ({}) differ from {}'s ({})", t.string(),
                              fmt::join(one.lead, ", "), tables.front().string(), fmt::join(merged.lead, ", ")));
    for (Row& r : one.rows) merged.rows.push_back(std::move(r));
  }
  std::stable_sort(merged.rows.begin(), merged.rows.end(), [](const Row& a, const Row& b) {
    return std::stol(a.at("point")) < std::stol(b.at("point"));
  });
  for (std::size_t i = 1; i < merged.rows.size(); ++i)
    if (merged.rows[i].at("point") == merged.rows[i - 1].at("point"))
      throw Error("point " + merged.rows[i].at("point") + " appears in two tables");
  return sweep_table::csv(merged);
}

void write_sweep_summaries(const fs::path& table) {
  sweep_table::write_summaries(table.parent_path().empty() ? fs::path(".") : table.parent_path(),
                               sweep_table::read(table));
}

}  // namespace sgm::host
