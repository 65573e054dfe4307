// Sweeps: a [sweep] grid runs every point and writes one table; shards merge into the same table.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sgm/host/output.hpp"
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
