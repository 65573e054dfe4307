// test_sampler_matrix.cpp: every registered SDE × every registered reverse-time integrator, on
// the default pipeline's 2-D, 3-component GMM with the analytic score (MATH.md §6). A pair whose
// score model or integrator refuses to be built (sgm::Error at validation) is declared invalid
// and must say why; known-valid pairs must not be refused; every valid pair must generate samples
// whose sliced Wasserstein distance to fresh data is within a small factor of the data-vs-data
// baseline. Fixed-target samplers (ula, mala, annealed_langevin) are not reverse-time samplers
// and are covered in tests/convergence/test_samplers.cpp.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.hpp"

using namespace sgm;

namespace {

using Given = std::map<std::string, Value>;

// Settings per integrator: a moderate number of steps, each key only if the plugin declares it.
Given settings_for(const std::string& integrator) {
  Given g;
  const auto* c = test::registry().find(ComponentKind::integrator, integrator);
  auto set = [&](const std::string& key, Value v) {
    if (c != nullptr && c->info.spec.find(key) != nullptr) g[key] = std::move(v);
  };
  set("steps", std::int64_t{200});
  if (integrator == "pf_rk45") {
    set("rtol", 1e-3);
    set("atol", 1e-3);
  }
  return g;
}

}  // namespace

TEST_CASE("every valid (SDE, integrator) pair samples a 2-D GMM near the data-vs-data floor",
          "[samplers][integration]") {
  const std::set<std::string> fixed_target = {"ula", "mala", "annealed_langevin"};
  const Eigen::Index n = 1500;
  const std::uint64_t seed = 5;
  const auto data = test::make<Dataset>(
      "gmm", {{"weights", DoubleList{0.5, 0.3, 0.2}},
              {"means", DoubleTable{{-2.0, 0.0}, {2.0, 1.0}, {0.0, -2.5}}},
              {"covariances", DoubleTable3{{{0.30, 0.10}, {0.10, 0.20}},
                                           {{0.20, 0.00}, {0.00, 0.40}},
                                           {{0.25, -0.05}, {-0.05, 0.15}}}}});
  SerialExecutor ex;
  auto draw = [&](std::uint32_t stream) {
    Matrix x(n, 2);
    RowRng rng(seed, stream, 0, n);
    data->sample(x, rng);
    return x;
  };
  const Matrix ref = draw(streams::reference), second = draw(streams::baseline);
  const auto sw = test::make<Metric>("sliced_wasserstein", {{"projections", std::int64_t{100}}});
  auto distance = [&](CRef x) {
    return sw->evaluate(MetricInput{x, ref, nullptr, 7, ex}).front().second;
  };
  // With n = 1500 the SW2 between two independent data sets is pure sampling noise; a correct
  // sampler is indistinguishable from it. Allowed: twice the baseline (the 200-step
  // discretisation error is well below it for the valid pairs).
  const double baseline = distance(second);
  INFO("baseline " << baseline);

  std::vector<std::string> integrators;
  for (const auto& name : test::registry().names(ComponentKind::integrator))
    if (!fixed_target.count(name)) integrators.push_back(name);
  REQUIRE(integrators.size() >= 8);

  std::ostringstream report;
  int valid = 0;
  for (const auto& sde_name : test::registry().names(ComponentKind::sde)) {
    std::shared_ptr<ForwardSde> sde;
    try {
      sde = test::make<ForwardSde>(sde_name);
    } catch (const Error& e) {
      // An SDE that needs parameters without defaults cannot join a default-parameter matrix.
      report << sde_name << ": not constructible with defaults: " << e.what() << "\n";
      continue;
    }
    const Context sctx{.seed = seed, .dataset = data.get(), .sde = sde.get()};
    std::shared_ptr<ScoreModel> score;
    try {
      score = test::make<ScoreModel>("analytic_gmm", {}, sctx);
    } catch (const Error& e) {
      CHECK(std::string(e.what()).size() > 0);
      report << sde_name << " x *: invalid (score): " << e.what() << "\n";
      CHECK(sde_name != "vp");
      CHECK(sde_name != "ve");
      CHECK(sde_name != "ou");
      continue;
    }
    const Context ctx{.seed = seed, .dataset = data.get(), .sde = sde.get(), .score = score.get()};
    for (const auto& integ_name : integrators) {
      std::shared_ptr<Integrator> integ;
      try {
        integ = test::make<Integrator>(integ_name, settings_for(integ_name), ctx);
      } catch (const Error& e) {
        INFO(sde_name << " x " << integ_name << " refused: " << e.what());
        CHECK(std::string(e.what()).size() > 0);
        // Known-valid pairs: every one-block linear SDE with every sampler except SSCS (CLD only).
        const bool known_valid = (sde_name == "vp" || sde_name == "ve" || sde_name == "ou") &&
                                 integ_name != "sscs";
        CHECK_FALSE(known_valid);
        report << sde_name << " x " << integ_name << ": invalid: " << e.what() << "\n";
        continue;
      }
      if (integ->direction() != Direction::reverse) continue;
      Matrix x(n, sde->state_dim(2));
      RowRng prior(seed, streams::prior, 0, n);
      sde->prior_sample(x, prior);
      RowRng noise(seed, streams::integrator, 0, n);
      NullProgress progress;
      const auto stats = integ->integrate(x, *sde, score.get(), noise, progress);
      const double d = distance(x.leftCols(2));
      report << sde_name << " x " << integ_name << ": SW " << d << " (NFE " << stats.score_evals
             << ")\n";
      INFO(sde_name << " x " << integ_name << ": SW " << d << ", baseline " << baseline);
      CHECK(x.allFinite());
      CHECK(stats.score_evals > 0);
      CHECK(d < 2.0 * baseline);
      ++valid;
    }
  }
  WARN(report.str());
  CHECK(valid >= 20);
}
