// Bounded memory at scale (issue 8): a run sampled in passes (`run.stream`) writes the same
// samples, byte for byte, as a run in one pass; a streaming metric gives the same bits whatever
// the passes; a metric that does not stream sees exactly the first pass. Also the pieces that
// make it work: the pass size, files written a piece at a time, previews of large .npy files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <fmt/format.h>

#include <sgm/data_file.hpp>

#include "sgm/host/output.hpp"
#include "sgm/host/streaming.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using sgm::test::read_file;

namespace {

// The default pipeline's mixture with every streaming metric (moments against the exact mixture
// moments, so no reference set enters), and one that does not stream (sw).
const std::string kPipeline = R"(
[run]
seed = 3
particles = 5000
chunk = 256

[dataset]
plugin = "gmm"
weights = [0.5, 0.3, 0.2]
means = [[-2.0, 0.0], [2.0, 1.0], [0.0, -2.5]]
covariances = [[[0.30, 0.10], [0.10, 0.20]], [[0.20, 0.00], [0.00, 0.40]], [[0.25, -0.05], [-0.05, 0.15]]]

[sde]
plugin = "vp"

[score]
plugin = "analytic_gmm"

[sample]
plugin = "euler_maruyama"
steps = 30

[evaluate.moments]
plugin = "moments"
exact = true

[evaluate.modes]
plugin = "mode_weights"

[evaluate.hist]
plugin = "histogram_divergence"
bins = 20
reference = "density"

[evaluate.sw]
plugin = "sliced_wasserstein"
projections = 50

[output]
plots = false
)";

/// Runs the pipeline above with extra --set arguments into a fresh directory.
fs::path run(const std::string& name, const std::string& sets) {
  const fs::path dir = sgm::test::fresh_dir(name);
  const fs::path file = dir.parent_path() / (name + ".toml");
  std::ofstream(file) << kPipeline;
  const auto r = sgm::test::sgm_cli(fmt::format("run '{}' --quiet --threads 2 --out '{}/run' {}",
                                                file.string(), dir.string(), sets));
  INFO(r.output);
  REQUIRE(r.status == 0);
  return dir / "run";
}

/// The value of "key": number in metrics.json's section `metric` (the first match after it).
std::string value_of(const std::string& json, const std::string& metric, const std::string& key) {
  const auto at = json.find("\"metrics\"");
  REQUIRE(at != std::string::npos);
  const auto section = json.find("\"" + metric + "\"", at);
  REQUIRE(section != std::string::npos);
  std::smatch m;
  const std::string rest = json.substr(section);
  REQUIRE(std::regex_search(rest, m, std::regex("\"" + key + "\": ([^,\\n]+)")));
  return m[1];
}

}  // namespace

TEST_CASE("a streamed run writes the same samples and streaming metrics as one pass",
          "[integration][streaming]") {
  const fs::path whole = run("stream_whole", "");
  // 1000 is rounded up to 1024 (a multiple of chunk): passes of 1024, the last one 904 rows.
  const fs::path passes = run("stream_passes", "--set run.stream=1000");
  CHECK(read_file(passes / "samples.npy") == read_file(whole / "samples.npy"));
  CHECK(read_file(passes / "samples.csv") == read_file(whole / "samples.csv"));
  const std::string a = read_file(whole / "metrics.json"), b = read_file(passes / "metrics.json");
  for (const char* key : {"mean_error", "cov_error", "mean_0", "var_1"})
    CHECK(value_of(b, "moments", key) == value_of(a, "moments", key));
  for (const char* key : {"weight_0", "weight_2", "weight_error_l1"})
    CHECK(value_of(b, "modes", key) == value_of(a, "modes", key));
  for (const char* key : {"tv", "kl", "outside_fraction"})
    CHECK(value_of(b, "hist", key) == value_of(a, "hist", key));
  CHECK(read_file(passes / "run.log").find("in 5 passes of 1024") != std::string::npos);

  // sw does not stream: it saw the first pass (1024 samples) against a reference of the pass
  // size, exactly what a 1024-particle run computes.
  const fs::path first = run("stream_first", "--set run.particles=1024");
  CHECK(value_of(b, "sw", "sw2") == value_of(read_file(first / "metrics.json"), "sw", "sw2"));
  CHECK(value_of(b, "sw", "sw2") != value_of(a, "sw", "sw2"));
}

TEST_CASE("a pass is the whole run, or stream rounded up to a multiple of chunk",
          "[unit][streaming]") {
  using sgm::host::pass_rows;
  CHECK(pass_rows(5000, 0, 256) == 5000);
  CHECK(pass_rows(5000, 1000, 256) == 1024);
  CHECK(pass_rows(5000, 1024, 256) == 1024);
  CHECK(pass_rows(5000, 4999, 256) == 5000);
  CHECK(pass_rows(5000, 9000, 256) == 5000);
  CHECK(pass_rows(10, 3, 1) == 3);
}

TEST_CASE("a file written in pieces appears whole on commit, or not at all", "[unit][streaming]") {
  const fs::path dir = sgm::test::fresh_dir("atomic_file");
  fs::create_directories(dir);
  const fs::path target = dir / "out.txt";
  sgm::host::write_atomic(target, "old\n");
  {
    sgm::host::AtomicFile f(target);
    f.write("half");
    // destroyed without commit(): an error or interrupt mid-way
  }
  CHECK(read_file(target) == "old\n");
  CHECK_FALSE(fs::exists(dir / "out.txt.tmp"));
  {
    sgm::host::AtomicFile f(target);
    f.write("new ");
    f.write("file\n");
    CHECK(read_file(target) == "old\n");  // untouched until commit
    f.commit();
  }
  CHECK(read_file(target) == "new file\n");
}

TEST_CASE("the .npy writer in pieces equals the whole-matrix writer, and previews read the head",
          "[unit][streaming]") {
  sgm::Matrix m(7, 3);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = 0.5 * static_cast<double>(i) - 3.0;
  const std::string pieces = sgm::host::npy_header(7, 3) + sgm::host::npy_rows(m.topRows(4)) +
                             sgm::host::npy_rows(m.bottomRows(3));
  CHECK(pieces == sgm::host::to_npy(m));
  CHECK(sgm::host::csv_header(3) + sgm::host::csv_rows(m.topRows(2)) + sgm::host::csv_rows(m.bottomRows(5)) ==
        sgm::host::to_csv(m));

  const fs::path file = sgm::test::fresh_dir("npy_head") / "m.npy";
  fs::create_directories(file.parent_path());
  sgm::host::write_atomic(file, pieces);
  CHECK(sgm::read_npy_head(file, 2) == m.topRows(2));
  CHECK(sgm::read_npy_head(file, 100) == m);
  // The head of a file whose tail is missing still reads; the whole file is refused with the
  // byte offset of the data.
  sgm::host::write_atomic(file, pieces.substr(0, pieces.size() - 8));
  CHECK(sgm::read_npy_head(file, 6) == m.topRows(6));
  CHECK_THROWS_WITH(sgm::read_npy(file), Catch::Contains("byte 128: expected 168 data bytes, found 160"));
}
