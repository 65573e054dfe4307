// Unit tests of the score model analytic_gmm: the exact score of p_t = Σ w_k N(m_t μ_k,
// m_t² C_k + σ_t² I) (MATH.md §6) for GMM data under a linear SDE, against MATH.md §6's tables
// (slides' OU through the `ou` plugin; VE through a test-local SDE with the VE kernel) and an
// independent closed form in 2-D with full covariances.
#include <catch2/catch.hpp>

#include <Eigen/LU>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <numbers>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

using sgm::DoubleList;
using sgm::DoubleTable;
using sgm::DoubleTable3;
using sgm::Matrix;

// A test-only one- or two-block SDE defined by its kernel: x_t | x_0 ~ N(m(t) x_0, v(t) I).
// Only kernel(), blocks() and is_linear() matter to analytic_gmm; the rest is a placeholder.
class KernelSde final : public sgm::ForwardSde {
 public:
  KernelSde(std::function<double(double)> m, std::function<double(double)> v, int blocks = 1,
            bool linear = true)
      : m_(std::move(m)), v_(std::move(v)), blocks_(blocks), linear_(linear) {}
  int blocks() const override { return blocks_; }
  double t_max() const override { return 1.0; }
  double t_min() const override { return 1e-3; }
  void drift(sgm::CRef, double, sgm::Ref out) const override { out.setZero(); }
  void diffusion_apply(sgm::CRef z, double, sgm::Ref out) const override { out = z; }
  void diffusion_squared_apply(sgm::CRef s, double, sgm::Ref out) const override { out = s; }
  void prior_sample(sgm::Ref out, sgm::RowRng& rng) const override { rng.normal(out); }
  void prior_log_density(sgm::CRef, sgm::VecRef out) const override { out.setZero(); }
  bool is_linear() const override { return linear_; }
  sgm::LinearKernel kernel(double t) const override {
    if (!linear_) return sgm::ForwardSde::kernel(t);
    return {Eigen::MatrixXd::Constant(1, 1, m_(t)), Eigen::MatrixXd::Constant(1, 1, v_(t))};
  }

 private:
  std::function<double(double)> m_, v_;
  int blocks_;
  bool linear_;
};

// VE: m_t = 1 and σ_t² = t, so "t" is σ²(t) − σ²(0) directly (MATH.md §1).
KernelSde ve_by_variance() {
  return KernelSde([](double) { return 1.0; }, [](double t) { return t; });
}

std::shared_ptr<sgm::ScoreModel> make_score(const sgm::Dataset* ds, const sgm::ForwardSde* sde) {
  sgm::Context ctx;
  ctx.dataset = ds;
  ctx.sde = sde;
  return sgm::test::make<sgm::ScoreModel>("analytic_gmm", {}, ctx);
}

double score_1d(const sgm::ScoreModel& s, double x, double t) {
  Matrix in = Matrix::Constant(1, 1, x), out(1, 1);
  s.score(in, t, out);
  return out(0, 0);
}

}  // namespace

TEST_CASE("analytic_gmm under the slides' OU matches MATH.md §6", "[unit][analytic_gmm]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm");  // tutorial 0.3 N(−5, 4) + 0.7 N(5, 4)
  auto ou = sgm::test::make<sgm::ForwardSde>("ou");  // β = 1: m = e^{−t}, σ² = 1 − e^{−2t}
  auto s = make_score(ds.get(), ou.get());
  struct Row {
    double t, s0, s1;
  };
  const std::vector<Row> table{{0.5, 0.576649182, 0.898735558},
                               {1.0, 0.523297170, 0.517570650},
                               {2.0, 0.256572688, -0.442722960},
                               {3.0, 0.098839144, -0.847950026},
                               {5.0, 0.013474059, -0.985449644}};
  for (const auto& r : table) {
    CAPTURE(r.t);
    CHECK(score_1d(*s, 0.0, r.t) == Approx(r.s0).margin(1e-9));
    CHECK(score_1d(*s, 1.0, r.t) == Approx(r.s1).margin(1e-9));
  }
  // A batch gives the same numbers row by row.
  Matrix x(2, 1), out(2, 1);
  x << 0.0, 1.0;
  s->score(x, 2.0, out);
  CHECK(out(0, 0) == Approx(0.256572688).margin(1e-9));
  CHECK(out(1, 0) == Approx(-0.442722960).margin(1e-9));
}

TEST_CASE("analytic_gmm uses the SDE's kernel: OU with β = 2 at t equals β = 1 at 2t",
          "[unit][analytic_gmm]") {
  // MATH.md §C1: s_β(x, t) = s_1(x, βt).
  auto ds = sgm::test::make<sgm::Dataset>("gmm");
  auto ou2 = sgm::test::make<sgm::ForwardSde>("ou", {{"beta", 2.0}});
  auto s = make_score(ds.get(), ou2.get());
  CHECK(score_1d(*s, 0.0, 0.25) == Approx(0.576649182).margin(1e-9));
  CHECK(score_1d(*s, 1.0, 1.5) == Approx(-0.847950026).margin(1e-9));
}

TEST_CASE("analytic_gmm under VE matches MATH.md §6", "[unit][analytic_gmm]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm");
  const KernelSde ve = ve_by_variance();
  auto s = make_score(ds.get(), &ve);
  // σ²(t) − σ²(0) = 1, 25, 100: score at x = 0 (x = 2).
  CHECK(score_1d(*s, 0.0, 1.0) == Approx(0.4).margin(1e-12));
  CHECK(score_1d(*s, 2.0, 1.0) == Approx(0.584423152).margin(1e-9));
  CHECK(score_1d(*s, 0.0, 25.0) == Approx(0.068965517).margin(1e-9));
  CHECK(score_1d(*s, 2.0, 25.0) == Approx(0.042421155).margin(1e-9));
  CHECK(score_1d(*s, 0.0, 100.0) == Approx(0.019230769).margin(1e-9));
  CHECK(score_1d(*s, 2.0, 100.0) == Approx(0.003728259).margin(1e-9));
  // σ_t² = 0: the data score of MATH.md §6.
  CHECK(score_1d(*s, 2.0, 0.0) == Approx(0.742801558).margin(1e-9));
  CHECK(score_1d(*s, 10.0, 0.0) == Approx(-1.25).margin(1e-9));
  CHECK(score_1d(*s, -5.0, 0.0) == Approx(2.1739e-5).margin(5e-10));
}

TEST_CASE("analytic_gmm in 2-D with full covariances equals the closed form",
          "[unit][analytic_gmm]") {
  auto ds = sgm::test::make<sgm::Dataset>(
      "gmm", {{"weights", DoubleList{0.2, 0.8}},
              {"means", DoubleTable{{-1.0, 2.0}, {1.5, -0.5}}},
              {"covariances", DoubleTable3{{{2.0, 0.9}, {0.9, 1.0}}, {{0.5, -0.2}, {-0.2, 0.8}}}}});
  const double m = 0.6, v = 0.7;
  const KernelSde sde([m](double) { return m; }, [v](double) { return v; });
  auto s = make_score(ds.get(), &sde);

  // Independent closed form: Σ_k r_k (m²C_k + vI)⁻¹ (mμ_k − x), r_k ∝ w_k N(x; mμ_k, m²C_k + vI).
  const std::vector<double> w{0.2, 0.8};
  const std::vector<Eigen::Vector2d> mu{{-1.0, 2.0}, {1.5, -0.5}};
  std::vector<Eigen::Matrix2d> c(2);
  c[0] << 2.0, 0.9, 0.9, 1.0;
  c[1] << 0.5, -0.2, -0.2, 0.8;
  auto expected = [&](const Eigen::Vector2d& x) {
    Eigen::Vector2d num = Eigen::Vector2d::Zero();
    double den = 0;
    for (int k = 0; k < 2; ++k) {
      const Eigen::Matrix2d ck = m * m * c[k] + v * Eigen::Matrix2d::Identity();
      const Eigen::Vector2d d = m * mu[k] - x;
      const double pk = w[k] * std::exp(-0.5 * d.dot(ck.inverse() * d)) /
                        std::sqrt(ck.determinant());
      num += pk * ck.inverse() * d;
      den += pk;
    }
    return Eigen::Vector2d(num / den);
  };

  Matrix x(4, 2), out(4, 2);
  x << 0.3, -0.7, -2.0, 2.5, 1.0, 1.0, 4.0, -3.0;
  s->score(x, 0.5, out);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    CAPTURE(i);
    const Eigen::Vector2d e = expected(x.row(i).transpose());
    CHECK(out(i, 0) == Approx(e[0]).margin(1e-12));
    CHECK(out(i, 1) == Approx(e[1]).margin(1e-12));
  }
}

TEST_CASE("analytic_gmm agrees with GaussianMixture::perturbed(m, v).score over many blocks",
          "[unit][analytic_gmm]") {
  // 3-D, 3 components, one of weight 0; 1000 rows span several of the plugin's row blocks.
  auto ds = sgm::test::make<sgm::Dataset>(
      "gmm", {{"weights", DoubleList{0.5, 0.0, 0.5}},
              {"means", DoubleTable{{0.0, 1.0, -1.0}, {3.0, 3.0, 3.0}, {-2.0, 0.5, 2.0}}},
              {"covariances",
               DoubleTable3{{{1.0, 0.3, 0.0}, {0.3, 2.0, -0.4}, {0.0, -0.4, 0.7}},
                            {{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}, {0.0, 0.0, 1.0}},
                            {{0.2, 0.0, 0.1}, {0.0, 0.3, 0.0}, {0.1, 0.0, 0.4}}}}});
  const double m = 0.8, v = 0.3;
  const KernelSde sde([m](double) { return m; }, [v](double) { return v; });
  auto s = make_score(ds.get(), &sde);
  const Eigen::Index n = 1000;
  Matrix x(n, 3);
  sgm::RowRng rng(99, sgm::streams::reference, 0, n);
  rng.normal(x);
  x *= 3.0;
  Matrix got(n, 3), want(n, 3);
  s->score(x, 0.1, got);
  ds->mixture()->perturbed(m, v).score(x, want);
  CHECK((got - want).cwiseAbs().maxCoeff() < 1e-11 * (1.0 + want.cwiseAbs().maxCoeff()));
  // The weight-0 component plays no part: the same as the two-component mixture.
  auto two = sgm::test::make<sgm::Dataset>(
      "gmm", {{"weights", DoubleList{0.5, 0.5}},
              {"means", DoubleTable{{0.0, 1.0, -1.0}, {-2.0, 0.5, 2.0}}},
              {"covariances",
               DoubleTable3{{{1.0, 0.3, 0.0}, {0.3, 2.0, -0.4}, {0.0, -0.4, 0.7}},
                            {{0.2, 0.0, 0.1}, {0.0, 0.3, 0.0}, {0.1, 0.0, 0.4}}}}});
  Matrix got2(n, 3);
  make_score(two.get(), &sde)->score(x, 0.1, got2);
  CHECK((got - got2).cwiseAbs().maxCoeff() < 1e-11 * (1.0 + want.cwiseAbs().maxCoeff()));
}

TEST_CASE("analytic_gmm works on the noisy circle points", "[unit][analytic_gmm]") {
  auto ds = sgm::test::make<sgm::Dataset>("circle", {{"noise", 0.1}});
  auto ou = sgm::test::make<sgm::ForwardSde>("ou");
  auto s = make_score(ds.get(), ou.get());
  // p_t = (1/8) Σ_i N(m x_i, (m² 0.01 + σ²) I): isotropic, so s = Σ_i r_i (m x_i − x)/V.
  const double t = 0.3, m = std::exp(-t), var = m * m * 0.01 + 1 - std::exp(-2 * t);
  const Eigen::RowVector2d x{0.5, 0.2};
  Eigen::RowVector2d num = Eigen::RowVector2d::Zero();
  double den = 0;
  for (int i = 0; i < 8; ++i) {
    const double a = i * std::numbers::pi / 4;
    const Eigen::RowVector2d mean{m * std::cos(a), m * std::sin(a)};
    const double p = std::exp(-(x - mean).squaredNorm() / (2 * var));
    num += p * (mean - x) / var;
    den += p;
  }
  Matrix in = x, out(1, 2);
  s->score(in, t, out);
  CHECK(out(0, 0) == Approx(num[0] / den).margin(1e-12));
  CHECK(out(0, 1) == Approx(num[1] / den).margin(1e-12));
}

TEST_CASE("analytic_gmm keeps its own copy of the mixture", "[unit][analytic_gmm]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm");
  const KernelSde ve = ve_by_variance();
  auto s = make_score(ds.get(), &ve);
  ds.reset();  // the dataset is gone; the score model must not depend on it
  CHECK(score_1d(*s, 0.0, 25.0) == Approx(0.068965517).margin(1e-9));
}

TEST_CASE("analytic_gmm is deterministic under concurrent calls", "[unit][analytic_gmm]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm");
  auto ou = sgm::test::make<sgm::ForwardSde>("ou");
  auto s = make_score(ds.get(), ou.get());
  const Eigen::Index n = 4000;
  Matrix x(n, 1);
  for (Eigen::Index i = 0; i < n; ++i) x(i, 0) = -10.0 + 20.0 * static_cast<double>(i) / n;
  Matrix serial(n, 1), parallel(n, 1);
  s->score(x, 0.7, serial);
  std::vector<std::thread> threads;
  const Eigen::Index block = n / 4;
  for (int k = 0; k < 4; ++k)
    threads.emplace_back([&, k] {
      s->score(x.middleRows(k * block, block), 0.7, parallel.middleRows(k * block, block));
    });
  for (auto& th : threads) th.join();
  CHECK((serial == parallel));
  // And it is the OU score: the value at x = 0 (row n/2) against an independent evaluation.
  CHECK(serial(n / 2, 0) == Approx(score_1d(*s, 0.0, 0.7)).margin(0.0));
}

TEST_CASE("analytic_gmm refuses what it cannot score", "[unit][analytic_gmm]") {
  using Catch::Matchers::Contains;
  auto gmm = sgm::test::make<sgm::Dataset>("gmm");
  auto ou = sgm::test::make<sgm::ForwardSde>("ou");

  SECTION("a dataset that is not a Gaussian mixture") {
    auto roll = sgm::test::make<sgm::Dataset>("swiss_roll");
    CHECK_THROWS_WITH(make_score(roll.get(), ou.get()), Contains("Gaussian mixture"));
    auto dirac = sgm::test::make<sgm::Dataset>("circle");  // noise 0: Dirac masses
    CHECK_THROWS_AS(make_score(dirac.get(), ou.get()), sgm::Error);
  }
  SECTION("missing stages") {
    CHECK_THROWS_WITH(make_score(nullptr, ou.get()), Contains("dataset"));
    CHECK_THROWS_WITH(make_score(gmm.get(), nullptr), Contains("sde"));
  }
  SECTION("an SDE without a kernel") {
    const KernelSde nonlinear([](double) { return 1.0; }, [](double t) { return t; }, 1, false);
    CHECK_THROWS_WITH(make_score(gmm.get(), &nonlinear), Contains("linear"));
  }
  SECTION("states of the wrong dimension") {
    auto s = make_score(gmm.get(), ou.get());
    Matrix x = Matrix::Zero(3, 2), out(3, 2);
    CHECK_THROWS_AS(s->score(x, 0.5, out), sgm::Error);
  }
  SECTION("a degenerate p_t (m_t = 0 and σ_t² = 0)") {
    const KernelSde zero([](double) { return 0.0; }, [](double) { return 0.0; });
    auto s = make_score(gmm.get(), &zero);
    Matrix x = Matrix::Zero(1, 1), out(1, 1);
    CHECK_THROWS_WITH(s->score(x, 0.5, out), Contains("degenerate"));
  }
}

namespace {
// A two-block linear SDE with a fixed kernel and an auxiliary initial variance (CLD-like).
class TwoBlockSde final : public sgm::ForwardSde {
 public:
  Eigen::Matrix2d a, sigma, c0;
  int blocks() const override { return 2; }
  double t_max() const override { return 1; }
  double t_min() const override { return 0; }
  void drift(sgm::CRef, double, sgm::Ref out) const override { out.setZero(); }
  void diffusion_apply(sgm::CRef z, double, sgm::Ref out) const override { out = z; }
  void diffusion_squared_apply(sgm::CRef z, double, sgm::Ref out) const override { out = z; }
  void prior_sample(sgm::Ref out, sgm::RowRng&) const override { out.setZero(); }
  void prior_log_density(sgm::CRef, sgm::VecRef out) const override { out.setZero(); }
  Eigen::MatrixXd initial_block_cov() const override { return c0; }
  bool is_linear() const override { return true; }
  sgm::LinearKernel kernel(double) const override { return {a, sigma}; }
};
}  // namespace

TEST_CASE("analytic_gmm scores two-block (CLD-like) states exactly", "[unit][analytic_gmm]") {
  // 1-D data N(μ, c); state (x, v) ~ N(A (μ, 0), A diag(c, C0_vv) Aᵀ + Σ) (MATH.md §6, CLD).
  auto data = sgm::test::make<sgm::Dataset>(
      "gmm", {{"weights", sgm::DoubleList{1.0}}, {"means", sgm::DoubleTable{{1.5}}},
              {"covariances", sgm::DoubleTable3{{{0.5}}}}});
  TwoBlockSde sde;
  sde.a << 0.8, 0.3, -0.2, 0.6;
  sde.sigma << 0.4, 0.1, 0.1, 0.3;
  sde.c0 << 0.0, 0.0, 0.0, 0.25;
  auto s = make_score(data.get(), &sde);
  Eigen::Matrix2d init;
  init << 0.5, 0.0, 0.0, 0.25;
  const Eigen::Matrix2d cov = sde.a * init * sde.a.transpose() + sde.sigma;
  const Eigen::Vector2d mean = sde.a.col(0) * 1.5;
  Matrix u(3, 2), out(3, 2);
  u << 0.0, 0.0, 1.0, -0.5, 2.0, 1.0;
  s->score(u, 0.5, out);
  for (int i = 0; i < 3; ++i) {
    const Eigen::Vector2d expected = -cov.inverse() * (u.row(i).transpose() - mean);
    CHECK(out(i, 0) == Approx(expected[0]).epsilon(1e-12));
    CHECK(out(i, 1) == Approx(expected[1]).epsilon(1e-12));
  }
}
