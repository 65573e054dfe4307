// Numerical faults (issue 8): a NaN or Inf in a score or a state stops sampling with the stage,
// the score evaluation, the time t and the first bad particle; a diverging training run names
// its step; a failed sweep point is recorded and the others still run.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <fmt/format.h>

#include "sgm/host/executor.hpp"
#include "sgm/host/output.hpp"
#include "sgm/host/runner.hpp"
#include "test_support.hpp"

using namespace sgm;

namespace {

const std::string kDefault = std::string(SGM_TEST_SOURCE_DIR) + "/examples/pipelines/default.toml";

/// s(x, t) = −x (the N(0, I) score), except: at t = T (the first evaluation) rows whose first
/// coordinate exceeds `nan_above` get NaN; with `constant` ≠ 0 every entry is that constant
/// instead (a huge finite score that drives the state to overflow while staying finite itself).
class FaultyScore final : public ScoreModel {
 public:
  FaultyScore(double nan_above, double constant) : nan_above_(nan_above), constant_(constant) {}
  void score(CRef x, double t, Ref out) const override {
    if (constant_ != 0.0) {
      out.setConstant(constant_);
      return;
    }
    out = -x;
    for (Eigen::Index i = 0; i < x.rows(); ++i)
      if (t == 1.0 && x(i, 0) > nan_above_) out(i, 0) = std::numeric_limits<double>::quiet_NaN();
  }

 private:
  double nan_above_, constant_;
};

/// A model that fails with its own exception type.
class ThrowingScore final : public ScoreModel {
 public:
  void score(CRef, double, Ref) const override { throw std::runtime_error("layer 3: bad shape"); }
};

host::Components components_with(std::shared_ptr<ScoreModel> score, const host::Pipeline& p,
                                 const Executor& ex) {
  host::Components c = host::build_components(p, test::registry(), ex);
  c.score = std::move(score);
  c.score_name = "faulty";
  return c;
}

}  // namespace

TEST_CASE("a NaN score stops sampling naming the model, the particle, t and the evaluation",
          "[integration][faults]") {
  const auto p = host::load_pipeline(kDefault, {"sample.steps=50"}, test::registry());
  const SerialExecutor ex;  // blocks in order: the first bad block is the one reported
  const auto c = components_with(std::make_shared<FaultyScore>(1.5, 0.0), p, ex);
  // The first evaluation is at t = T on the prior samples, so the first bad particle is the first
  // prior draw with x_0 > 1.5 (computed here independently; chunks of 8 rows exercise the offset).
  const Eigen::Index n = 64;
  Matrix prior(n, 2);
  RowRng rng(p.seed(), streams::prior, 0, n);
  c.sde->prior_sample(prior, rng);
  Eigen::Index first = -1;
  for (Eigen::Index i = 0; i < n && first < 0; ++i)
    if (prior(i, 0) > 1.5) first = i;
  REQUIRE(first >= 8);  // not in the first block, so the block offset is tested
  NullProgress quiet;
  CHECK_THROWS_WITH(host::sample_particles(c, p.seed(), n, 8, ex, quiet),
                    Catch::Contains(fmt::format("score model 'faulty' returned a non-finite score "
                                                "[nan, ") ) &&
                        Catch::Contains(fmt::format("for particle {} at t = 1 (score evaluation 1;",
                                                    first)));
}

TEST_CASE("in a streamed run's later pass, the NaN score names the particle by its run index",
          "[integration][faults][streaming]") {
  // The pass of rows 1024.. (run.stream): the same prior draws as rows 1024.. of one pass, so the
  // first bad particle is found as above and must be reported as 1024 + its row in the pass.
  const auto p = host::load_pipeline(kDefault, {"sample.steps=50"}, test::registry());
  const SerialExecutor ex;
  const auto c = components_with(std::make_shared<FaultyScore>(1.5, 0.0), p, ex);
  const Eigen::Index n = 64, pass_start = 1024;
  Matrix prior(n, 2);
  RowRng rng(p.seed(), streams::prior, pass_start, n);
  c.sde->prior_sample(prior, rng);
  Eigen::Index first = -1;
  for (Eigen::Index i = 0; i < n && first < 0; ++i)
    if (prior(i, 0) > 1.5) first = i;
  REQUIRE(first >= 0);
  NullProgress quiet;
  CHECK_THROWS_WITH(host::sample_particles(c, p.seed(), n, 8, ex, quiet, 0, pass_start),
                    Catch::Contains(fmt::format("for particle {} at t = 1 (score evaluation 1;",
                                                pass_start + first)));
}

TEST_CASE("a score model that throws is named, with t and the particles", "[integration][faults]") {
  const auto p = host::load_pipeline(kDefault, {"sample.steps=50"}, test::registry());
  const SerialExecutor ex;
  const auto c = components_with(std::make_shared<ThrowingScore>(), p, ex);
  NullProgress quiet;
  CHECK_THROWS_WITH(host::sample_particles(c, p.seed(), 16, 8, ex, quiet),
                    Catch::Equals("sample: score model 'faulty' failed at t = 1 (score evaluation 1, "
                                  "particles 0..): layer 3: bad shape"));
}

TEST_CASE("a diverging sampler is stopped at the first non-finite state", "[integration][faults]") {
  // s ≡ 1.7e308: each reverse step adds h β s ≈ 0.4 · 1.7e308 to the state, which overflows after
  // a few steps while the score itself stays finite.
  const auto p = host::load_pipeline(kDefault, {"sample.steps=50"}, test::registry());
  const SerialExecutor ex;
  const auto c = components_with(std::make_shared<FaultyScore>(0.0, 1.7e308), p, ex);
  NullProgress quiet;
  CHECK_THROWS_WITH(host::sample_particles(c, p.seed(), 16, 8, ex, quiet),
                    Catch::Contains("sample: particle 0 diverged: its state is [") &&
                        Catch::Contains("before score evaluation") &&
                        Catch::Contains("use more steps"));
}

TEST_CASE("a failed sweep point is recorded and the other points still run", "[integration][faults]") {
  // gbm cannot be sampled in reverse time (nor has an analytic GMM score): that point fails when
  // its components are built; the vp point runs and its row is complete.
  const auto dir = test::fresh_dir("fault_sweep");
  std::filesystem::create_directories(dir);
  host::write_atomic(dir / "sweep.toml", test::read_file(kDefault) +
                                             "\n[sweep]\n\"sde.plugin\" = [\"gbm\", \"vp\"]\n");
  const auto r = test::sgm_cli(fmt::format(
      "run {} --quiet --out {} --set run.particles=500 --set sample.steps=20",
      (dir / "sweep.toml").string(), (dir / "out").string()));
  INFO(r.output);
  const std::string table = test::read_file(dir / "out" / "sweep.csv");
  CHECK_THAT(table, Catch::Contains("failed: ") && Catch::Contains(",ok"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("a diverging training run stops at the step whose loss is not finite", "[integration][faults]") {
  // SGD with lr = 1e30 overflows the float network on the first update.
  const auto dir = test::fresh_dir("fault_train");
  const auto r = test::sgm_cli(fmt::format(
      "run {}/examples/pipelines/train_swiss_roll.toml --quiet --out {} --set train.iterations=50 "
      "--set 'train.optimizer=\"sgd\"' --set train.lr=1e30 --set train.warmup=0 "
      "--set 'score.hidden=[16]' --set run.particles=100 --set sample.steps=10",
      SGM_TEST_SOURCE_DIR, dir.string()));
  CHECK(r.status == 1);
  CHECK_THAT(r.output, Catch::Contains("train: the loss is") && Catch::Contains("at step 1 (lower "
                                                                               "the learning rate"));
  CHECK_FALSE(std::filesystem::exists(dir / "metrics.json"));  // no result claims to be complete
  std::filesystem::remove_all(dir);
}
