// test_cld.cpp: the subvp, brownian, ou_time_varying, ddpm, ncsn, cld and cld_elliptic forward
// SDEs and the sscs sampler against MATH.md §1, §3 and §6: closed-form kernels and reference
// values, the Lyapunov equation linking drift and diffusion to the kernel, the CLD kernel against
// a forward Euler-Maruyama simulation, and the CLD samplers' W2 table (SSCS and EM with the
// exact score).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <numbers>
#include <string>
#include <variant>

#include <Eigen/LU>

#include "test_support.hpp"

namespace {

using sgm::test::make;
using Params = std::map<std::string, sgm::Value>;

/// f(x = 1, t), g²(t) for a one-block SDE.
double drift_coefficient(const sgm::ForwardSde& sde, double t) {
  sgm::Matrix one = sgm::Matrix::Ones(1, 1), out(1, 1);
  sde.drift(one, t, out);
  return out(0, 0);
}
double diffusion_squared(const sgm::ForwardSde& sde, double t) {
  sgm::Matrix one = sgm::Matrix::Ones(1, 1), out(1, 1);
  sde.diffusion_squared_apply(one, t, out);
  return out(0, 0);
}

/// dm/dt = a m, dσ²/dt = 2aσ² + g² by central differences (one-block linear SDEs).
void check_scalar_lyapunov(const sgm::ForwardSde& sde, std::initializer_list<double> times) {
  const double h = 1e-5;
  for (double t : times) {
    INFO("t = " << t);
    const double a = drift_coefficient(sde, t), g2 = diffusion_squared(sde, t);
    const auto k = sde.kernel(t);
    const double dm = (sde.kernel(t + h).mean_scale() - sde.kernel(t - h).mean_scale()) / (2 * h);
    const double dv = (sde.kernel(t + h).variance() - sde.kernel(t - h).variance()) / (2 * h);
    CHECK(dm == Approx(a * k.mean_scale()).epsilon(1e-6));
    CHECK(dv == Approx(2.0 * a * k.variance() + g2).epsilon(1e-6));
  }
}

/// Sample mean and variance of column `col`, with their standard errors.
struct Moments {
  double mean, var, se_mean, se_var;
};
Moments column_moments(const sgm::Matrix& u, Eigen::Index col) {
  const Eigen::VectorXd c = u.col(col);
  const double n = static_cast<double>(c.size()), m = c.mean();
  const double v = (c.array() - m).square().sum() / (n - 1);
  return {m, v, std::sqrt(v / n), v * std::sqrt(2.0 / n)};
}

/// The HSM covariance Φ diag(0, γM) Φᵀ + Σ⁰ of the cld plugin at t (MATH.md §2, §6).
Eigen::Matrix2d hsm_cov(const sgm::ForwardSde& sde, double t) {
  const auto k = sde.kernel(t);
  const Eigen::Matrix2d phi = k.mean_map, c0 = sde.initial_block_cov(), s0 = k.cov;
  return phi * c0 * phi.transpose() + s0;
}

}  // namespace

TEST_CASE("subvp: kernel matches MATH.md §6 and the Lyapunov equation", "[unit][sde][subvp]") {
  auto sde = make<sgm::ForwardSde>("subvp");
  REQUIRE(sde->is_linear());
  REQUIRE(sde->blocks() == 1);
  struct Row {
    double t, m, var;
  };
  // Same mean as VP (e^{−B/2}), variance (1 − e^{−B})², B = 0.1t + 9.95t².
  for (const Row& r : {Row{0.1, 0.946721799, 0.010757389}, Row{0.5, 0.281182881, 0.848123462},
                       Row{1.0, 0.006571586, 0.999913630}}) {
    INFO("t = " << r.t);
    const auto k = sde->kernel(r.t);
    CHECK(k.mean_scale() == Approx(r.m).margin(1e-8));
    CHECK(k.variance() == Approx(r.var).margin(1e-8));
    // Never above VP's 1 − e^{−B}.
    CHECK(k.variance() <= 1.0 - k.mean_scale() * k.mean_scale());
  }
  // g² = β(1 − e^{−2B}) at t = 0.5: β = 10.05, B = 2.5375.
  CHECK(diffusion_squared(*sde, 0.5) == Approx(10.05 * (1.0 - std::exp(-2.0 * 2.5375))));
  CHECK(drift_coefficient(*sde, 0.5) == Approx(-0.5 * 10.05));
  check_scalar_lyapunov(*sde, {0.01, 0.1, 0.3, 0.5, 0.9});
  CHECK(sde->t_min() == 1e-3);
  CHECK_THROWS_AS(make<sgm::ForwardSde>("subvp", Params{{"t_min", 2.0}}), sgm::Error);
}

TEST_CASE("brownian: kernel N(x0, sigma^2 t), prior N(0, sigma^2 T)", "[unit][sde][brownian]") {
  auto sde = make<sgm::ForwardSde>("brownian", {{"sigma", 2.0}, {"t_max", 3.0}});
  REQUIRE(sde->is_linear());
  CHECK(sde->kernel(0.5).mean_scale() == 1.0);
  CHECK(sde->kernel(0.5).variance() == Approx(2.0));
  CHECK(drift_coefficient(*sde, 0.3) == 0.0);
  CHECK(diffusion_squared(*sde, 0.3) == Approx(4.0));
  check_scalar_lyapunov(*sde, {0.1, 1.0, 2.0});
  sgm::Matrix x(1, 2);
  x << 0.5, -1.0;
  Eigen::VectorXd lp(1);
  sde->prior_log_density(x, lp);
  CHECK(lp(0) == Approx(-std::log(2.0 * std::numbers::pi * 12.0) - 0.5 * 1.25 / 12.0));
  const Eigen::Index n = 20000;
  sgm::Matrix s(n, 1);
  sgm::RowRng rng(3, sgm::streams::prior, 0, n);
  sde->prior_sample(s, rng);
  const Moments mo = column_moments(s, 0);
  CHECK(std::abs(mo.mean) < 4.0 * mo.se_mean);
  CHECK(std::abs(mo.var - 12.0) < 4.0 * mo.se_var);
  CHECK_THROWS_AS(make<sgm::ForwardSde>("brownian", Params{{"sigma", 0.0}}), sgm::Error);
}

TEST_CASE("ou_time_varying: reduces to OU and solves the moment ODEs", "[unit][sde][ou_tv]") {
  struct Row {
    double beta, t, m, var;
  };
  // Constant μ = β, η = √(2β): the OU values of MATH.md §C1 (as in
  // test_sdes.cpp).
  for (const Row& r : {Row{1, 0.1, 0.904837418035960, 0.181269246922018},
                       Row{1, 1, 0.367879441171442, 0.864664716763387},
                       Row{8, 0.01, 0.923116346386636, 0.147856211033789},
                       Row{8, 1, 3.35462627902512e-4, 0.999999887464825}}) {
    INFO("beta = " << r.beta << ", t = " << r.t);
    const double eta = std::sqrt(2.0 * r.beta);
    auto sde = make<sgm::ForwardSde>(
        "ou_time_varying",
        {{"mu_min", r.beta}, {"mu_max", r.beta}, {"eta_min", eta}, {"eta_max", eta}});
    const auto k = sde->kernel(r.t);
    CHECK(k.mean_scale() == Approx(r.m).epsilon(1e-13));
    CHECK(k.variance() == Approx(r.var).epsilon(1e-12));
  }
  // Linear schedules: dm/dt = −μ m, dv/dt = −2μ v + η².
  auto sde = make<sgm::ForwardSde>(
      "ou_time_varying", {{"mu_min", 0.5}, {"mu_max", 4.0}, {"eta_min", 1.0}, {"eta_max", 2.8}});
  check_scalar_lyapunov(*sde, {0.01, 0.2, 0.5, 0.9});
  CHECK(drift_coefficient(*sde, 0.5) == Approx(-2.25));
  CHECK(diffusion_squared(*sde, 0.5) == Approx(1.9 * 1.9));
  // Closed form for μ = 0 and η(t) = 1 + t: v = ∫(1 + s)² ds = ((1 + t)³ − 1)/3.
  auto heat = make<sgm::ForwardSde>(
      "ou_time_varying", {{"mu_min", 0.0}, {"mu_max", 0.0}, {"eta_min", 1.0}, {"eta_max", 2.0}});
  CHECK(heat->kernel(0.7).variance() == Approx((std::pow(1.7, 3) - 1.0) / 3.0).epsilon(1e-14));
  CHECK(heat->kernel(0.7).mean_scale() == 1.0);
  // Prior N(0, e^{−2Γ(T)} + v(T)): p_T of standardised data.
  sgm::Matrix x = sgm::Matrix::Zero(1, 1);
  Eigen::VectorXd lp(1);
  sde->prior_log_density(x, lp);
  const double pv = std::pow(sde->kernel(1.0).mean_scale(), 2) + sde->kernel(1.0).variance();
  CHECK(lp(0) == Approx(-0.5 * std::log(2.0 * std::numbers::pi * pv)));
  CHECK_THROWS_AS(
      make<sgm::ForwardSde>("ou_time_varying", Params{{"eta_min", 0.0}, {"eta_max", 0.0}}),
      sgm::Error);
}

TEST_CASE(
    "ddpm: the discrete schedule's alpha-bar (MATH.md §6) and exact "
    "level transitions",
    "[unit][sde][ddpm]") {
  auto sde = make<sgm::ForwardSde>("ddpm");
  CHECK(sde->t_min() == Approx(1e-3));
  CHECK(sde->t_max() == 1.0);
  // ᾱ_k = m²(k/N).
  auto abar = [&](double t) { return std::pow(sde->kernel(t).mean_scale(), 2); };
  CHECK(abar(0.1) == Approx(0.897018146).margin(1e-9));
  CHECK(abar(0.5) == Approx(0.078587243).margin(1e-9));
  CHECK(abar(1.0) == Approx(4.035830e-5).epsilon(1e-6));
  CHECK(sde->kernel(0.5).variance() == Approx(1.0 - 0.078587243).margin(1e-9));
  // Level k−1 → k: a = √(1 − β_k), c = β_k with β_k = 1e-4 + (k − 1)(0.02 − 1e-4)/999.
  for (int k : {1, 250, 1000}) {
    INFO("k = " << k);
    const double beta = 1e-4 + (k - 1) * (0.02 - 1e-4) / 999.0;
    const auto hi = sde->kernel(k / 1000.0), lo = sde->kernel((k - 1) / 1000.0);
    const double a = hi.mean_scale() / lo.mean_scale();
    CHECK(a == Approx(std::sqrt(1.0 - beta)).epsilon(1e-12));
    CHECK(hi.variance() - a * a * lo.variance() == Approx(beta).epsilon(1e-9));
  }
  // Between levels it is VP with β(t) = −N log(1 − β_k).
  check_scalar_lyapunov(*sde, {0.2505, 0.7002, 0.9999});
  CHECK_THROWS_AS(make<sgm::ForwardSde>("ddpm", Params{{"beta_end", 1.5}}), sgm::Error);
}

TEST_CASE("ncsn: geometric levels and exact SMLD transitions", "[unit][sde][ncsn]") {
  auto sde = make<sgm::ForwardSde>(
      "ncsn", {{"levels", std::int64_t{10}}, {"sigma_min", 0.01}, {"sigma_max", 1.0}});
  CHECK(sde->t_min() == Approx(0.1));
  for (int k = 1; k <= 10; ++k) {
    INFO("k = " << k);
    const double sigma = 0.01 * std::pow(100.0, (k - 1) / 9.0);
    CHECK(sde->kernel(k / 10.0).variance() == Approx(sigma * sigma).epsilon(1e-12));
    CHECK(sde->kernel(k / 10.0).mean_scale() == 1.0);
  }
  // Linear in t between levels; σ_0 = 0.
  CHECK(sde->kernel(0.05).variance() == Approx(0.5e-4).epsilon(1e-12));
  check_scalar_lyapunov(*sde, {0.05, 0.55, 0.95});
  CHECK(drift_coefficient(*sde, 0.3) == 0.0);
  auto dflt = make<sgm::ForwardSde>("ncsn");
  CHECK(dflt->kernel(1.0).variance() == Approx(2500.0).epsilon(1e-12));
  CHECK(dflt->t_min() == Approx(1e-3));
  CHECK_THROWS_AS(make<sgm::ForwardSde>("ncsn", Params{{"sigma_min", 2.0}, {"sigma_max", 1.0}}),
                  sgm::Error);
}

TEST_CASE("cld: HSM covariance and l_t match MATH.md §6", "[unit][sde][cld]") {
  auto sde = make<sgm::ForwardSde>("cld");
  REQUIRE(sde->blocks() == 2);
  REQUIRE(sde->is_linear());
  CHECK(sde->t_min() == 1e-3);
  CHECK(sde->t_max() == 1.0);
  struct Row {
    double t, xx, xv, vv, ell;
  };
  for (const Row& r : {Row{0.001, 3.193892803e-6, 2.191848367e-4, 0.01755762986, 19.937099},
                       Row{0.01, 8.239131104e-4, 0.006708075907, 0.07553548922, 6.9138103},
                       Row{0.1, 0.221810061, 0.1298598404, 0.2157583505, 2.6751814},
                       Row{0.25, 0.7648271967, 0.07252993, 0.2272886078, 2.130021},
                       Row{0.5, 0.9864607283, 0.005286891016, 0.2479335502, 2.0084322},
                       Row{1.0, 0.9999839705, 7.076211786e-6, 0.249996876, 2.0000125}}) {
    INFO("t = " << r.t);
    const Eigen::Matrix2d s = hsm_cov(*sde, r.t);
    CHECK(s(0, 0) == Approx(r.xx).epsilon(2e-8));
    CHECK(s(0, 1) == Approx(r.xv).epsilon(2e-7));
    CHECK(s(1, 0) == Approx(s(0, 1)).epsilon(1e-14));
    CHECK(s(1, 1) == Approx(r.vv).epsilon(2e-8));
    // Cholesky: L11 = √Σxx, L21 = Σxv/L11, L22 = √(Σvv − L21²), ℓ_t = 1/L22.
    const double l21 = s(0, 1) / std::sqrt(s(0, 0));
    CHECK(1.0 / std::sqrt(s(1, 1) - l21 * l21) == Approx(r.ell).epsilon(1e-7));
  }
  SECTION("DSM (zero initial covariance) at t = 0.1") {
    const auto k = sde->kernel(0.1);
    CHECK(k.cov(0, 0) == Approx(0.2166415102).epsilon(1e-9));
    CHECK(k.cov(0, 1) == Approx(0.1292137715).epsilon(1e-9));
    CHECK(k.cov(1, 1) == Approx(0.2156775919).epsilon(1e-9));
    const double l21 = k.cov(0, 1) / std::sqrt(k.cov(0, 0));
    CHECK(1.0 / std::sqrt(k.cov(1, 1) - l21 * l21) == Approx(2.6859868).epsilon(1e-7));
  }
  SECTION("mean from (x0, v0) = (1, 0)") {
    struct M {
      double t, x, v;
    };
    for (const M& m : {M{0.1, 0.8087921354, -0.1797315856}, M{0.5, 0.0915781944, -0.0366312778},
                       M{1.0, 0.0030191637, -0.0013418505}}) {
      INFO("t = " << m.t);
      const auto k = sde->kernel(m.t);
      CHECK(k.mean_map(0, 0) == Approx(m.x).margin(6e-11));  // 10 decimals
      CHECK(k.mean_map(1, 0) == Approx(m.v).margin(6e-11));
    }
  }
  SECTION("numerical_eps is added to the diagonal only") {
    auto eps = make<sgm::ForwardSde>("cld", {{"numerical_eps", 1e-6}});
    const auto a = sde->kernel(0.1), b = eps->kernel(0.1);
    CHECK(b.cov(0, 0) - a.cov(0, 0) == Approx(1e-6).epsilon(1e-6));
    CHECK(b.cov(1, 1) - a.cov(1, 1) == Approx(1e-6).epsilon(1e-6));
    CHECK(b.cov(0, 1) == a.cov(0, 1));
  }
}

TEST_CASE("cld: kernel solves the moment ODEs for other masses", "[unit][sde][cld]") {
  // dΦ/dt = βA Φ, dΣ/dt = βAΣ + ΣβAᵀ + diag(0, 2Γβ), Γ = 2√M, read from drift
  // and diffusion.
  for (double m_inv : {4.0, 1.0, 9.0}) {
    INFO("m_inv = " << m_inv);
    auto sde = make<sgm::ForwardSde>("cld", {{"m_inv", m_inv}, {"beta", 2.5}});
    sgm::Matrix e = sgm::Matrix::Identity(2, 2), f(2, 2), gg(2, 2);
    sde->drift(e, 0.0, f);
    sde->diffusion_squared_apply(e, 0.0, gg);
    const Eigen::Matrix2d a = f.transpose(),
                          q = gg.transpose();  // columns: images of e_j
    const double gamma = 2.0 / std::sqrt(m_inv), beta = 2.5;
    CHECK(a(0, 1) == Approx(beta * m_inv));
    CHECK(a(1, 0) == Approx(-beta));
    CHECK(a(1, 1) == Approx(-gamma * beta * m_inv));
    CHECK(q(1, 1) == Approx(2.0 * gamma * beta));
    CHECK(q(0, 0) == 0.0);
    for (double t : {1e-3, 0.05, 0.3, 1.0}) {
      INFO("t = " << t);
      const double h = 1e-6 * std::max(1.0, t);
      const auto k = sde->kernel(t), kp = sde->kernel(t + h), km = sde->kernel(t - h);
      const Eigen::Matrix2d dphi = (kp.mean_map - km.mean_map) / (2 * h);
      const Eigen::Matrix2d dcov = (kp.cov - km.cov) / (2 * h);
      const Eigen::Matrix2d s = k.cov, p = k.mean_map;
      CHECK((dphi - a * p).norm() < 1e-6 * (1.0 + (a * p).norm()));
      const Eigen::Matrix2d rhs = a * s + s * a.transpose() + q;
      CHECK((dcov - rhs).norm() < 1e-6 * (1.0 + rhs.norm()));
    }
    // Stationary limit diag(1, M).
    const auto far = sde->kernel(40.0);
    CHECK(far.cov(0, 0) == Approx(1.0).epsilon(1e-9));
    CHECK(far.cov(1, 1) == Approx(1.0 / m_inv).epsilon(1e-9));
  }
  // Small t keeps full relative precision: Σ⁰xx ≈ (32/3)β³t³/Γ³ (β = 4, Γ = 1).
  auto sde = make<sgm::ForwardSde>("cld");
  CHECK(sde->kernel(1e-6).cov(0, 0) == Approx(32.0 / 3.0 * 64.0 * 1e-18).epsilon(1e-4));
  CHECK(sde->kernel(0.0).cov.norm() == 0.0);
  // Large t: the stationary law, no overflow of e^{4B/Γ}.
  const auto far = sde->kernel(500.0);
  CHECK(far.cov(0, 0) == Approx(1.0).epsilon(1e-14));
  CHECK(far.cov(1, 1) == Approx(0.25).epsilon(1e-14));
  CHECK(far.mean_map.norm() == 0.0);
}

TEST_CASE("cld_elliptic: kernel, stationary law (MATH.md §1) and epsilon = 0", "[unit][sde][cld]") {
  const double eps = 0.5, beta = 4.0, g = 1.0, m = 0.25;
  auto sde = make<sgm::ForwardSde>("cld_elliptic", {{"epsilon", eps}});
  REQUIRE(sde->blocks() == 2);
  sgm::Matrix e = sgm::Matrix::Identity(2, 2), f(2, 2), gg(2, 2);
  sde->drift(e, 0.0, f);
  sde->diffusion_squared_apply(e, 0.0, gg);
  const Eigen::Matrix2d a = f.transpose(), q = gg.transpose();
  CHECK(q(0, 0) == Approx(eps * eps));
  CHECK(q(1, 1) == Approx(2.0 * g * beta));
  for (double t : {1e-3, 0.05, 0.3, 1.0}) {
    INFO("t = " << t);
    const double h = 1e-6;
    const auto k = sde->kernel(t), kp = sde->kernel(t + h), km = sde->kernel(t - h);
    const Eigen::Matrix2d dphi = (kp.mean_map - km.mean_map) / (2 * h);
    const Eigen::Matrix2d dcov = (kp.cov - km.cov) / (2 * h);
    const Eigen::Matrix2d s = k.cov, p = k.mean_map;
    CHECK((dphi - a * p).norm() < 1e-6 * (1.0 + (a * p).norm()));
    const Eigen::Matrix2d rhs = a * s + s * a.transpose() + q;
    CHECK((dcov - rhs).norm() < 1e-6 * (1.0 + rhs.norm()));
  }
  // Σ∞ = [[1 + 5Γε²/(8β), −Γ²ε²/(8β)], [·, M + Γ³ε²/(32β)]].
  const double sxx = 1.0 + 5.0 * g * eps * eps / (8.0 * beta);
  const double sxv = -g * g * eps * eps / (8.0 * beta),
               svv = m + g * g * g * eps * eps / (32.0 * beta);
  const auto far = sde->kernel(60.0);
  CHECK(far.cov(0, 0) == Approx(sxx).epsilon(1e-13));
  CHECK(far.cov(0, 1) == Approx(sxv).epsilon(1e-12));
  CHECK(far.cov(1, 1) == Approx(svv).epsilon(1e-13));
  // Small t: Σxx ≈ ε² t.
  CHECK(sde->kernel(1e-7).cov(0, 0) == Approx(eps * eps * 1e-7).epsilon(1e-5));
  // Prior N(0, Σ∞): density and sample moments.
  const Eigen::Matrix2d sinf{{sxx, sxv}, {sxv, svv}};
  sgm::Matrix u(1, 2);
  u << 0.4, -0.7;
  Eigen::VectorXd lp(1);
  sde->prior_log_density(u, lp);
  const Eigen::Vector2d uv(0.4, -0.7);
  CHECK(lp(0) == Approx(-std::log(2.0 * std::numbers::pi) - 0.5 * std::log(sinf.determinant()) -
                        0.5 * uv.dot(sinf.inverse() * uv)));
  const Eigen::Index n = 20000;
  sgm::Matrix x(n, 2);
  sgm::RowRng rng(4, sgm::streams::prior, 0, n);
  sde->prior_sample(x, rng);
  const Moments mx = column_moments(x, 0), mv = column_moments(x, 1);
  CHECK(std::abs(mx.var - sxx) < 4.0 * mx.se_var);
  CHECK(std::abs(mv.var - svv) < 4.0 * mv.se_var);
  // ε = 0 is cld.
  auto zero = make<sgm::ForwardSde>("cld_elliptic", {{"epsilon", 0.0}});
  auto cld = make<sgm::ForwardSde>("cld");
  for (double t : {1e-3, 0.1, 1.0}) {
    CHECK(zero->kernel(t).cov.isApprox(cld->kernel(t).cov, 1e-14));
    CHECK(zero->kernel(t).mean_map.isApprox(cld->kernel(t).mean_map, 1e-14));
  }
  // sscs refuses it (noise on x).
  sgm::Context ctx;
  ctx.sde = sde.get();
  CHECK_THROWS_AS(make<sgm::Integrator>("sscs", {}, ctx), sgm::Error);
}

TEST_CASE("cld: lift, prior and forward Euler-Maruyama agree with the kernel", "[unit][sde][cld]") {
  auto sde = make<sgm::ForwardSde>("cld", {{"t_max", 0.25}});
  const Eigen::Index n = 20000;
  SECTION("lift draws v0 ~ N(0, gamma M) and keeps x") {
    sgm::Matrix data = sgm::Matrix::Constant(n, 1, 1.5), u(n, 2);
    sgm::RowRng rng(11, sgm::streams::lift, 0, n);
    sde->lift(data, u, rng);
    CHECK((u.col(0).array() == 1.5).all());
    const Moments v = column_moments(u, 1);
    CHECK(std::abs(v.mean) < 4.0 * v.se_mean);
    CHECK(std::abs(v.var - 0.01) < 4.0 * v.se_var);
    CHECK(sde->initial_block_cov()(1, 1) == Approx(0.01));
  }
  SECTION("prior N(0, diag(1, M)) and its density") {
    sgm::Matrix u(n, 2);
    sgm::RowRng rng(12, sgm::streams::prior, 0, n);
    sde->prior_sample(u, rng);
    const Moments x = column_moments(u, 0), v = column_moments(u, 1);
    CHECK(std::abs(x.var - 1.0) < 4.0 * x.se_var);
    CHECK(std::abs(v.var - 0.25) < 4.0 * v.se_var);
    sgm::Matrix p(1, 2);
    p << 0.5, -0.3;
    Eigen::VectorXd lp(1);
    sde->prior_log_density(p, lp);
    CHECK(lp(0) == Approx(-std::log(2.0 * std::numbers::pi) - 0.5 * std::log(0.25) - 0.5 * 0.25 -
                          0.5 * 0.09 / 0.25));
  }
  SECTION(
      "forward EM from (1, 0.5) to t = 0.25 matches the kernel's mean and "
      "covariance") {
    auto em = make<sgm::Integrator>(
        "euler_maruyama", {{"steps", std::int64_t{500}}, {"direction", std::string("forward")}});
    sgm::Matrix u(n, 2);
    u.col(0).setConstant(1.0);
    u.col(1).setConstant(0.5);
    sgm::RowRng rng(13, sgm::streams::integrator, 0, n);
    sgm::NullProgress progress;
    em->integrate(u, *sde, nullptr, rng, progress);
    const auto k = sde->kernel(0.25);
    const Eigen::Vector2d mean = k.mean_map * Eigen::Vector2d(1.0, 0.5);
    const Moments x = column_moments(u, 0), v = column_moments(u, 1);
    // EM's O(h) bias (h = 5e-4, rates β/M = 16) stays well below 4 standard
    // errors here.
    CHECK(std::abs(x.mean - mean(0)) < 4.0 * x.se_mean);
    CHECK(std::abs(v.mean - mean(1)) < 4.0 * v.se_mean);
    CHECK(std::abs(x.var - k.cov(0, 0)) < 4.0 * x.se_var);
    CHECK(std::abs(v.var - k.cov(1, 1)) < 4.0 * v.se_var);
    const double cxv = ((u.col(0).array() - x.mean) * (u.col(1).array() - v.mean)).sum() /
                       static_cast<double>(n - 1);
    const double se_cxv =
        std::sqrt((k.cov(0, 0) * k.cov(1, 1) + k.cov(0, 1) * k.cov(0, 1)) / static_cast<double>(n));
    CHECK(std::abs(cxv - k.cov(0, 1)) < 4.0 * se_cxv);
  }
}

namespace {

/// Runs `sampler` with the exact score of data N(2, 0.25) under default CLD
/// from the prior; returns the x-marginal's moments.
Moments cld_sample(const std::string& sampler, const Params& p, Eigen::Index n) {
  auto ds = make<sgm::Dataset>("gmm", {{"weights", sgm::DoubleList{1.0}},
                                       {"means", sgm::DoubleTable{{2.0}}},
                                       {"covariances", sgm::DoubleTable3{{{0.25}}}}});
  auto sde = make<sgm::ForwardSde>("cld");
  sgm::Context ctx;
  ctx.dataset = ds.get();
  ctx.sde = sde.get();
  auto score = make<sgm::ScoreModel>("analytic_gmm", {}, ctx);
  ctx.score = score.get();
  auto integ = make<sgm::Integrator>(sampler, p, ctx);
  sgm::Matrix u(n, 2);
  sgm::RowRng prior(21, sgm::streams::prior, 0, n);
  sde->prior_sample(u, prior);
  sgm::RowRng rng(21, sgm::streams::integrator, 0, n);
  sgm::NullProgress progress;
  const sgm::IntegrationStats st = integ->integrate(u, *sde, score.get(), rng, progress);
  CHECK(st.score_evals == static_cast<std::uint64_t>(std::get<std::int64_t>(p.at("steps"))));
  return column_moments(u, 0);
}

/// W2 between N(m1, v1) and N(m2, v2) in 1-D.
double w2(double m1, double v1, double m2, double v2) {
  return std::hypot(m1 - m2, std::sqrt(v1) - std::sqrt(v2));
}

// Target: the exact x-marginal at ε = 1e-3 (MATH.md §6).
constexpr double target_mean = 1.99993634, target_var = 0.24998728;

}  // namespace

TEST_CASE("sscs and EM on CLD reproduce MATH.md §6's W2 table", "[integration][cld][sscs]") {
  // Exact x-marginal moments of each chain ([DER]: the chains are affine in the
  // state for Gaussian data, so mean and covariance follow a 2x2 linear
  // recursion; their W2 to the target is MATH.md §6's table: SSCS 0.0327889 /
  // 0.00334902, EM 0.0386814 / 0.00379912). Midpoint score (MATH.md §6:
  // 0.0353182) and quadratic striding ([DER] 0.0117924: finer steps near ε,
  // where the score changes fastest) use the same recursion.
  struct Case {
    std::string sampler, option, value;
    std::int64_t steps;
    Eigen::Index particles;
    double mean, var, w2;
  };
  for (const Case& c :
       {Case{"sscs", "", "", 100, 40000, 2.0308553250, 0.2391920909, 0.0327889},
        Case{"euler_maruyama", "", "", 100, 40000, 2.0369500604, 0.2613487087, 0.0386814},
        Case{"sscs", "score_time", "midpoint", 100, 40000, 2.0336044836, 0.2394322420, 0.0353182},
        Case{"sscs", "striding", "quadratic", 100, 40000, 2.0107901229, 0.2453981319, 0.0117924},
        Case{"sscs", "", "", 1000, 8000, 2.0031054961, 0.2489056987, 0.00334902}}) {
    INFO(c.sampler << " " << c.option << " " << c.value << " N = " << c.steps);
    Params p{{"steps", c.steps}};
    if (!c.option.empty()) p[c.option] = c.value;
    const Moments m = cld_sample(c.sampler, p, c.particles);
    CHECK(std::abs(m.mean - c.mean) < 4.0 * m.se_mean);
    CHECK(std::abs(m.var - c.var) < 4.0 * m.se_var);
    CHECK(w2(c.mean, c.var, target_mean, target_var) == Approx(c.w2).margin(1e-7));
    const double measured = w2(m.mean, m.var, target_mean, target_var);
    WARN(c.sampler << " " << c.value << " N=" << c.steps << ": mean " << m.mean << " var " << m.var
                   << " W2 " << measured << " (MATH.md " << c.w2 << ")");
    CHECK(std::abs(measured - c.w2) < 4.0 * (m.se_mean + 0.5 * m.se_var / std::sqrt(m.var)));
  }
}

TEST_CASE("sscs: refuses non-CLD SDEs and documents its NFE", "[unit][cld][sscs]") {
  auto vp = make<sgm::ForwardSde>("vp");
  sgm::Context ctx;
  ctx.sde = vp.get();
  try {
    make<sgm::Integrator>("sscs", {}, ctx);
    FAIL("sscs accepted a VP SDE");
  } catch (const sgm::Error& e) {
    CHECK(std::string(e.what()).find("two-block") != std::string::npos);
  }
  auto cld = make<sgm::ForwardSde>("cld");
  ctx.sde = cld.get();
  auto s = make<sgm::Integrator>("sscs", {{"steps", std::int64_t{10}}, {"denoise", true}}, ctx);
  CHECK(s->planned_steps() == 11);
  CHECK_THROWS_AS(make<sgm::Integrator>("sscs", Params{{"striding", std::string("cubic")}}),
                  sgm::Error);
}
