// Crash safety (issue 8): `sgm run` killed with SIGKILL at several moments during training and
// during a sweep never leaves a corrupt file (checkpoints load, tables parse, no metrics.json
// claims a finished run), and re-running the same command resumes: the final model, samples and
// sweep table equal those of an uninterrupted run bit for bit. SIGINT stops cleanly with exit
// status 130 after writing the checkpoint.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>

#include <fmt/format.h>

#include "sgm/host/checkpoint.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using sgm::test::read_file;

namespace {

const std::string kExamples = std::string(SGM_TEST_SOURCE_DIR) + "/examples/pipelines/";

/// `sgm run <args>` killed by `signal` after `seconds` (if still running); returns the exit
/// status (128 + the signal when it was killed by it, sgm's own otherwise).
int run_killed_after(const std::string& args, double seconds, const char* signal = "KILL") {
  const std::string cmd = fmt::format("timeout --preserve-status -s {} {} '{}' run {} --quiet > /dev/null 2>&1",
                                      signal, seconds, SGM_TEST_BINARY, args);
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

/// Every line of a CSV has the header's number of fields (no half-written row).
bool complete_csv(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  long fields = -1;
  while (std::getline(in, line)) {
    const long f = static_cast<long>(std::count(line.begin(), line.end(), ',')) + 1;
    if (fields >= 0 && f != fields) return false;
    fields = f;
  }
  return true;
}

/// What a killed training run may leave: a loadable checkpoint, a whole loss table, no result.
void check_leftovers_of_training(const fs::path& d) {
  if (fs::exists(d / "checkpoint.ckpt")) CHECK_NOTHROW(sgm::host::read_checkpoint(d / "checkpoint.ckpt"));
  if (fs::exists(d / "loss.csv")) CHECK(complete_csv(read_file(d / "loss.csv")));
}

// Sanitizer builds run the host several times slower: a quarter of the work still spans the
// kill times below.
const std::string kTraining =
    kExamples +
    fmt::format("train_swiss_roll.toml --set train.iterations={} --set 'score.hidden=[64, 64]' "
                "--set train.batch_size=256 --set train.checkpoint_every=25 --set train.log_every=25 "
                "--set run.particles=500 --set sample.steps=20",
                sgm::test::kSanitizedBuild ? 500 : 2000);

}  // namespace

TEST_CASE("training killed with SIGKILL resumes to the uninterrupted result", "[integration][crash]") {
  const fs::path d = sgm::test::fresh_dir("crash_train"), ref = sgm::test::fresh_dir("crash_ref");
  const std::string args = kTraining + fmt::format(" --out '{}'", d.string());
  int kills = 0;
  for (double at : {0.3, 0.5, 0.7, 0.9, 1.1}) {
    const int rc = run_killed_after(args, at);
    if (rc == 0) break;  // a fast machine may finish first: nothing left to kill
    ++kills;
    INFO("killed after " << at << " s (exit " << rc << ")");
    CHECK_FALSE(fs::exists(d / "metrics.json"));
    check_leftovers_of_training(d);
  }
  INFO(kills << " kills");
  if (!fs::exists(d / "metrics.json")) REQUIRE(run_killed_after(args, 600) == 0);
  REQUIRE(run_killed_after(kTraining + fmt::format(" --out '{}'", ref.string()), 600) == 0);
  CHECK(read_file(d / "model.ckpt") == read_file(ref / "model.ckpt"));
  CHECK(read_file(d / "samples.npy") == read_file(ref / "samples.npy"));
  CHECK(kills >= 1);
  fs::remove_all(d);
  fs::remove_all(ref);
}

TEST_CASE("SIGINT stops training with status 130 after writing its checkpoint", "[integration][crash]") {
  const fs::path d = sgm::test::fresh_dir("sigint_train");
  const int rc = run_killed_after(kTraining + fmt::format(" --out '{}'", d.string()), 0.6, "INT");
  REQUIRE(rc == 130);
  CHECK_NOTHROW(sgm::host::read_checkpoint(d / "checkpoint.ckpt"));
  CHECK(complete_csv(read_file(d / "loss.csv")));
  CHECK_FALSE(fs::exists(d / "metrics.json"));
  // A different pipeline must not silently resume from this checkpoint.
  const auto other = sgm::test::sgm_cli(
      fmt::format("run {} --set train.lr=1e-4 --out '{}' --quiet", kTraining, d.string()));
  CHECK(other.status == 1);
  CHECK_THAT(other.output, Catch::Contains("holds an interrupted run of a different pipeline"));
  fs::remove_all(d);
}

TEST_CASE("a sweep killed with SIGKILL resumes, keeping its finished points", "[integration][crash]") {
  const fs::path d = sgm::test::fresh_dir("crash_sweep"), ref = sgm::test::fresh_dir("crash_sweep_ref");
  const std::string sweep = kExamples + fmt::format("sweep_steps.toml --set run.particles={}",
                                                    sgm::test::kSanitizedBuild ? 5000 : 20000);
  const std::string args = sweep + fmt::format(" --out '{}'", d.string());
  for (double at : {0.4, 0.8}) {
    if (run_killed_after(args, at) == 0) break;
    if (fs::exists(d / "sweep.csv")) CHECK(complete_csv(read_file(d / "sweep.csv")));
  }
  REQUIRE(run_killed_after(args, 600) == 0);
  REQUIRE(run_killed_after(sweep + fmt::format(" --out '{}'", ref.string()), 600) == 0);
  const std::string table = sgm::test::without_time_columns(read_file(d / "sweep.csv"));
  CHECK(table == sgm::test::without_time_columns(read_file(ref / "sweep.csv")));
  CHECK(table.find("failed") == std::string::npos);
  fs::remove_all(d);
  fs::remove_all(ref);
}
