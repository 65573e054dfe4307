// Determinism (issue 8): the same pipeline and seed give bit-identical samples, losses, model
// checkpoints, metrics and sweep tables at 1, 2 and 8 threads, and on a repeated run. Only
// wall-clock fields (seconds, rates, the thread count itself) and the peak memory may differ; they are dropped
// before comparing, everything else is compared byte for byte.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

/// Lines of a JSON file, without the ones that hold timings (seconds, rates per second) or the
/// thread count.
std::string without_timings(const std::string& json) {
  std::istringstream in(json);
  std::string line, out;
  while (std::getline(in, line))
    if (line.find("second") == std::string::npos && line.find("\"threads\"") == std::string::npos &&
        line.find("peak_rss_mb") == std::string::npos)
      out += line + "\n";
  return out;
}

/// Runs `args` at each thread count into its own directory; returns the directories.
std::vector<fs::path> run_at(const std::string& name, const std::string& args,
                             const std::vector<int>& threads) {
  std::vector<fs::path> dirs;
  for (std::size_t k = 0; k < threads.size(); ++k) {
    const fs::path d = sgm::test::fresh_dir(fmt::format("{}_{}", name, k));
    const auto r = sgm::test::sgm_cli(
        fmt::format("run {} --quiet --threads {} --out '{}'", args, threads[k], d.string()));
    INFO(r.output);
    REQUIRE(r.status == 0);
    dirs.push_back(d);
  }
  return dirs;
}

const std::string kExamples = std::string(SGM_TEST_SOURCE_DIR) + "/examples/pipelines/";
// 1, 2 and 8 threads, and 2 threads again (a repeated run).
const std::vector<int> kThreads{1, 2, 8, 2};

}  // namespace

TEST_CASE("sampling and metrics are bit-identical at 1, 2 and 8 threads and when repeated",
          "[integration][determinism]") {
  const auto dirs = run_at("det_sample",
                           kExamples + "default.toml --set run.particles=3000 "
                                       "--set sample.steps=40 --set run.chunk=64",
                           kThreads);
  for (std::size_t k = 1; k < dirs.size(); ++k) {
    INFO("threads " << kThreads[k]);
    CHECK(sgm::test::read_file(dirs[k] / "samples.npy") == sgm::test::read_file(dirs[0] / "samples.npy"));
    CHECK(without_timings(sgm::test::read_file(dirs[k] / "metrics.json")) ==
          without_timings(sgm::test::read_file(dirs[0] / "metrics.json")));
  }
  for (const auto& d : dirs) fs::remove_all(d);
}

TEST_CASE("training is bit-identical at 1, 2 and 8 threads and when repeated",
          "[integration][determinism]") {
  const auto dirs = run_at(
      "det_train",
      kExamples + "train_swiss_roll.toml --set train.iterations=40 --set train.log_every=5 "
                  "--set train.batch_size=256 --set 'score.hidden=[32, 32]' "
                  "--set run.particles=500 --set sample.steps=20",
      kThreads);
  for (std::size_t k = 1; k < dirs.size(); ++k) {
    INFO("threads " << kThreads[k]);
    CHECK(sgm::test::without_time_columns(sgm::test::read_file(dirs[k] / "loss.csv")) ==
          sgm::test::without_time_columns(sgm::test::read_file(dirs[0] / "loss.csv")));
    CHECK(sgm::test::read_file(dirs[k] / "model.ckpt") == sgm::test::read_file(dirs[0] / "model.ckpt"));
    CHECK(sgm::test::read_file(dirs[k] / "samples.npy") == sgm::test::read_file(dirs[0] / "samples.npy"));
  }
  for (const auto& d : dirs) fs::remove_all(d);
}

TEST_CASE("a sweep's table is bit-identical at 1, 2 and 8 threads and when repeated",
          "[integration][determinism]") {
  const auto dirs = run_at("det_sweep",
                           kExamples + "sweep_steps.toml --set run.particles=1000 "
                                       "--set run.chunk=100",
                           kThreads);
  for (std::size_t k = 1; k < dirs.size(); ++k) {
    INFO("threads " << kThreads[k]);
    const std::string table = sgm::test::without_time_columns(sgm::test::read_file(dirs[k] / "sweep.csv"));
    CHECK(table.find("ok") != std::string::npos);
    CHECK(table == sgm::test::without_time_columns(sgm::test::read_file(dirs[0] / "sweep.csv")));
  }
  for (const auto& d : dirs) fs::remove_all(d);
}
