// test_euler_maruyama.cpp: the euler_maruyama integrator, forward and reverse, against exact
// Gaussian answers (MATH.md §1, §3, §5, §6): forward kernels, EM's stationary variance, the
// reverse-EM W2 table of §6 with the exact score, and the weak order 1 of the scheme.
//
// Every statistical tolerance is 4 standard errors of the estimate at the stated sample size
// (plus the known discretisation bias where it is not negligible); seeds are fixed, so the
// tests are deterministic, and each would fail for an error of a few standard errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sgm/samplers.hpp>

#include "test_support.hpp"

namespace {

using sgm::test::loglog_slope;
using sgm::test::make;
using Given = std::map<std::string, sgm::Value>;

/// Exact score of Gaussian data N(μ, s² I) under a one-block linear SDE with kernel
/// N(m_t x0, σ_t² I): p_t = N(μ m_t, (s² m_t² + σ_t²) I) (MATH.md §5).
class GaussianDataScore final : public sgm::ScoreModel {
 public:
  GaussianDataScore(const sgm::ForwardSde& sde, double mu, double s2)
      : sde_(sde), mu_(mu), s2_(s2) {}
  void score(sgm::CRef x, double t, sgm::Ref out) const override {
    const auto k = sde_.kernel(t);
    const double m = k.mean_scale();
    const double var = s2_ * m * m + k.variance();
    out.array() = (mu_ * m - x.array()) / var;
  }

 private:
  const sgm::ForwardSde& sde_;
  double mu_, s2_;
};

class CountingProgress final : public sgm::Progress {
 public:
  void advance(std::uint64_t units) override { total += units; }
  std::uint64_t total = 0;
};

struct Moments {
  double mean, var;
};
/// Sample mean and unbiased variance of column j.
Moments column_moments(const sgm::Matrix& x, Eigen::Index j) {
  const Eigen::VectorXd c = x.col(j);
  const double m = c.mean();
  return {m, (c.array() - m).square().sum() / static_cast<double>(c.size() - 1)};
}
/// ... of all entries (independent coordinates with the same law).
Moments all_moments(const sgm::Matrix& x) {
  const Eigen::VectorXd c = Eigen::Map<const Eigen::VectorXd>(x.data(), x.size());
  const double m = c.mean();
  return {m, (c.array() - m).square().sum() / static_cast<double>(c.size() - 1)};
}

std::shared_ptr<sgm::Integrator> em(std::int64_t steps, const std::string& direction,
                                     bool denoise = false) {
  return make<sgm::Integrator>(
      "euler_maruyama",
      {{"steps", steps}, {"direction", direction}, {"denoise", denoise}});
}

/// Forward EM from the point x0 (one value per column, n rows each).
sgm::Matrix run_forward(const sgm::ForwardSde& sde, std::int64_t steps, Eigen::Index n,
                        const std::vector<double>& x0, std::uint64_t seed) {
  sgm::Matrix x(n, static_cast<Eigen::Index>(x0.size()));
  for (Eigen::Index j = 0; j < x.cols(); ++j) x.col(j).setConstant(x0[static_cast<std::size_t>(j)]);
  sgm::RowRng rng(seed, sgm::streams::integrator, 0, n);
  sgm::NullProgress progress;
  const auto stats = em(steps, "forward")->integrate(x, sde, nullptr, rng, progress);
  CHECK(stats.steps == static_cast<std::uint64_t>(steps));
  CHECK(stats.score_evals == 0);
  return x;
}

/// Mean and variance of the reverse-EM chain for data N(μ, s²) under the slides' OU (β = 1)
/// with the exact score and prior N(0, 1): the linear recursion of MATH.md §6,
///   a = 1 + h − 2h/v_τ,  m ← a m + 2h μ e^{−τ}/v_τ,  V ← a² V + 2h,
/// over τ = T, T−h, ..., h (score at the start of each step; the chain ends at t = 0).
Moments reverse_em_recursion(double T, std::int64_t steps, double mu, double s2,
                             bool denoise = false) {
  const auto grid = sgm::uniform_grid(T, 0.0, static_cast<std::uint64_t>(steps));
  double m = 0.0, V = 1.0;
  for (std::int64_t k = 0; k < steps; ++k) {
    const double tau = grid[static_cast<std::size_t>(k)];
    const double h = tau - grid[static_cast<std::size_t>(k + 1)];
    const double e = std::exp(-tau);
    const double v = s2 * e * e + 1.0 - e * e;
    const double a = 1.0 + h - 2.0 * h / v;
    m = a * m + 2.0 * h * mu * e / v;
    V = a * a * V + ((denoise && k + 1 == steps) ? 0.0 : 2.0 * h);
  }
  return {m, V};
}

/// W2 between N(m, V) and N(μ, s²) in one dimension.
double gaussian_w2(double m, double V, double mu, double s2) {
  return std::hypot(m - mu, std::sqrt(V) - std::sqrt(s2));
}

}  // namespace

TEST_CASE("euler_maruyama forward: OU from a point reaches the exact kernel",
          "[convergence][euler_maruyama]") {
  // Slides' OU, T = 1, h = 0.005: exact N(e^{−1} x0, 1 − e^{−2}). EM's own bias is
  // x0 (e^{−1} − 0.995^200) ≈ 9.2e-4 x0 in the mean and 2.8e-3 in the variance; n = 20,000
  // gives se(mean) = √(0.8647/n) = 0.0066 and se(var) = 0.8647 √(2/n) = 0.0086.
  auto sde = make<sgm::ForwardSde>("ou", {{"beta", 1.0}, {"t_max", 1.0}});
  const Eigen::Index n = 20000;
  const std::vector<double> x0{1.0, -2.0};
  const sgm::Matrix x = run_forward(*sde, 200, n, x0, 11);
  const auto k = sde->kernel(1.0);
  const double se_mean = std::sqrt(k.variance() / n);
  const double se_var = k.variance() * std::sqrt(2.0 / n);
  for (Eigen::Index j = 0; j < 2; ++j) {
    const Moments mo = column_moments(x, j);
    INFO("x0 = " << x0[j] << ": mean " << mo.mean << ", var " << mo.var);
    CHECK(std::abs(mo.mean - k.mean_scale() * x0[j]) < 4.0 * se_mean + 2e-3);
    CHECK(std::abs(mo.var - k.variance()) < 4.0 * se_var + 3e-3);
  }
}

TEST_CASE("euler_maruyama forward: VP from a point reaches the exact kernel",
          "[convergence][euler_maruyama]") {
  // VP (0.1 → 20) on [0, 0.5], h = 0.001: exact N(0.2812 x0, 0.9209). EM bias (recursion):
  // < 1e-3 |x0| in the mean and ≈ 2e-3 in the variance. n = 10,000: se(mean) = 0.0096,
  // se(var) = 0.013.
  auto sde = make<sgm::ForwardSde>("vp", {{"t_max", 0.5}});
  const Eigen::Index n = 10000;
  const std::vector<double> x0{2.0, -1.0};
  const sgm::Matrix x = run_forward(*sde, 500, n, x0, 12);
  const auto k = sde->kernel(0.5);
  for (Eigen::Index j = 0; j < 2; ++j) {
    const Moments mo = column_moments(x, j);
    INFO("x0 = " << x0[j] << ": mean " << mo.mean << ", var " << mo.var);
    CHECK(std::abs(mo.mean - k.mean_scale() * x0[j]) <
          4.0 * std::sqrt(k.variance() / n) + 2e-3);
    CHECK(std::abs(mo.var - k.variance()) < 4.0 * k.variance() * std::sqrt(2.0 / n) + 3e-3);
  }
}

TEST_CASE("euler_maruyama forward: stationary variance 1/(1 - h/2) on dX = -X dt + sqrt(2) dB",
          "[convergence][euler_maruyama]") {
  // MATH.md §6: EM on the slides' OU keeps variance V* = 1/(1 − h/2), not 1. Started at 0,
  // V_N = V* (1 − (1−h)^{2N}); T = 10 makes the transient < 1e-9. 40,000 draws (10,000 rows
  // x 4 coordinates): se(var) = V* √(2/40000) ≈ 0.0074 (h = 0.1), so V* − 1 = 0.0526 is
  // 7 standard errors away from the exact process's variance.
  for (const double h : {0.1, 0.5}) {
    INFO("h = " << h);
    auto sde = make<sgm::ForwardSde>("ou", {{"beta", 1.0}, {"t_max", 10.0}});
    const auto steps = static_cast<std::int64_t>(std::llround(10.0 / h));
    const sgm::Matrix x = run_forward(*sde, steps, 10000, {0.0, 0.0, 0.0, 0.0}, 13);
    const Moments mo = all_moments(x);
    const double v_star = 1.0 / (1.0 - h / 2.0);
    const double se = v_star * std::sqrt(2.0 / static_cast<double>(x.size()));
    REQUIRE(v_star - 1.0 > 6.0 * se);  // the test can tell EM from the exact process
    INFO("sample variance " << mo.var << ", expected " << v_star);
    CHECK(std::abs(mo.var - v_star) < 4.0 * se);
    CHECK(std::abs(mo.mean) < 4.0 * std::sqrt(v_star / static_cast<double>(x.size())));
  }
}

TEST_CASE("euler_maruyama reverse: the W2 table of MATH.md §6 (exact score, slides' OU)",
          "[convergence][euler_maruyama]") {
  const double mu = 2.0, s2 = 0.25;
  struct Row {
    double T, h, w2;
  };
  const std::vector<Row> table{{2, 0.1, 0.10947},  {2, 0.01, 0.014965}, {2, 0.001, 0.0095534},
                               {5, 0.1, 0.10723},  {5, 0.01, 0.0098414}, {5, 0.001, 0.00097716}};

  SECTION("(a) the chain's exact moments reproduce the table") {
    // The table is printed to 5 significant digits: 1e-4 relative. It pins the grid: the
    // score is evaluated at τ = T, T−h, ..., h and the chain ends at t = 0 (t_min = 0).
    // Evaluating at τ = T−h, ..., 0 instead gives 0.190 for T = 2, h = 0.1.
    for (const Row& r : table) {
      INFO("T = " << r.T << ", h = " << r.h);
      const Moments mo = reverse_em_recursion(r.T, std::llround(r.T / r.h), mu, s2);
      CHECK(gaussian_w2(mo.mean, mo.var, mu, s2) == Approx(r.w2).epsilon(1e-4));
    }
    // With T = 5 the prior error e^{−5} is negligible and W2 falls like h (order 1, §5).
    const double slope = std::log10(table[3].w2 / table[5].w2) / 2.0;
    CHECK(slope == Approx(1.0).margin(0.1));
  }

  SECTION("(b) the plugin's samples have the chain's mean and variance") {
    // n particles from the OU prior N(0, 1); se(mean) = √(V/n), se(var) ≈ V √(2/n).
    struct Case {
      double T, h;
      Eigen::Index n;
      bool denoise;
    };
    for (const Case& c : {Case{2, 0.1, 20000, false}, Case{5, 0.1, 20000, false},
                          Case{2, 0.01, 10000, false}, Case{5, 0.01, 10000, false},
                          Case{2, 0.1, 20000, true}}) {
      INFO("T = " << c.T << ", h = " << c.h << ", denoise = " << c.denoise);
      auto sde = make<sgm::ForwardSde>("ou", {{"beta", 1.0}, {"t_max", c.T}, {"t_min", 0.0}});
      const GaussianDataScore score(*sde, mu, s2);
      const auto steps = static_cast<std::int64_t>(std::llround(c.T / c.h));
      sgm::Matrix x(c.n, 1);
      sgm::RowRng prior_rng(21, sgm::streams::prior, 0, c.n);
      sde->prior_sample(x, prior_rng);
      sgm::RowRng rng(21, sgm::streams::integrator, 0, c.n);
      CountingProgress progress;
      const auto stats = em(steps, "reverse", c.denoise)->integrate(x, *sde, &score, rng, progress);
      CHECK(stats.steps == static_cast<std::uint64_t>(steps));
      CHECK(stats.score_evals == static_cast<std::uint64_t>(steps));
      CHECK(progress.total == static_cast<std::uint64_t>(steps * c.n));

      const Moments expect = reverse_em_recursion(c.T, steps, mu, s2, c.denoise);
      const Moments got = column_moments(x, 0);
      INFO("sample mean " << got.mean << " var " << got.var << "; chain mean " << expect.mean
                          << " var " << expect.var << "; W2 of the sample moments "
                          << gaussian_w2(got.mean, got.var, mu, s2));
      const double n = static_cast<double>(c.n);
      CHECK(std::abs(got.mean - expect.mean) < 4.0 * std::sqrt(expect.var / n));
      CHECK(std::abs(got.var - expect.var) < 4.0 * expect.var * std::sqrt(2.0 / n));
    }
  }
}

TEST_CASE("euler_maruyama forward: weak order 1 (OU and VP, E[X_T] from a point)",
          "[convergence][euler_maruyama]") {
  // The weak error of E[X_T] from x0 is x0 |m_T − Π(1 + a(t_k) h)|. x0 is large so that the
  // discretisation bias dominates the Monte Carlo error: for OU (x0 = 50, steps 10..80) the
  // smallest bias is 0.115 against se = √(0.86/20000) = 0.0066; for VP on [0, 0.5]
  // (x0 = 1000, steps 20..160) 0.32 against se = √(0.92/10000) = 0.0096. The fitted
  // log-log slope must be 1 ± 0.2 (exact-moment slopes: 1.02 and 1.03).
  struct Case {
    std::string sde;
    Given params;
    double x0;
    std::vector<std::int64_t> steps;
    Eigen::Index n;
  };
  const std::vector<Case> cases{
      {"ou", {{"beta", 1.0}, {"t_max", 1.0}}, 50.0, {10, 20, 40, 80}, 20000},
      {"vp", {{"t_max", 0.5}}, 1000.0, {20, 40, 80, 160}, 10000}};
  for (const Case& c : cases) {
    auto sde = make<sgm::ForwardSde>(c.sde, c.params);
    const double T = sde->t_max();
    const double exact = sde->kernel(T).mean_scale() * c.x0;
    std::vector<double> hs, errs;
    for (const std::int64_t steps : c.steps) {
      const sgm::Matrix x = run_forward(*sde, steps, c.n, {c.x0}, 31);
      hs.push_back(T / static_cast<double>(steps));
      errs.push_back(std::abs(x.col(0).mean() - exact));
    }
    const double slope = loglog_slope(hs, errs);
    INFO(c.sde << ": errors " << errs[0] << ", " << errs[1] << ", " << errs[2] << ", "
               << errs[3] << "; slope " << slope);
    CHECK(slope == Approx(1.0).margin(0.2));
  }
}

TEST_CASE("euler_maruyama forward: variance follows EM's recursion, weak order 1",
          "[convergence][euler_maruyama]") {
  // Slides' OU on [0, 2] from 0: EM's variance is exactly V_N = (1 − (1−h)^{2N})/(1 − h/2)
  // against 1 − e^{−4}. The plugin's sample variance (n = 20,000, se ≈ 0.0098..0.011)
  // must match V_N, and V_N − (1 − e^{−4}) must fall like h (slope 1 ± 0.2; 1.04 here).
  auto sde = make<sgm::ForwardSde>("ou", {{"beta", 1.0}, {"t_max", 2.0}});
  const double exact = sde->kernel(2.0).variance();
  const Eigen::Index n = 20000;
  std::vector<double> hs, errs;
  for (const std::int64_t steps : {80, 40, 20, 10}) {
    const double h = 2.0 / static_cast<double>(steps);
    const double v_em =
        (1.0 - std::pow(1.0 - h, 2.0 * static_cast<double>(steps))) / (1.0 - h / 2.0);
    const sgm::Matrix x = run_forward(*sde, steps, n, {0.0}, 41);
    const Moments mo = column_moments(x, 0);
    INFO("h = " << h << ": sample variance " << mo.var << ", EM " << v_em << ", exact " << exact);
    CHECK(std::abs(mo.var - v_em) < 4.0 * v_em * std::sqrt(2.0 / static_cast<double>(n)));
    hs.push_back(h);
    errs.push_back(v_em - exact);
  }
  CHECK(loglog_slope(hs, errs) == Approx(1.0).margin(0.2));
}

TEST_CASE("euler_maruyama: rows draw their own noise, so chunking never changes the result",
          "[convergence][euler_maruyama]") {
  auto sde = make<sgm::ForwardSde>("ou", {{"beta", 1.0}, {"t_max", 2.0}});
  const GaussianDataScore score(*sde, 1.0, 0.5);
  for (const std::string direction : {"reverse", "forward"}) {
    INFO(direction);
    const auto integrator = em(50, direction);
    const Eigen::Index n = 64, d = 3, split = 20;
    sgm::Matrix start(n, d);
    sgm::RowRng prior_rng(5, sgm::streams::prior, 0, n);
    sde->prior_sample(start, prior_rng);
    sgm::NullProgress progress;

    sgm::Matrix whole = start;
    sgm::RowRng rng(5, sgm::streams::integrator, 0, n);
    integrator->integrate(whole, *sde, &score, rng, progress);

    sgm::Matrix chunked = start;
    sgm::RowRng rng_a(5, sgm::streams::integrator, 0, split);
    sgm::RowRng rng_b(5, sgm::streams::integrator, split, n - split);
    integrator->integrate(chunked.topRows(split), *sde, &score, rng_a, progress);
    integrator->integrate(chunked.bottomRows(n - split), *sde, &score, rng_b, progress);
    CHECK(whole == chunked);

    // Another seed gives other numbers.
    sgm::Matrix other = start;
    sgm::RowRng rng_c(6, sgm::streams::integrator, 0, n);
    integrator->integrate(other, *sde, &score, rng_c, progress);
    CHECK(other != whole);
  }
}

TEST_CASE("euler_maruyama: parameters and bad input", "[convergence][euler_maruyama]") {
  auto sde = make<sgm::ForwardSde>("ou");
  sgm::Matrix x = sgm::Matrix::Zero(4, 2);
  sgm::RowRng rng(1, sgm::streams::integrator, 0, 4);
  sgm::NullProgress progress;

  const auto reverse = make<sgm::Integrator>("euler_maruyama");
  CHECK(reverse->direction() == sgm::Direction::reverse);
  CHECK(reverse->planned_steps() == 1000);
  CHECK_THROWS_AS(reverse->integrate(x, *sde, nullptr, rng, progress), sgm::Error);

  const auto forward = em(7, "forward");
  CHECK(forward->direction() == sgm::Direction::forward);
  CHECK(forward->planned_steps() == 7);

  // Fewer random streams than rows.
  sgm::RowRng short_rng(1, sgm::streams::integrator, 0, 2);
  CHECK_THROWS_AS(forward->integrate(x, *sde, nullptr, short_rng, progress), sgm::Error);

  CHECK_THROWS_AS(make<sgm::Integrator>("euler_maruyama", Given{{"steps", std::int64_t{0}}}),
                  sgm::Error);
  CHECK_THROWS_AS(make<sgm::Integrator>("euler_maruyama", Given{{"steps", std::int64_t{-3}}}),
                  sgm::Error);
  CHECK_THROWS_AS(
      make<sgm::Integrator>("euler_maruyama", Given{{"direction", std::string("sideways")}}),
      sgm::Error);
}

namespace {

/// Brownian increments of `paths` paths on a uniform grid of `fine` steps over [0, T]
/// (column k: ΔW over step k), from row i's own stream.
sgm::Matrix brownian_increments(Eigen::Index paths, std::int64_t fine, double T, std::uint64_t seed) {
  sgm::Matrix dw(paths, static_cast<Eigen::Index>(fine));
  sgm::RowRng rng(seed, sgm::streams::integrator, 0, paths);
  rng.normal(dw);
  return dw * std::sqrt(T / static_cast<double>(fine));
}

/// Forward EM (the SDK step the plugin uses) with n steps driven by the given fine path: each
/// coarse step's increment is the sum of its fine increments.
sgm::Matrix em_on_path(const sgm::ForwardSde& sde, double x0, const sgm::Matrix& dw,
                       std::int64_t n) {
  const double T = sde.t_max(), h = T / static_cast<double>(n);
  const auto ratio = static_cast<Eigen::Index>(dw.cols() / n);
  sgm::Matrix x = sgm::Matrix::Constant(dw.rows(), 1, x0), z(dw.rows(), 1);
  sgm::StepWorkspace ws;
  for (std::int64_t k = 0; k < n; ++k) {
    z = dw.middleCols(static_cast<Eigen::Index>(k) * ratio, ratio).rowwise().sum() / std::sqrt(h);
    sgm::euler_maruyama_forward_step(sde, x, static_cast<double>(k) * h, h, z, ws);
  }
  return x;
}

}  // namespace

TEST_CASE("euler_maruyama forward: strong order 1/2 with multiplicative noise (GBM), 1 with additive (OU)",
          "[convergence][euler_maruyama]") {
  // Strong error E|X_N − X_T| over 1000 Brownian paths sampled on 4096 fine steps, for
  // N = 16 ... 256 coarse steps driven by the same paths.
  // GBM dX = μX dt + σX dW, X_0 = 1, μ = 0.5, σ = 1, T = 1: exact X_T = exp((μ − σ²/2)T + σW_T);
  //   EM's strong order is 1/2 (Kloeden & Platen Thm 10.2.2): fitted slope 0.5 ± 0.2.
  // OU dX = −X dt + √2 dW (additive): EM coincides with Milstein, strong order 1; the reference
  //   is EM on the fine grid (its own error, O(1/4096), is far below the coarse errors): 1 ± 0.2.
  // The Monte Carlo error of each mean is a few percent of it (1000 paths), far from moving a
  // slope fitted over a factor 16 in h by 0.2.
  const Eigen::Index paths = 1000;
  const std::int64_t fine = 4096;
  const std::vector<std::int64_t> coarse{16, 32, 64, 128, 256};
  {
    auto gbm = make<sgm::ForwardSde>("gbm", {{"mu", 0.5}, {"sigma", 1.0}});
    REQUIRE(gbm->diffusion_depends_on_state());
    const sgm::Matrix dw = brownian_increments(paths, fine, 1.0, 61);
    const Eigen::VectorXd exact = ((0.5 - 0.5) * 1.0 + dw.rowwise().sum().array()).exp();
    std::vector<double> hs, errs;
    for (const std::int64_t n : coarse) {
      hs.push_back(1.0 / static_cast<double>(n));
      errs.push_back((em_on_path(*gbm, 1.0, dw, n).col(0) - exact).cwiseAbs().mean());
    }
    const double slope = loglog_slope(hs, errs);
    INFO("GBM errors " << errs[0] << " ... " << errs[4] << ", slope " << slope);
    CHECK(slope == Approx(0.5).margin(0.2));
  }
  {
    auto ou = make<sgm::ForwardSde>("ou", {{"beta", 1.0}, {"t_max", 1.0}});
    const sgm::Matrix dw = brownian_increments(paths, fine, 1.0, 62);
    const sgm::Matrix reference = em_on_path(*ou, 1.0, dw, fine);
    std::vector<double> hs, errs;
    for (const std::int64_t n : coarse) {
      hs.push_back(1.0 / static_cast<double>(n));
      errs.push_back((em_on_path(*ou, 1.0, dw, n) - reference).cwiseAbs().mean());
    }
    const double slope = loglog_slope(hs, errs);
    INFO("OU errors " << errs[0] << " ... " << errs[4] << ", slope " << slope);
    CHECK(slope == Approx(1.0).margin(0.2));
  }
}

TEST_CASE("euler_maruyama forward on GBM: E[X_N] = x0 (1 + μh)^N, and reverse samplers are refused",
          "[convergence][euler_maruyama]") {
  // The plugin's forward chain must use G(x, t) = σx: E[X_{k+1} | X_k] = (1 + μh) X_k exactly,
  // and Var X_N = (((1 + μh)² + σ²h)^N − (1 + μh)^{2N}) x0². 20,000 paths; 4 s.e.
  auto gbm = make<sgm::ForwardSde>("gbm", {{"mu", 0.5}, {"sigma", 0.5}});
  const std::int64_t steps = 20;
  const double h = 1.0 / steps, a = 1.0 + 0.5 * h;
  const double mean = std::pow(a, steps);
  const double var = std::pow(a * a + 0.25 * h, steps) - std::pow(a, 2 * steps);
  const Eigen::Index n = 20000;
  const sgm::Matrix x = run_forward(*gbm, steps, n, {1.0}, 63);
  CHECK(std::abs(x.col(0).mean() - mean) < 4.0 * std::sqrt(var / static_cast<double>(n)));
  // With G frozen at σ x0 (additive) the variance would be ≈ σ²T x0² = 0.25, far from the exact
  // 0.719 here; 10% is several standard errors of the sample variance (≈ 2% at n = 20,000).
  CHECK(column_moments(x, 0).var == Approx(var).epsilon(0.1));
  sgm::Matrix z(1, 1), out(1, 1);
  sgm::RowRng rng(1, sgm::streams::prior, 0, 1);
  CHECK_THROWS_WITH(gbm->diffusion_apply(z, 0.5, out), Catch::Contains("forward integration only"));
  CHECK_THROWS_WITH(gbm->prior_sample(out, rng), Catch::Contains("forward integration only"));
}
