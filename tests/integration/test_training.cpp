// Training end to end through the host: a learned MLP score reaches the data-vs-data floor,
// training is bit-identical at any thread count, resuming equals an uninterrupted run, and a
// checkpoint loads into a sampling-only pipeline.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <tbb/global_control.h>

#include "sgm/host/checkpoint.hpp"
#include "sgm/host/executor.hpp"
#include "sgm/host/runner.hpp"
#include "sgm/host/training.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace sgm;
using namespace sgm::host;

namespace {

// The default pipeline's 2-D, 3-component mixture, a 4x128 SiLU MLP (ε-prediction) trained with
// DSM, sampled with reverse Euler–Maruyama.
const char* kTrain = R"([run]
seed = 7
particles = 4000
[dataset]
plugin = "gmm"
weights = [0.5, 0.3, 0.2]
means = [[-2.0, 0.0], [2.0, 1.0], [0.0, -2.5]]
covariances = [
  [[0.30, 0.10], [0.10, 0.20]],
  [[0.20, 0.00], [0.00, 0.40]],
  [[0.25, -0.05], [-0.05, 0.15]],
]
[sde]
plugin = "vp"
[score]
plugin = "mlp"
output = "epsilon"
[objective]
plugin = "dsm"
[train]
iterations = 3000
batch_size = 256
n_train = 20000
lr = 2e-3
warmup = 100
log_every = 500
[sample]
plugin = "euler_maruyama"
steps = 200
[evaluate.sw]
plugin = "sliced_wasserstein"
p = 2
projections = 200
[output]
csv = false
)";

fs::path fresh_dir(const std::string& name) { return test::fresh_dir("training_" + name); }

RunResult run_text(const std::string& text, const fs::path& dir, int threads,
                   const std::vector<std::string>& overrides = {}) {
  const Pipeline p = parse_pipeline(text, "train.toml", overrides, test::registry());
  RunOptions o;
  o.out = dir;
  o.threads = threads;
  o.quiet = true;
  o.force = true;
  return run_pipeline(p, test::registry(), o);
}

double metric(const RunResult& r, const std::string& name, bool baseline = false) {
  for (const auto& [k, v] : baseline ? r.baseline : r.metrics)
    if (k == name) return v;
  FAIL("no metric " << name);
  return 0;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("a DSM-trained MLP samples the 2-D mixture near the data-vs-data floor",
          "[integration][training][slow]") {
  const auto dir = fresh_dir("quality");
  const RunResult r = run_text(kTrain, dir, 0);
  const double sw = metric(r, "sw.sw2"), floor = metric(r, "sw.sw2", true);
  INFO("sliced W2 " << sw << ", data vs data " << floor);
  // The issue's acceptance bound: within 2x of the floor (4000 samples; the floor's own
  // sampling error is ~20% of it, so 2x leaves room for that and still fails an untrained or
  // badly trained model, whose SW is several times larger; see the 10-step check below).
  CHECK(sw < 2.0 * floor);
  CHECK(fs::exists(dir / "loss.csv"));
  CHECK(fs::exists(dir / "model.ckpt"));
  CHECK(read(dir / "loss.csv").rfind("step,loss,grad_norm,lr,seconds\n", 0) == 0);

  SECTION("the same network barely trained is far from the floor (the test can fail)") {
    const RunResult bad = run_text(kTrain, fresh_dir("quality_bad"), 0, {"train.iterations=10"});
    CHECK(metric(bad, "sw.sw2") > 3.0 * floor);
  }
  SECTION("a sampling-only pipeline with [model].checkpoint reproduces the trained run") {
    std::string text = kTrain;
    text = text.substr(0, text.find("[objective]")) + text.substr(text.find("[sample]"));
    text += "[model]\ncheckpoint = \"" + (dir / "model.ckpt").string() + "\"\n";
    const RunResult again = run_text(text, fresh_dir("quality_load"), 0);
    CHECK(again.samples == r.samples);
  }
  SECTION("a checkpoint is refused by a model with another architecture") {
    std::string text = kTrain;
    text = text.substr(0, text.find("[objective]")) + text.substr(text.find("[sample]"));
    text += "[model]\ncheckpoint = \"" + (dir / "model.ckpt").string() + "\"\n";
    CHECK_THROWS_WITH(run_text(text, fresh_dir("quality_arch"), 0, {"score.hidden=[64, 64]"}),
                      Catch::Contains("does not match the pipeline's [score]"));
  }
}

TEST_CASE("training is bit-identical at 1 and 2 threads and resuming equals one run",
          "[integration][training]") {
  const std::vector<std::string> small = {"train.iterations=40", "train.chunk=32",
                                          "train.batch_size=128", "run.particles=200",
                                          "train.checkpoint_every=20"};
  const auto one = fresh_dir("threads1"), two = fresh_dir("threads2");
  const RunResult a = run_text(kTrain, one, 1, small);
  const RunResult b = run_text(kTrain, two, 2, small);
  CHECK(read(one / "model.ckpt") == read(two / "model.ckpt"));
  CHECK(a.samples == b.samples);

  // checkpoint.ckpt holds step 20; resuming from it to 40 must give the same model bit for bit.
  const Checkpoint mid = read_checkpoint(one / "checkpoint.ckpt");
  CHECK(mid.optimizer.step == 40);  // the last periodic checkpoint
  auto overrides = small;
  overrides.push_back("train.iterations=20");
  const auto half = fresh_dir("half");
  run_text(kTrain, half, 2, overrides);
  CHECK(read_checkpoint(half / "model.ckpt").optimizer.step == 20);
  auto resume = small;
  resume.push_back("model.checkpoint=\"" + (half / "model.ckpt").string() + "\"");
  const auto resumed = fresh_dir("resumed");
  const RunResult c = run_text(kTrain, resumed, 1, resume);
  const Checkpoint full = read_checkpoint(one / "model.ckpt"), res = read_checkpoint(resumed / "model.ckpt");
  CHECK(res.optimizer.step == 40);
  CHECK(res.params == full.params);
  CHECK(res.optimizer.ema == full.optimizer.ema);
  CHECK(c.samples == a.samples);
}

TEST_CASE("a corrupt checkpoint stops the run with a clear error", "[integration][training]") {
  const auto dir = fresh_dir("corrupt");
  run_text(kTrain, dir, 0, {"train.iterations=5", "run.particles=50"});
  std::string bytes = read(dir / "model.ckpt");
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
  {
    std::ofstream out(dir / "bad.ckpt", std::ios::binary);
    out << bytes;
  }
  CHECK_THROWS_WITH(run_text(kTrain, fresh_dir("corrupt2"), 0,
                             {"train.iterations=5", "run.particles=50",
                              "model.checkpoint=\"" + (dir / "bad.ckpt").string() + "\""}),
                    Catch::Contains("bad.ckpt: not a valid sgm checkpoint") &&
                        Catch::Contains("checksum"));
}

TEST_CASE("a short run sampling with a biased EMA is warned about in run.log", "[integration][training]") {
  // 30 steps of ema = 0.999 keep 0.999^30 = 97.0% of the initial weights in the EMA.
  const std::vector<std::string> small = {"train.iterations=30", "run.particles=50", "sample.steps=5"};
  const auto warned = [&](const std::string& extra) {
    const auto dir = fresh_dir("ema_" + std::to_string(extra.size()));
    auto overrides = small;
    if (!extra.empty()) overrides.push_back(extra);
    run_text(kTrain, dir, 0, overrides);
    return read(dir / "run.log");
  };
  CHECK_THAT(warned(""), Catch::Contains("train: warning: the EMA weights used for sampling will still "
                                         "hold 97.0% of the initial weights after 30 steps"));
  CHECK_THAT(warned("train.ema_warmup=true"), !Catch::Contains("warning"));
  CHECK_THAT(warned("train.use_ema=false"), !Catch::Contains("warning"));
}
