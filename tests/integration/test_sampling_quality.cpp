// Reverse-time sampling with the exact score reproduces the data: on the default pipeline's
// 2-D, 3-component GMM, the sliced Wasserstein distance of generated samples to fresh data sits
// at the data-vs-data floor, while a deliberately coarse sampler does not (so the test can fail).
#include <catch2/catch.hpp>

#include "sgm/host/executor.hpp"
#include "sgm/host/runner.hpp"
#include "test_support.hpp"

using namespace sgm;

namespace {

struct Distances {
  double model, baseline;
};

// SW2 of generated samples and of a second, independent data set to the same reference set.
Distances sw2_to_data(int steps) {
  const std::string file = std::string(SGM_TEST_SOURCE_DIR) + "/examples/pipelines/default.toml";
  const auto p = host::load_pipeline(
      file, {"run.particles=4000", "sample.steps=" + std::to_string(steps)}, test::registry());
  host::TbbExecutor ex;
  const auto c = host::build_components(p, test::registry(), ex);
  NullProgress progress;
  const auto s = host::sample_particles(c, p.seed(), 4000, 256, ex, progress);
  const Matrix ref = host::sample_dataset(*c.dataset, p.seed(), streams::reference, 4000, 256, ex);
  const Matrix second = host::sample_dataset(*c.dataset, p.seed(), streams::baseline, 4000, 256, ex);
  const auto sw = test::make<Metric>("sliced_wasserstein", {{"projections", std::int64_t{100}}});
  auto value = [&](CRef x) { return sw->evaluate(MetricInput{x, ref, nullptr, 7, ex}).front().second; };
  return {value(s.samples), value(second)};
}

}  // namespace

TEST_CASE("reverse EM with the analytic score reaches the data-vs-data floor on a 2-D GMM",
          "[integration][sampling]") {
  // With n = 4000 points per set, the empirical SW2 between two independent data sets is
  // dominated by sampling noise (≈ 0.03 here); a correct sampler is indistinguishable from it,
  // so we allow 50% over the floor. Discretisation error of 200 VP steps is far below it.
  const Distances good = sw2_to_data(200);
  INFO("model " << good.model << " baseline " << good.baseline);
  CHECK(good.model < 1.5 * good.baseline);
  // Three steps of reverse EM are far from converged: the check above must be able to fail.
  const Distances coarse = sw2_to_data(3);
  INFO("coarse model " << coarse.model);
  CHECK(coarse.model > 3.0 * coarse.baseline);
}
