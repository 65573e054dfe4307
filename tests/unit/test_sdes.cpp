// test_sdes.cpp: the ou, ve and vp forward SDEs against MATH.md §1, §6, §B4 and §C1: closed-form
// kernels, reference values, the Lyapunov equation linking drift and diffusion to the kernel,
// priors, and parameter validation.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <numbers>
#include <string>

#include "test_support.hpp"

namespace {

using sgm::test::make;

/// f(x = 1, t) for a one-block SDE whose drift is a(t) x: returns a(t).
double drift_coefficient(const sgm::ForwardSde& sde, double t) {
  sgm::Matrix one = sgm::Matrix::Ones(1, 1), out(1, 1);
  sde.drift(one, t, out);
  return out(0, 0);
}
/// g(t) from G(t) z with z = 1.
double diffusion(const sgm::ForwardSde& sde, double t) {
  sgm::Matrix one = sgm::Matrix::Ones(1, 1), out(1, 1);
  sde.diffusion_apply(one, t, out);
  return out(0, 0);
}
/// g²(t) from G Gᵀ s with s = 1.
double diffusion_squared(const sgm::ForwardSde& sde, double t) {
  sgm::Matrix one = sgm::Matrix::Ones(1, 1), out(1, 1);
  sde.diffusion_squared_apply(one, t, out);
  return out(0, 0);
}

/// Central difference of f at t (step δ): error O(δ² f''') plus round-off O(ε|f|/δ).
double derivative(const std::function<double(double)>& f, double t, double delta = 1e-5) {
  return (f(t + delta) - f(t - delta)) / (2.0 * delta);
}

/// The Lyapunov equation of a scalar linear SDE dx = a(t) x dt + g(t) dW (MATH.md §1):
/// dm/dt = a m and dσ²/dt = 2 a σ² + g², checked by finite differences at several times.
void check_lyapunov(const sgm::ForwardSde& sde, std::initializer_list<double> times) {
  REQUIRE(sde.is_linear());
  for (double t : times) {
    INFO("t = " << t);
    const double a = drift_coefficient(sde, t);
    const double g2 = diffusion_squared(sde, t);
    const auto k = sde.kernel(t);
    const double dm = derivative([&](double s) { return sde.kernel(s).mean_scale(); }, t);
    const double dv = derivative([&](double s) { return sde.kernel(s).variance(); }, t);
    // Relative 1e-6: the central difference with δ = 1e-5 is accurate to ~1e-9 relative here.
    CHECK(dm == Approx(a * k.mean_scale()).epsilon(1e-6));
    CHECK(dv == Approx(2.0 * a * k.variance() + g2).epsilon(1e-6));
    // G Gᵀ is the square of G.
    CHECK(g2 == Approx(diffusion(sde, t) * diffusion(sde, t)).epsilon(1e-12));
  }
}

/// log N(x; 0, var) summed over the coordinates of one row.
double gaussian_log_density(const sgm::Matrix& x, double mean, double var) {
  const double d = static_cast<double>(x.cols());
  return -0.5 * d * std::log(2.0 * std::numbers::pi * var) -
         0.5 * (x.array() - mean).square().sum() / var;
}

/// The prior's log density agrees with N(mean, var I), and prior samples have that mean and
/// variance within 4 standard errors (n·d = 40,000 draws: se(mean) = √(var/40000),
/// se(var) ≈ var √(2/40000)).
void check_prior(const sgm::ForwardSde& sde, double mean, double var) {
  sgm::Matrix x(1, 3);
  x << 0.3, -1.2, 2.5;
  Eigen::VectorXd lp(1);
  sde.prior_log_density(x, lp);
  CHECK(lp(0) == Approx(gaussian_log_density(x, mean, var)).epsilon(1e-12));

  const Eigen::Index n = 10000, d = 4;
  sgm::Matrix samples(n, d);
  sgm::RowRng rng(7, sgm::streams::prior, 0, n);
  sde.prior_sample(samples, rng);
  const Eigen::VectorXd flat = Eigen::Map<const Eigen::VectorXd>(samples.data(), n * d);
  const double m = flat.mean();
  const double v = (flat.array() - m).square().sum() / static_cast<double>(n * d - 1);
  const double count = static_cast<double>(n * d);
  CHECK(std::abs(m - mean) < 4.0 * std::sqrt(var / count));
  CHECK(std::abs(v - var) < 4.0 * var * std::sqrt(2.0 / count));
}

}  // namespace

TEST_CASE("vp: kernel matches the MATH.md §6 reference values", "[unit][sde]") {
  auto sde = make<sgm::ForwardSde>("vp", {{"beta_min", 0.1}, {"beta_max", 20.0}});
  REQUIRE(sde->is_linear());
  REQUIRE(sde->blocks() == 1);
  struct Row {
    double t, m, var;
  };
  // B(t) = 0.1 t + 9.95 t², m = e^{−B/2}, σ² = 1 − e^{−B}; printed to 9 decimals.
  for (const Row& r : {Row{0.1, 0.946721799, 0.103717836}, Row{0.5, 0.281182881, 0.920936188},
                       Row{1.0, 0.006571586, 0.999956814}}) {
    INFO("t = " << r.t);
    const auto k = sde->kernel(r.t);
    CHECK(k.mean_scale() == Approx(r.m).margin(1e-8));
    CHECK(k.variance() == Approx(r.var).margin(1e-8));
  }
  // The tutorial's e^{−B} mean (MATH.md §8) would give 0.896 at t = 0.1: make sure it is not.
  CHECK(std::abs(sde->kernel(0.1).mean_scale() - std::exp(-(0.1 * 0.1 + 9.95 * 0.01))) > 0.01);
  // β(t) = 0.1 + 19.9 t: drift −½β x, diffusion √β.
  CHECK(drift_coefficient(*sde, 0.5) == Approx(-0.5 * 10.05).epsilon(1e-14));
  CHECK(diffusion_squared(*sde, 0.5) == Approx(10.05).epsilon(1e-14));
  CHECK(sde->t_max() == 1.0);
  CHECK(sde->t_min() == 1e-3);
  check_lyapunov(*sde, {0.01, 0.1, 0.3, 0.5, 0.9});
  check_prior(*sde, 0.0, 1.0);
}

TEST_CASE("ve: Song's g(t), sigma(t) and the corrected kernel (MATH.md §1, §6, §B4)",
          "[unit][sde]") {
  auto sde = make<sgm::ForwardSde>("ve", {{"sigma_min", 0.01}, {"sigma_max", 50.0}});
  REQUIRE(sde->is_linear());
  // σ(t) = 0.01·5000^t, g(t) = σ(t)·√(2 ln 5000) = σ(t)·4.12727348 (8 decimals).
  const double factor = 4.12727348;
  for (double t : {0.0, 0.25, 0.5, 1.0}) {
    INFO("t = " << t);
    const double sigma = 0.01 * std::pow(5000.0, t);
    CHECK(diffusion(*sde, t) == Approx(sigma * factor).epsilon(2e-9));
    // No drift.
    CHECK(drift_coefficient(*sde, t) == 0.0);
    // Kernel variance σ²(t) − σ²(0) (MATH.md Part A), not Song's σ²(t).
    const auto k = sde->kernel(t);
    CHECK(k.mean_scale() == 1.0);
    CHECK(k.variance() == Approx(sigma * sigma - 1e-4).epsilon(1e-12).margin(1e-15));
  }
  // σ(0.5) = 0.70710678: kernel variance 0.5 − 1e-4.
  CHECK(std::sqrt(sde->kernel(0.5).variance() + 1e-4) == Approx(0.70710678).margin(1e-8));
  CHECK(sde->t_min() == 1e-5);
  check_lyapunov(*sde, {0.1, 0.5, 0.9});
  // Prior N(0, (σ²(T) − σ²(0)) I) = N(0, 2500 − 1e-4).
  check_prior(*sde, 0.0, 2500.0 - 1e-4);
}

TEST_CASE("ou: closed-form kernel and seed 000's reference values (MATH.md §1, §C1)",
          "[unit][sde]") {
  struct Row {
    double beta, t, m, var;
  };
  // MATH.md §C1 table (α = 0, σ = √(2β)), 15 significant digits.
  for (const Row& r : {Row{1, 0.01, 0.990049833749168, 0.0198013266932447},
                       Row{1, 0.1, 0.904837418035960, 0.181269246922018},
                       Row{1, 1, 0.367879441171442, 0.864664716763387},
                       Row{0.5, 1, 0.606530659712633, 0.632120558828558},
                       Row{8, 0.01, 0.923116346386636, 0.147856211033789},
                       Row{8, 1, 3.35462627902512e-4, 0.999999887464825}}) {
    INFO("beta = " << r.beta << ", t = " << r.t);
    auto sde = make<sgm::ForwardSde>("ou", {{"beta", r.beta}});
    const auto k = sde->kernel(r.t);
    CHECK(k.mean_scale() == Approx(r.m).epsilon(1e-13));
    CHECK(k.variance() == Approx(r.var).epsilon(1e-13));
    CHECK(drift_coefficient(*sde, r.t) == Approx(-r.beta).epsilon(1e-15));
    CHECK(diffusion_squared(*sde, r.t) == Approx(2.0 * r.beta).epsilon(1e-15));
  }
  SECTION("defaults: the slides' OU on [0, 1], prior N(0, I)") {
    auto sde = make<sgm::ForwardSde>("ou");
    CHECK(sde->t_max() == 1.0);
    CHECK(sde->t_min() == 1e-3);
    check_lyapunov(*sde, {0.05, 0.5, 2.0});
    check_prior(*sde, 0.0, 1.0);
  }
  SECTION("general sigma: beta = 2, sigma = 1, t = 0.5 (§C1)") {
    auto sde = make<sgm::ForwardSde>("ou", {{"beta", 2.0}, {"sigma", 1.0}});
    const auto k = sde->kernel(0.5);
    CHECK(k.mean_scale() == Approx(0.367879441171442).epsilon(1e-13));
    CHECK(k.variance() == Approx(0.216166179190847).epsilon(1e-13));
    check_lyapunov(*sde, {0.1, 0.5});
    check_prior(*sde, 0.0, 0.25);  // stationary σ²/(2β)
  }
  SECTION("alpha != 0: drift reverts to alpha, prior N(alpha, I), no linear kernel") {
    auto sde = make<sgm::ForwardSde>("ou", {{"beta", 1.5}, {"alpha", 3.0}});
    sgm::Matrix x(1, 2), out(1, 2);
    x << 1.0, 4.0;
    sde->drift(x, 0.2, out);
    CHECK(out(0, 0) == Approx(-1.5 * (1.0 - 3.0)));
    CHECK(out(0, 1) == Approx(-1.5 * (4.0 - 3.0)));
    CHECK_FALSE(sde->is_linear());
    CHECK_THROWS_AS(sde->kernel(0.5), sgm::Error);
    check_prior(*sde, 3.0, 1.0);
  }
}

TEST_CASE("sdes: drift and diffusion act row-wise on whole batches", "[unit][sde]") {
  for (const std::string name : {"ou", "ve", "vp"}) {
    INFO(name);
    auto sde = make<sgm::ForwardSde>(name);
    sgm::Matrix x(3, 2), out(3, 2), one(1, 1), scalar(1, 1);
    x << 1.0, -2.0, 0.5, 3.0, -4.0, 0.0;
    const double t = 0.37;
    sde->drift(x, t, out);
    one(0, 0) = 1.0;
    sde->drift(one, t, scalar);
    CHECK(out.isApprox(scalar(0, 0) * x, 1e-14));
    sde->diffusion_apply(x, t, out);
    CHECK(out.isApprox(diffusion(*sde, t) * x, 1e-14));
    sde->diffusion_squared_apply(x, t, out);
    CHECK(out.isApprox(diffusion_squared(*sde, t) * x, 1e-14));
    Eigen::VectorXd lp(3);
    sde->prior_log_density(x, lp);
    for (Eigen::Index i = 0; i < 3; ++i) {
      Eigen::VectorXd one_row(1);
      sde->prior_log_density(x.row(i), one_row);
      CHECK(lp(i) == Approx(one_row(0)).epsilon(1e-14));
    }
  }
}

TEST_CASE("sdes: invalid parameters are refused", "[unit][sde]") {
  using M = std::map<std::string, sgm::Value>;
  CHECK_THROWS_AS(make<sgm::ForwardSde>("ou", M{{"beta", 0.0}}), sgm::Error);
  CHECK_THROWS_AS(make<sgm::ForwardSde>("ou", M{{"beta", -1.0}}), sgm::Error);
  CHECK_THROWS_AS(make<sgm::ForwardSde>("ou", M{{"t_min", -1e-3}}), sgm::Error);
  CHECK_THROWS_AS(make<sgm::ForwardSde>("ou", M{{"t_min", 2.0}, {"t_max", 1.0}}), sgm::Error);
  CHECK_THROWS_AS(make<sgm::ForwardSde>("vp", M{{"beta_max", 0.0}}), sgm::Error);
  CHECK_THROWS_AS(make<sgm::ForwardSde>("vp", M{{"beta_min", -0.1}}), sgm::Error);
  // β(t) linear from 10 at t=0 to 1 at t=1 is negative at t = 2.
  CHECK_THROWS_AS(
      make<sgm::ForwardSde>("vp", M{{"beta_min", 10.0}, {"beta_max", 1.0}, {"t_max", 2.0}}),
      sgm::Error);
  CHECK_THROWS_AS(make<sgm::ForwardSde>("ve", M{{"sigma_min", 0.0}}), sgm::Error);
  CHECK_THROWS_AS(make<sgm::ForwardSde>("ve", M{{"sigma_min", 60.0}, {"sigma_max", 50.0}}),
                  sgm::Error);
  CHECK_THROWS_AS(make<sgm::ForwardSde>("ve", M{{"t_max", 0.0}}), sgm::Error);
  // A valid decreasing schedule on [0, 1] is accepted.
  CHECK_NOTHROW(make<sgm::ForwardSde>("vp", M{{"beta_min", 10.0}, {"beta_max", 1.0}}));
}
