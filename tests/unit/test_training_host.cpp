// The host's side of training: optimizers, checkpoints and the [train]/[objective]/[model]
// validation rules. (Training runs end to end are in tests/integration/test_training.cpp.)
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sgm/host/checkpoint.hpp"
#include "sgm/host/optimizer.hpp"
#include "sgm/host/pipeline.hpp"
#include "test_support.hpp"

using namespace sgm::host;

namespace {

// f(θ) = ½ Σ a_i (θ_i − c_i)²: gradient a ⊙ (θ − c), minimum at c.
std::vector<double> quadratic_grad(const std::vector<double>& th, const std::vector<double>& a,
                                   const std::vector<double>& c) {
  std::vector<double> g(th.size());
  for (std::size_t i = 0; i < th.size(); ++i) g[i] = a[i] * (th[i] - c[i]);
  return g;
}

Checkpoint sample_checkpoint() {
  Checkpoint c;
  c.architecture = "mlp in=2 hidden=4 act=silu";
  c.plugin = "mlp";
  c.method = "adam";
  c.seed = 42;
  c.params = {1.0, -2.5, 3.25, 1e-300, -0.0};
  c.optimizer.step = 17;
  c.optimizer.ema = {0.5, 0.25, 0.125, 0.0625, 1.0};
  c.optimizer.m = {0.1, 0.2, 0.3, 0.4, 0.5};
  c.optimizer.v = {1e-8, 2e-8, 3e-8, 4e-8, 5e-8};
  return c;
}

std::string problems_of(const std::string& text) {
  try {
    parse_pipeline(text, "pipe.toml", {}, sgm::test::registry());
  } catch (const PipelineError& e) {
    return e.what();
  }
  return "";
}

const char* kStages = R"([dataset]
plugin = "gmm"
[sde]
plugin = "vp"
[sample]
plugin = "euler_maruyama"
)";

}  // namespace

TEST_CASE("Adam's first step moves every coordinate by lr against the gradient's sign",
          "[unit][training]") {
  // With bias correction m̂ = g, v̂ = g², so the first update is lr·g/(|g| + eps) (Kingma & Ba, §2).
  std::vector<double> th = {1.0, -1.0, 0.5};
  Optimizer opt({.method = "adam", .lr = 0.01, .eps = 1e-12}, th);
  std::vector<double> g = {3.0, -0.2, 1e-3};
  opt.step(th, g);
  CHECK(th[0] == Approx(0.99).epsilon(1e-9));
  CHECK(th[1] == Approx(-0.99).epsilon(1e-9));
  CHECK(th[2] == Approx(0.49).epsilon(1e-6));
}

TEST_CASE("Adam and SGD minimise an ill-conditioned quadratic, and EMA follows the iterates",
          "[unit][training]") {
  const std::vector<double> a = {1.0, 10.0, 0.1}, c = {2.0, -1.0, 0.5};
  for (const char* method : {"adam", "sgd"}) {
    std::vector<double> th = {0.0, 0.0, 0.0};
    OptimizerSettings s;
    s.method = method;
    s.lr = std::string(method) == "adam" ? 0.05 : 0.05;
    s.ema_decay = 0.9;
    Optimizer opt(s, th);
    for (int k = 0; k < 3000; ++k) {
      auto g = quadratic_grad(th, a, c);
      opt.step(th, g);
    }
    for (std::size_t i = 0; i < th.size(); ++i) {
      CHECK(th[i] == Approx(c[i]).margin(1e-3));
      CHECK(opt.state().ema[i] == Approx(c[i]).margin(1e-3));
    }
    CHECK(opt.state().step == 3000);
  }
}

TEST_CASE("the EMA keeps ema^k of the initial weights, and its warm-up forgets them",
          "[unit][training]") {
  // SGD with lr 1 and no momentum jumps from 0 to 1 on the first step and stays there (zero
  // gradients after), so after k steps the EMA is 1 - (the initial weight's share).
  for (const bool warmup : {false, true}) {
    std::vector<double> th = {0.0};
    const OptimizerSettings s{.method = "sgd", .lr = 1.0, .momentum = 0.0, .clip_norm = 0.0,
                              .ema_decay = 0.999, .ema_warmup = warmup};
    Optimizer opt(s, th);
    for (int k = 0; k < 3; ++k) {
      std::vector<double> g = {k == 0 ? -1.0 : 0.0};
      opt.step(th, g);
    }
    REQUIRE(th[0] == 1.0);
    // Closed forms: 0.999^3 without warm-up; (1/10)(2/11)(3/12) = 1/220 with it.
    const double share = warmup ? 1.0 / 220.0 : 0.999 * 0.999 * 0.999;
    CHECK(opt.state().ema[0] == Approx(1.0 - share).epsilon(1e-14));
    CHECK(ema_initial_weight(s, 3) == Approx(share).epsilon(1e-14));
  }
  // The warm-up reaches the configured decay once (1 + k)/(10 + k) passes it (k = 8990 for 0.999).
  const OptimizerSettings w{.ema_decay = 0.999, .ema_warmup = true};
  CHECK(ema_decay_at(w, 8989) < 0.999);
  CHECK(ema_decay_at(w, 8991) == 0.999);
  CHECK(ema_initial_weight({.ema_decay = 0.999}, 1500) == Approx(0.2229).epsilon(1e-3));
  CHECK(ema_initial_weight(w, 1500) < 1e-20);
}

TEST_CASE("warm-up ramps the learning rate and clipping bounds the step", "[unit][training]") {
  std::vector<double> th = {0.0};
  Optimizer opt({.method = "sgd", .lr = 1.0, .momentum = 0.0, .warmup = 4, .clip_norm = 0.5}, th);
  CHECK(opt.learning_rate(0) == Approx(0.25));
  CHECK(opt.learning_rate(3) == Approx(1.0));
  CHECK(opt.learning_rate(100) == Approx(1.0));
  std::vector<double> g = {10.0};
  const double norm = opt.step(th, g);
  CHECK(norm == Approx(10.0));
  CHECK(th[0] == Approx(-0.25 * 0.5));  // lr 0.25 times the clipped gradient 0.5
}

TEST_CASE("checkpoint round trip is exact", "[unit][training][checkpoint]") {
  const Checkpoint c = sample_checkpoint();
  const Checkpoint d = decode_checkpoint(encode_checkpoint(c), "mem");
  CHECK(d.architecture == c.architecture);
  CHECK(d.plugin == c.plugin);
  CHECK(d.method == c.method);
  CHECK(d.seed == c.seed);
  CHECK(d.params == c.params);
  CHECK(d.optimizer.step == c.optimizer.step);
  CHECK(d.optimizer.ema == c.optimizer.ema);
  CHECK(d.optimizer.m == c.optimizer.m);
  CHECK(d.optimizer.v == c.optimizer.v);
  CHECK(std::signbit(d.params[4]));  // bit patterns, not just values
}

TEST_CASE("truncated, corrupt or foreign checkpoints are refused with a byte offset",
          "[unit][training][checkpoint]") {
  const std::string good = encode_checkpoint(sample_checkpoint());
  auto error_of = [](const std::string& bytes) -> std::string {
    try {
      decode_checkpoint(bytes, "ck.bin");
    } catch (const sgm::Error& e) {
      return e.what();
    }
    return "";
  };
  for (std::size_t cut : {std::size_t{0}, std::size_t{5}, std::size_t{20}, good.size() / 2, good.size() - 1}) {
    const std::string msg = error_of(good.substr(0, cut));
    INFO("truncated to " << cut << " bytes: " << msg);
    CHECK_THAT(msg, Catch::Contains("ck.bin: not a valid sgm checkpoint"));
    CHECK_THAT(msg, Catch::Contains("at byte"));
  }
  // Every single flipped bit in the body is caught by the checksum or the magic.
  for (std::size_t pos = 0; pos < good.size(); pos += 7) {
    std::string bad = good;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x10);
    CHECK_FALSE(error_of(bad).empty());
  }
  CHECK_THAT(error_of("not a checkpoint at all"), Catch::Contains("wrong magic"));
  CHECK_THAT(error_of(good + "x"), Catch::Contains("checksum"));
}

TEST_CASE("checkpoints are written atomically and read back from disk", "[unit][training][checkpoint]") {
  const auto dir = std::filesystem::temp_directory_path() / "sgm_ckpt_test";
  std::filesystem::create_directories(dir);
  const auto file = dir / "model.ckpt";
  write_checkpoint(file, sample_checkpoint());
  CHECK_FALSE(std::filesystem::exists(dir / "model.ckpt.tmp"));
  CHECK(read_checkpoint(file).params == sample_checkpoint().params);
  CHECK_THROWS_WITH(read_checkpoint(dir / "missing.ckpt"), Catch::Contains("cannot open checkpoint"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("[train], [objective] and [model] are validated together", "[unit][training][pipeline]") {
  const std::string base = kStages;
  CHECK_THAT(problems_of(base + "[score]\nplugin = \"analytic_gmm\"\n[train]\niterations = 10\n"),
             Catch::Contains("[train] needs an [objective] stage"));
  CHECK_THAT(problems_of(base + "[train]\niterations = 10\n"),
             Catch::Contains("[train] needs a trainable [score] model"));
  CHECK_THAT(problems_of(base + "[score]\nplugin = \"analytic_gmm\"\n[objective]\nplugin = \"x\"\n"),
             Catch::Contains("[objective] is only used with a [train] stage"));
  CHECK_THAT(problems_of(base + "[model]\ncheckpoint = \"m.ckpt\"\n"),
             Catch::Contains("[model].checkpoint needs the [score] model"));
  CHECK_THAT(problems_of(base + "[score]\nplugin = \"analytic_gmm\"\n[train]\niteratons = 10\n"),
             Catch::Contains("did you mean 'iterations'"));
  CHECK_THAT(problems_of(base + "[score]\nplugin = \"analytic_gmm\"\n[train]\noptimizer = \"lbfgs\"\n"),
             Catch::Contains("adam"));
  CHECK_THAT(problems_of(base + "[model]\nweights = \"best\"\n"), Catch::Contains("ema"));
}
