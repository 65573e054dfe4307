// Sweeps: a [sweep] grid runs every point and writes one table; shards merge into the same table.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sgm/host/output.hpp"
#include "sgm/host/report.hpp"
#include "sgm/host/runner.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace sgm;

namespace {

const char* kSweep = R"([run]
particles = 400
[dataset]
plugin = "gmm"
[sde]
plugin = "vp"
[score]
plugin = "analytic_gmm"
[sample]
plugin = "euler_maruyama"
[evaluate.m]
plugin = "moments"
[output]
csv = false
[sweep]
"sde.plugin" = ["vp", "ve"]
"sample.steps" = [5, 20]
)";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The table without the timing column, which differs run to run.
std::string without_seconds(const std::string& table) {
  std::stringstream in(table), out;
  std::string line;
  while (std::getline(in, line)) {
    // sample_seconds is the 6th column: point, sde.plugin... lead columns then status,nfe,seconds
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    f.erase(f.begin() + 5);
    for (const auto& c : f) out << c << ',';
    out << '\n';
  }
  return out.str();
}

}  // namespace

TEST_CASE("a sweep runs its grid into one table, and shards merge into the same table",
          "[integration][sweep]") {
  const fs::path d = fs::temp_directory_path() / fmt::format("sgm_sweep_{}", ::getpid());
  fs::remove_all(d);
  fs::create_directories(d);
  host::write_atomic(d / "sweep.toml", kSweep);
  const auto points = host::expand_sweep(d / "sweep.toml", {}, test::registry());
  REQUIRE(points.size() == 4);
  // Axes in key order, the last varying fastest: (5, vp), (5, ve), (20, vp), (20, ve).
  CHECK(points[1].sde->plugin == "ve");
  CHECK(points[1].sample->params.get_int("steps") == 5);
  CHECK(points[2].sde->plugin == "vp");
  CHECK(points[2].sample->params.get_int("steps") == 20);

  host::RunOptions o;
  o.quiet = true;
  o.out = d / "whole";
  const fs::path whole = host::run_sweep(points, test::registry(), o);
  o.out = d / "sharded";
  const fs::path s0 = host::run_sweep(points, test::registry(), o, {0, 2});
  const fs::path s1 = host::run_sweep(points, test::registry(), o, {1, 2});
  const std::string merged = host::merge_sweep_tables({s1, s0});
  const std::string table = read(whole);
  INFO(table);
  CHECK_THAT(table, Catch::StartsWith("point,sample.steps,sde.plugin,status,nfe,sample_seconds,m.cov_error"));
  CHECK(std::count(table.begin(), table.end(), '\n') == 5);
  CHECK(table.find(",ok,") != std::string::npos);
  // Same numbers whether run whole or in two shards (timings excluded).
  CHECK(without_seconds(merged) == without_seconds(table));
  // A point that appears twice is refused.
  CHECK_THROWS_WITH(host::merge_sweep_tables({s0, s0}), Catch::Contains("appears in two tables"));
  fs::remove_all(d);
}

TEST_CASE("a bad sweep axis is reported before anything runs", "[integration][sweep]") {
  const fs::path d = fs::temp_directory_path() / fmt::format("sgm_sweep_bad_{}", ::getpid());
  fs::create_directories(d);
  host::write_atomic(d / "bad.toml", std::string(kSweep) + "\"sample.stepz\" = [1]\n");
  CHECK_THROWS_WITH(host::expand_sweep(d / "bad.toml", {}, test::registry()),
                    Catch::Contains("unknown parameter 'stepz'") && Catch::Contains("sweep point"));
  fs::remove_all(d);
}

namespace {

// A 2 x (zip of 2) grid, repeated over three seeds: 12 points, 4 groups.
const char* kRepeated = R"([run]
particles = 300
[dataset]
plugin = "gmm"
[sde]
plugin = "vp"
[score]
plugin = "analytic_gmm"
[sample]
plugin = "euler_maruyama"
[evaluate.m]
plugin = "moments"
[output]
csv = false
npy = false
plots = false
[report]
title = "Steps and SDEs"
seed = "the seed says: more steps help"
[sweep]
"run.seed" = [1, 2, 3]
"sde.plugin" = ["vp", "ve"]
[sweep.zip]
"sample.steps" = [4, 16]
"report.seed_value" = [0.5, "n/s"]
)";

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');) f.push_back(cell);
    rows.push_back(f);
  }
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  const auto it = std::find(header.begin(), header.end(), name);
  REQUIRE(it != header.end());
  return static_cast<std::size_t>(it - header.begin());
}

}  // namespace

TEST_CASE("zipped axes advance together, run.seed repeats give mean and standard error",
          "[integration][sweep]") {
  const fs::path d = test::fresh_dir("sweep_zip");
  fs::create_directories(d);
  host::write_atomic(d / "zip.toml", kRepeated);
  const auto points = host::expand_sweep(d / "zip.toml", {}, test::registry());
  REQUIRE(points.size() == 12);  // 3 seeds x 2 SDEs x 2 zipped pairs, not 3 x 2 x 2 x 2
  // Grid axes in key order, the zipped pair last: (seed 1, vp, 4), (seed 1, vp, 16), (seed 1, ve, 4)...
  for (std::size_t k = 0; k < points.size(); ++k) {
    const bool second = k % 2 == 1;
    CHECK(points[k].sample->params.get_int("steps") == (second ? 16 : 4));
    CHECK(points[k].seed() == 1 + k / 4);
    CHECK(points[k].sde->plugin == ((k / 2) % 2 == 0 ? "vp" : "ve"));
    REQUIRE(points[k].report.size() == 3);  // seed, seed_value, title (key order)
    CHECK(points[k].report[1].first == "seed_value");
  }
  CHECK(std::get<double>(points[0].report[1].second) == 0.5);
  CHECK(std::get<std::string>(points[1].report[1].second) == "n/s");

  host::RunOptions o;
  o.quiet = true;
  o.out = d / "run";
  const fs::path table = host::run_sweep(points, test::registry(), o);
  const auto rows = csv_rows(test::read_file(table));
  const auto summary = csv_rows(test::read_file(d / "run" / "summary.csv"));
  REQUIRE(rows.size() == 13);
  REQUIRE(summary.size() == 5);  // header + one row per (sde, zipped pair)
  CHECK(summary[0][0] == "sde.plugin");
  const std::size_t m = column(rows[0], "m.mean_error"), sm = column(summary[0], "m.mean_error"),
                    se = column(summary[0], "m.mean_error:se"), seeds = column(summary[0], "seeds");
  // Group (vp, 4 steps) = points 0, 4, 8: the mean and s.d./sqrt(3) recomputed here.
  std::vector<double> x;
  for (int k : {0, 4, 8}) x.push_back(std::stod(rows[1 + k][m]));
  const double mean = (x[0] + x[1] + x[2]) / 3;
  double ss = 0;
  for (double v : x) ss += (v - mean) * (v - mean);
  const auto& g = summary[1];
  CHECK(g[seeds] == "3");
  CHECK(std::stod(g[sm]) == Approx(mean).epsilon(1e-9));
  CHECK(std::stod(g[se]) == Approx(std::sqrt(ss / 2) / std::sqrt(3.0)).epsilon(2e-3));  // 3 digits
  // The markdown table carries the swept label (without "report.") and "mean ± se".
  const std::string md = test::read_file(d / "run" / "summary.md");
  CHECK_THAT(md, Catch::StartsWith("| sde.plugin | seed_value | sample.steps | seeds |"));
  CHECK_THAT(md, Catch::Contains(" ± "));
  CHECK_THAT(test::read_file(d / "run" / "sweep.json"), Catch::Contains("\"summary\": ["));

  // The report: title, the seed's claim, the table; the label row values beside ours.
  const std::string report =
      host::experiments_report({d / "run"}, d / "EXP.md", d / "figures");
  CHECK_THAT(report, Catch::Contains("## Steps and SDEs"));
  CHECK_THAT(report, Catch::Contains("the seed says: more steps help"));
  CHECK_THAT(report, Catch::Contains("| vp | 0.5 | 4 | 3 |"));
  CHECK_THAT(report, Catch::Contains("| ve | n/s | 16 | 3 |"));
  CHECK_THROWS_WITH(host::experiments_report({d / "nothing"}, d / "EXP.md", d / "figures"),
                    Catch::Contains("holds no results"));
  fs::remove_all(d);
}

TEST_CASE("zipped axes of different lengths and a nested [report] are refused with locations",
          "[integration][sweep]") {
  const fs::path d = test::fresh_dir("sweep_zip_bad");
  fs::create_directories(d);
  host::write_atomic(d / "bad.toml", std::string(kRepeated) + "\"sample.eps\" = [0.001]\n");
  CHECK_THROWS_WITH(host::expand_sweep(d / "bad.toml", {}, test::registry()),
                    Catch::Contains("bad.toml:") && Catch::Contains("[sweep.zip]") &&
                        Catch::Contains("same number of values"));
  std::string nested = kRepeated;
  nested.replace(nested.find("[report]"), 8, "[report.inner]\nx = 1\n[report]");
  host::write_atomic(d / "nested.toml", nested);
  CHECK_THROWS_WITH(host::expand_sweep(d / "nested.toml", {}, test::registry()),
                    Catch::Contains("nested.toml:") && Catch::Contains("[report].inner"));
  fs::remove_all(d);
}

TEST_CASE("sweep tables are RFC 4180: a failure message with commas, quotes and line breaks survives a merge",
          "[integration][sweep]") {
  // A failed point's status is the error message, which may span lines; the table quotes it and
  // every reader of sweep tables (merge, resume, summaries, plots) must read it back whole.
  const fs::path d = test::fresh_dir("sweep_quoted");
  fs::create_directories(d);
  const std::string header = "point,sample.steps,status,nfe,sample_seconds,m.cov_error\n";
  host::write_atomic(d / "a.csv", header + "0,5,\"sample: particle 3 diverged, state [1e308, \"\"x\"\"]\n"
                                           "use more steps\",,,\n");
  host::write_atomic(d / "b.csv", header + "1,20,ok,20,0.5,0.01\n");
  const std::string merged = host::merge_sweep_tables({d / "b.csv", d / "a.csv"});
  host::write_atomic(d / "merged.csv", merged);
  // Read back through the same reader: the message is one field, and merging is idempotent.
  CHECK(host::merge_sweep_tables({d / "merged.csv"}) == merged);
  CHECK(merged.find("\"sample: particle 3 diverged, state [1e308, \"\"x\"\"]\nuse more steps\"") !=
        std::string::npos);
  CHECK(std::count(merged.begin(), merged.end(), '\n') == 4);  // header, two rows, one inside quotes
  // An unclosed quote is refused with the line its record starts on.
  host::write_atomic(d / "open.csv", header + "0,5,\"diverged\n");
  CHECK_THROWS_WITH(host::merge_sweep_tables({d / "open.csv"}),
                    Catch::Contains("open.csv:2: a quoted field is not closed"));
  fs::remove_all(d);
}

TEST_CASE("shards partition the points, an interrupted sweep resumes to the uninterrupted table",
          "[integration][sweep]") {
  const fs::path d = test::fresh_dir("sweep_shards");
  fs::create_directories(d);
  host::write_atomic(d / "s.toml", kSweep);
  const auto points = host::expand_sweep(d / "s.toml", {}, test::registry());
  host::RunOptions o;
  o.quiet = true;
  o.out = d / "whole";
  const std::string whole = test::without_time_columns(test::read_file(host::run_sweep(points, test::registry(), o)));

  // Three shards of four points: each point in exactly one shard, in point order.
  o.out = d / "shards";
  std::vector<fs::path> tables;
  std::vector<std::string> seen;
  for (int k = 0; k < 3; ++k) {
    tables.push_back(host::run_sweep(points, test::registry(), o, {k, 3}));
    const auto rows = csv_rows(test::read_file(tables.back()));
    for (std::size_t i = 1; i < rows.size(); ++i) {
      CHECK(std::stoi(rows[i][0]) % 3 == k);
      if (i > 1) CHECK(std::stoi(rows[i][0]) > std::stoi(rows[i - 1][0]));
      seen.push_back(rows[i][0]);
    }
  }
  std::sort(seen.begin(), seen.end());
  CHECK(seen == std::vector<std::string>{"0", "1", "2", "3"});
  CHECK(test::without_time_columns(host::merge_sweep_tables(tables)) == whole);

  // A simulated interruption: the table lost its last two rows (those points never finished).
  o.out = d / "interrupted";
  const fs::path t = host::run_sweep(points, test::registry(), o);
  const auto kept_before = fs::last_write_time(d / "interrupted" / "point-0000" / "metrics.json");
  std::string text = test::read_file(t);
  for (int i = 0; i < 2; ++i) text.erase(text.rfind('\n', text.size() - 2) + 1);
  host::write_atomic(t, text);
  fs::remove_all(d / "interrupted" / "point-0003");
  host::run_sweep(points, test::registry(), o);
  CHECK(test::without_time_columns(test::read_file(t)) == whole);
  CHECK(fs::last_write_time(d / "interrupted" / "point-0000" / "metrics.json") == kept_before);  // kept, not re-run
  CHECK(fs::exists(d / "interrupted" / "point-0003" / "metrics.json"));                         // re-run
  // The same axes with another setting must not resume into the table of the first.
  const auto edited = host::expand_sweep(d / "s.toml", {"run.particles=200"}, test::registry());
  CHECK_THROWS_WITH(host::run_sweep(edited, test::registry(), o), Catch::Contains("of a different pipeline"));
  fs::remove_all(d);
}

#ifdef SGM_TEST_MPI_BINARY
TEST_CASE("sgm-mpi: two ranks run the two shards and rank 0 merges the whole table",
          "[integration][sweep][mpi]") {
  const fs::path d = test::fresh_dir("sweep_mpi");
  fs::create_directories(d);
  host::write_atomic(d / "s.toml", kSweep);
  const auto points = host::expand_sweep(d / "s.toml", {}, test::registry());
  host::RunOptions o;
  o.quiet = true;
  o.out = d / "whole";
  const std::string whole = test::without_time_columns(test::read_file(host::run_sweep(points, test::registry(), o)));
  // Open MPI refuses root without these (CI containers run as root); 2 ranks on any core count.
  const std::string cmd = fmt::format(
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 '{}' -n 2 --oversubscribe '{}' "
      "'{}' --out '{}' --quiet > '{}' 2>&1",
      SGM_TEST_MPIEXEC, SGM_TEST_MPI_BINARY, (d / "s.toml").string(), (d / "mpi").string(),
      (d / "mpi.log").string());
  const int status = std::system(cmd.c_str());
  INFO(test::read_file(d / "mpi.log"));
  REQUIRE(status == 0);
  CHECK(fs::exists(d / "mpi" / "sweep-shard0of2.csv"));
  CHECK(fs::exists(d / "mpi" / "sweep-shard1of2.csv"));
  CHECK(test::without_time_columns(test::read_file(d / "mpi" / "sweep.csv")) == whole);
  CHECK(fs::exists(d / "mpi" / "summary.md"));
  fs::remove_all(d);
}
#endif
