// Unit tests of the dataset plugins gmm, circle and swiss_roll, built through the real loader.
// Reference values: MATH.md §6 (tutorial GMM), §C3/§C12 (circle test set rotated by π/n, swiss
// roll). Statistical checks use a fixed seed and a tolerance of 5 standard errors, so they are
// deterministic and a wrong mean/variance of a few percent fails them.
#include <catch2/catch.hpp>

#include <Eigen/LU>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

using sgm::DoubleList;
using sgm::DoubleTable;
using sgm::DoubleTable3;
using sgm::Matrix;
constexpr double pi = std::numbers::pi;

Matrix draw(const sgm::Dataset& ds, Eigen::Index n, std::uint64_t seed = 20240611,
            std::uint64_t first = 0) {
  Matrix x(n, ds.dim());
  sgm::RowRng rng(seed, sgm::streams::data, first, n);
  ds.sample(x, rng);
  return x;
}

double mean(const Eigen::VectorXd& v) { return v.mean(); }
double variance(const Eigen::VectorXd& v) {
  return (v.array() - v.mean()).square().sum() / static_cast<double>(v.size() - 1);
}

double log_density_at(const sgm::Dataset& ds, const Eigen::RowVectorXd& x) {
  Matrix m = x;
  Eigen::VectorXd out(1);
  ds.log_density(m, out);
  return out[0];
}

Eigen::RowVectorXd score_at(const sgm::Dataset& ds, const Eigen::RowVectorXd& x) {
  Matrix m = x;
  Matrix out(1, x.size());
  ds.score(m, out);
  return out.row(0);
}

double score_1d(const sgm::Dataset& ds, double x) {
  return score_at(ds, Eigen::RowVectorXd::Constant(1, x))[0];
}
double log_density_1d(const sgm::Dataset& ds, double x) {
  return log_density_at(ds, Eigen::RowVectorXd::Constant(1, x));
}

// Angle in [0, 2π) of a 2-D point.
double angle_of(double x, double y) {
  double a = std::atan2(y, x);
  return a < 0 ? a + 2 * pi : a;
}

// Distance of angle a to the nearest of phase + 2πk/n, on the circle.
double angle_offset(double a, double phase, int n) {
  const double step = 2 * pi / n;
  double r = std::fmod(a - phase, step);
  if (r < 0) r += step;
  return std::min(r, step - r);
}

// A 2-D, 3-component mixture with full covariances for derivative and sampling checks.
std::map<std::string, sgm::Value> gmm2d_params() {
  return {{"weights", DoubleList{0.2, 0.5, 0.3}},
          {"means", DoubleTable{{-1.0, 2.0}, {1.5, -0.5}, {0.0, 0.0}}},
          {"covariances", DoubleTable3{{{2.0, 0.9}, {0.9, 1.0}},
                                       {{0.5, -0.2}, {-0.2, 0.8}},
                                       {{1.0, 0.0}, {0.0, 3.0}}}}};
}

}  // namespace

// ---------------------------------------------------------------------------------------- gmm

TEST_CASE("gmm defaults are the tutorial mixture and match MATH.md §6", "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm");
  REQUIRE(ds->dim() == 1);
  REQUIRE(ds->has_density());
  REQUIRE(ds->mixture() != nullptr);
  CHECK(ds->mixture()->components() == 2);
  CHECK(ds->mixture()->weights()[0] == Approx(0.3).margin(1e-15));

  // MATH.md §6: log p(0) = −4.73708571, log p(5) = −1.96875906.
  CHECK(log_density_1d(*ds, 0.0) == Approx(-4.73708571).margin(1e-8));
  CHECK(log_density_1d(*ds, 5.0) == Approx(-1.96875906).margin(1e-8));
  // Scores, each to half a unit in the last printed digit.
  CHECK(score_1d(*ds, -5.0) == Approx(2.1739e-5).margin(5e-10));
  CHECK(score_1d(*ds, 0.0) == Approx(0.5).margin(1e-12));
  CHECK(score_1d(*ds, 2.0) == Approx(0.742801558).margin(1e-9));
  CHECK(score_1d(*ds, 5.0) == Approx(-3.9928e-6).margin(5e-11));
  CHECK(score_1d(*ds, 10.0) == Approx(-1.25).margin(1e-9));
}

TEST_CASE("gmm weights are normalised", "[unit][datasets]") {
  auto a = sgm::test::make<sgm::Dataset>("gmm", {{"weights", DoubleList{3.0, 7.0}}});
  CHECK(a->mixture()->weights()[1] == Approx(0.7).margin(1e-15));
  CHECK(log_density_1d(*a, 0.0) == Approx(-4.73708571).margin(1e-8));
}

TEST_CASE("gmm sample moments match the tutorial mixture (mean 2, variance 25)",
          "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm");
  const Eigen::Index n = 200000;
  const Eigen::VectorXd x = draw(*ds, n).col(0);
  // Standard errors: mean sqrt(25/n) = 0.0112; variance sqrt((μ4 − σ⁴)/n) with the central
  // fourth moment μ4 = 0.3·3625 + 0.7·345 = 1329 (components N(−7,4), N(3,4) about the mean 2),
  // i.e. sqrt(704/n) = 0.0593. Tolerance: 5 standard errors.
  CHECK(std::abs(mean(x) - 2.0) < 5 * std::sqrt(25.0 / n));
  CHECK(std::abs(variance(x) - 25.0) < 5 * std::sqrt(704.0 / n));
  // Mode weight: P(x < 0) = 0.3 Φ(2.5) + 0.7 Φ(−2.5) = 0.30124; s.e. sqrt(p(1−p)/n) = 0.00103.
  const double below = static_cast<double>((x.array() < 0.0).count()) / n;
  const double p = 0.3 * 0.99379033467 + 0.7 * 0.00620966533;
  CHECK(std::abs(below - p) < 5 * std::sqrt(p * (1 - p) / n));
}

TEST_CASE("gmm 2-D: sample mean and covariance of a full-covariance component",
          "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>(
      "gmm", {{"weights", DoubleList{1.0}},
              {"means", DoubleTable{{1.0, -2.0}}},
              {"covariances", DoubleTable3{{{2.0, 0.9}, {0.9, 1.0}}}}});
  REQUIRE(ds->dim() == 2);
  const Eigen::Index n = 100000;
  const Matrix x = draw(*ds, n);
  const Eigen::RowVector2d mu = x.colwise().mean();
  const Matrix c = x.rowwise() - mu;
  const Eigen::Matrix2d cov = (c.transpose() * c) / static_cast<double>(n - 1);
  // s.e. of a mean: sqrt(C_ii/n); of a Gaussian sample covariance: sqrt((C_ii C_jj + C_ij²)/n).
  CHECK(std::abs(mu[0] - 1.0) < 5 * std::sqrt(2.0 / n));
  CHECK(std::abs(mu[1] + 2.0) < 5 * std::sqrt(1.0 / n));
  CHECK(std::abs(cov(0, 0) - 2.0) < 5 * std::sqrt(2 * 4.0 / n));
  CHECK(std::abs(cov(1, 1) - 1.0) < 5 * std::sqrt(2 * 1.0 / n));
  CHECK(std::abs(cov(0, 1) - 0.9) < 5 * std::sqrt((2.0 + 0.81) / n));
}

TEST_CASE("gmm 2-D: log density is the closed form and the score its gradient",
          "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm", gmm2d_params());
  REQUIRE(ds->dim() == 2);

  // Closed form of the mixture density, written out independently of GaussianMixture.
  const std::vector<double> w{0.2, 0.5, 0.3};
  const std::vector<Eigen::Vector2d> mu{{-1.0, 2.0}, {1.5, -0.5}, {0.0, 0.0}};
  std::vector<Eigen::Matrix2d> cv(3);
  cv[0] << 2.0, 0.9, 0.9, 1.0;
  cv[1] << 0.5, -0.2, -0.2, 0.8;
  cv[2] << 1.0, 0.0, 0.0, 3.0;
  auto density = [&](const Eigen::Vector2d& x) {
    double p = 0;
    for (int k = 0; k < 3; ++k) {
      const Eigen::Vector2d d = x - mu[k];
      p += w[k] * std::exp(-0.5 * d.dot(cv[k].inverse() * d)) /
           (2 * pi * std::sqrt(cv[k].determinant()));
    }
    return p;
  };

  const std::vector<Eigen::RowVector2d> points{{0.3, -0.7}, {-2.0, 2.5}, {1.0, 1.0}, {4.0, -3.0}};
  const double h = 1e-5;
  for (const auto& x : points) {
    CAPTURE(x);
    CHECK(log_density_at(*ds, x) == Approx(std::log(density(x.transpose()))).margin(1e-12));
    const Eigen::RowVectorXd s = score_at(*ds, x);
    for (int j = 0; j < 2; ++j) {
      Eigen::RowVector2d up = x, down = x;
      up[j] += h;
      down[j] -= h;
      // Central difference: truncation O(h²) ≈ 1e-10, round-off ≈ 1e-16/h = 1e-11.
      const double fd = (log_density_at(*ds, up) - log_density_at(*ds, down)) / (2 * h);
      CHECK(s[j] == Approx(fd).margin(1e-7));
    }
  }
}

TEST_CASE("gmm sampling draws row i from rng.row(i) only", "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm", gmm2d_params());
  const Matrix whole = draw(*ds, 100, 7);
  // The same rows drawn as two blocks [0, 37) and [37, 100) must be bit-identical.
  const Matrix head = draw(*ds, 37, 7, 0);
  const Matrix tail = draw(*ds, 63, 7, 37);
  CHECK((whole.topRows(37) == head));
  CHECK((whole.bottomRows(63) == tail));
  // Another seed gives other numbers.
  CHECK((draw(*ds, 100, 8) != whole));
}

TEST_CASE("gmm rejects inconsistent or invalid parameters", "[unit][datasets]") {
  using Catch::Matchers::Contains;
  auto make = [](std::map<std::string, sgm::Value> p) {
    return sgm::test::make<sgm::Dataset>("gmm", std::move(p));
  };
  // One mean per weight.
  CHECK_THROWS_AS(make({{"weights", DoubleList{0.2, 0.3, 0.5}}}), sgm::Error);
  CHECK_THROWS_WITH(make({{"weights", DoubleList{0.2, 0.3, 0.5}}}),
                    Contains("means has 2 rows but weights has 3 entries"));
  // One covariance per weight.
  CHECK_THROWS_WITH(make({{"covariances", DoubleTable3{{{4.0}}}}}),
                    Contains("covariances has 1 matrices but weights has 2"));
  // Means of different dimensions.
  CHECK_THROWS_WITH(make({{"means", DoubleTable{{0.0}, {1.0, 2.0}}}}), Contains("means[1]"));
  // A covariance of the wrong shape (2-D means, 1x1 covariance).
  CHECK_THROWS_WITH(make({{"means", DoubleTable{{0.0, 0.0}, {1.0, 2.0}}}}),
                    Contains("covariances[0]"));
  // Not symmetric positive definite.
  CHECK_THROWS_WITH(make({{"covariances", DoubleTable3{{{4.0}}, {{-1.0}}}}}),
                    Contains("covariances[1] is not positive definite"));
  CHECK_THROWS_WITH(make({{"weights", DoubleList{1.0}},
                          {"means", DoubleTable{{0.0, 0.0}}},
                          {"covariances", DoubleTable3{{{1.0, 2.0}, {2.0, 1.0}}}}}),
                    Contains("covariances[0] is not positive definite"));
  CHECK_THROWS_WITH(make({{"weights", DoubleList{1.0}},
                          {"means", DoubleTable{{0.0, 0.0}}},
                          {"covariances", DoubleTable3{{{1.0, 0.5}, {0.0, 1.0}}}}}),
                    Contains("covariances[0] is not symmetric"));
  // Weights: not all zero, not negative (the latter caught by the declared range).
  CHECK_THROWS_WITH(make({{"weights", DoubleList{0.0, 0.0}}}), Contains("weights"));
  CHECK_THROWS_AS(make({{"weights", DoubleList{-0.3, 1.3}}}), sgm::Error);
  CHECK_THROWS_AS(make({{"weights", DoubleList{}}, {"means", DoubleTable{}},
                        {"covariances", DoubleTable3{}}}),
                  sgm::Error);
}

TEST_CASE("gmm refuses points of the wrong dimension", "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm");
  Matrix x = Matrix::Zero(3, 2), s(3, 2);
  Eigen::VectorXd lp(3);
  CHECK_THROWS_AS(ds->score(x, s), sgm::Error);
  CHECK_THROWS_AS(ds->log_density(x, lp), sgm::Error);
}

// ------------------------------------------------------------------------------------- circle

TEST_CASE("circle defaults: seed 000's 8 training points on the unit circle", "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>("circle");
  REQUIRE(ds->dim() == 2);
  CHECK_FALSE(ds->has_density());  // noise 0: Dirac masses
  CHECK(ds->mixture() == nullptr);
  const Eigen::Index n = 40000;
  const Matrix x = draw(*ds, n);
  std::vector<int> count(8, 0);
  double worst_radius = 0, worst_angle = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    worst_radius = std::max(worst_radius, std::abs(x.row(i).norm() - 1.0));
    const double a = angle_of(x(i, 0), x(i, 1));
    worst_angle = std::max(worst_angle, angle_offset(a, 0.0, 8));
    ++count[static_cast<std::size_t>(std::lround(a / (pi / 4))) % 8];
  }
  CHECK(worst_radius < 1e-12);
  CHECK(worst_angle < 1e-12);
  // Each point with probability 1/8: s.e. sqrt(p(1 − p)/n) = 0.00165.
  for (int k = 0; k < 8; ++k) {
    CAPTURE(k);
    CHECK(std::abs(count[k] / static_cast<double>(n) - 0.125) <
          5 * std::sqrt(0.125 * 0.875 / n));
  }
}

TEST_CASE("circle test split is the training set rotated by π/n (MATH.md §C3, not π/4)",
          "[unit][datasets]") {
  auto train = sgm::test::make<sgm::Dataset>("circle");
  auto test = sgm::test::make<sgm::Dataset>("circle", {{"split", std::string("test")}});
  const Matrix a = draw(*train, 2000), b = draw(*test, 2000);
  double worst = 0, nearest = 1e9;
  for (Eigen::Index i = 0; i < b.rows(); ++i) {
    worst = std::max(worst, angle_offset(angle_of(b(i, 0), b(i, 1)), pi / 8, 8));
    for (Eigen::Index j = 0; j < 16; ++j) nearest = std::min(nearest, (b.row(i) - a.row(j)).norm());
  }
  CHECK(worst < 1e-12);
  // Midway between training points: every test point is 2 sin(π/16) = 0.390181 from the nearest
  // training point. (Rotating by π/4, as the seed says, would give distance 0.)
  CHECK(nearest == Approx(2 * std::sin(pi / 16)).margin(1e-12));
  // The same draw rotated: test point i = training point i rotated by π/8.
  const double c8 = std::cos(pi / 8), s8 = std::sin(pi / 8);
  double worst_rotated = 0;
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    const double rx = c8 * a(i, 0) - s8 * a(i, 1), ry = s8 * a(i, 0) + c8 * a(i, 1);
    worst_rotated = std::max({worst_rotated, std::abs(rx - b(i, 0)), std::abs(ry - b(i, 1))});
  }
  CHECK(worst_rotated < 1e-12);
  // For n = 9 (seed 001's set) the test offset is π/9.
  auto test9 = sgm::test::make<sgm::Dataset>(
      "circle", {{"points", std::int64_t{9}}, {"split", std::string("test")}});
  const Matrix c = draw(*test9, 500);
  double worst9 = 0;
  for (Eigen::Index i = 0; i < c.rows(); ++i)
    worst9 = std::max(worst9, angle_offset(angle_of(c(i, 0), c(i, 1)), pi / 9, 9));
  CHECK(worst9 < 1e-12);
}

TEST_CASE("circle rotation sets the phase of the points", "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>(
      "circle", {{"rotation", 0.3}, {"radius", 2.5}, {"points", std::int64_t{5}}});
  const Matrix x = draw(*ds, 1000);
  double worst_angle = 0, worst_radius = 0;
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    worst_angle = std::max(worst_angle, angle_offset(angle_of(x(i, 0), x(i, 1)), 0.3, 5));
    worst_radius = std::max(worst_radius, std::abs(x.row(i).norm() - 2.5));
  }
  CHECK(worst_angle < 1e-12);
  CHECK(worst_radius < 1e-12);
}

TEST_CASE("circle with points = 0 is uniform on the circle", "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>("circle",
                                          {{"points", std::int64_t{0}}, {"radius", 10.0}});
  const Eigen::Index n = 100000;
  const Matrix x = draw(*ds, n);
  Eigen::VectorXd r(n), a(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    r[i] = x.row(i).norm();
    a[i] = angle_of(x(i, 0), x(i, 1));
  }
  CHECK((r.array() - 10.0).abs().maxCoeff() < 1e-12);
  // θ ~ U[0, 2π): mean π, variance π²/3; s.e. of the mean π/sqrt(3n).
  CHECK(std::abs(mean(a) - pi) < 5 * pi / std::sqrt(3.0 * n));
  CHECK(std::abs(variance(a) - pi * pi / 3) < 5 * std::sqrt(4.0 / 45.0) * pi * pi / std::sqrt(n));
  CHECK_FALSE(ds->has_density());
  CHECK(ds->mixture() == nullptr);
}

TEST_CASE("circle noise adds N(0, noise² I) to the same points", "[unit][datasets]") {
  auto clean = sgm::test::make<sgm::Dataset>("circle", {{"points", std::int64_t{0}}});
  auto noisy = sgm::test::make<sgm::Dataset>(
      "circle", {{"points", std::int64_t{0}}, {"noise", 0.05}});
  const Eigen::Index n = 50000;
  const Matrix d = draw(*noisy, n) - draw(*clean, n);
  // Same seed: the difference is exactly the noise. Per-coordinate variance 0.0025, s.e. of a
  // sample variance σ²·sqrt(2/n).
  for (int j = 0; j < 2; ++j) {
    const Eigen::VectorXd c = d.col(j);
    CHECK(std::abs(mean(c)) < 5 * 0.05 / std::sqrt(n));
    CHECK(std::abs(variance(c) - 0.0025) < 5 * 0.0025 * std::sqrt(2.0 / n));
  }
}

TEST_CASE("circle with noise is a Gaussian mixture with exact density and score",
          "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>("circle", {{"noise", 0.3}});
  REQUIRE(ds->has_density());
  const sgm::GaussianMixture* m = ds->mixture();
  REQUIRE(m != nullptr);
  REQUIRE(m->components() == 8);
  for (int k = 0; k < 8; ++k) {
    CHECK(m->weights()[k] == Approx(0.125).margin(1e-15));
    CHECK(m->means()(k, 0) == Approx(std::cos(k * pi / 4)).margin(1e-15));
    CHECK(m->means()(k, 1) == Approx(std::sin(k * pi / 4)).margin(1e-15));
    CHECK((m->covariances()[static_cast<std::size_t>(k)] -
           0.09 * Eigen::Matrix2d::Identity()).cwiseAbs().maxCoeff() < 1e-15);
  }
  // log p(x) = log((1/8) Σ_i N(x; x_i, 0.09 I)), written out.
  const Eigen::RowVector2d x{0.4, 0.9};
  double p = 0;
  for (int k = 0; k < 8; ++k) {
    const Eigen::RowVector2d c{std::cos(k * pi / 4), std::sin(k * pi / 4)};
    p += std::exp(-(x - c).squaredNorm() / (2 * 0.09)) / (2 * pi * 0.09) / 8;
  }
  CHECK(log_density_at(*ds, x) == Approx(std::log(p)).margin(1e-12));
  // At the centre the score vanishes by symmetry.
  CHECK(score_at(*ds, Eigen::RowVector2d{0.0, 0.0}).norm() < 1e-12);
}

// --------------------------------------------------------------------------------- swiss_roll

TEST_CASE("swiss_roll (2-D, no noise) lies on the spiral r = t, angle = t", "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>("swiss_roll");
  REQUIRE(ds->dim() == 2);
  CHECK_FALSE(ds->has_density());
  const Eigen::Index n = 50000;
  const Matrix x = draw(*ds, n);
  Eigen::VectorXd t(n);
  double worst = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    t[i] = x.row(i).norm();  // |(t cos t, t sin t)| = t
    const double off = std::remainder(angle_of(x(i, 0), x(i, 1)) - t[i], 2 * pi);
    worst = std::max(worst, std::abs(off));
  }
  CHECK(worst < 1e-9);
  CHECK(t.minCoeff() >= 1.5 * pi);
  CHECK(t.maxCoeff() <= 4.5 * pi);
  // t = 1.5π(1 + 2u) is uniform on [1.5π, 4.5π]: mean 3π, s.e. (3π/√12)/√n.
  CHECK(std::abs(mean(t) - 3 * pi) < 5 * (3 * pi / std::sqrt(12.0)) / std::sqrt(n));
}

TEST_CASE("swiss_roll scale multiplies every coordinate", "[unit][datasets]") {
  auto one = sgm::test::make<sgm::Dataset>("swiss_roll", {{"noise", 0.2}});
  auto half = sgm::test::make<sgm::Dataset>("swiss_roll", {{"noise", 0.2}, {"scale", 0.5}});
  const Matrix a = draw(*one, 1000), b = draw(*half, 1000);
  CHECK((0.5 * a - b).cwiseAbs().maxCoeff() < 1e-12);
}

TEST_CASE("swiss_roll 3-D is seed 000's roll and the 2-D roll is its (x, z) projection",
          "[unit][datasets]") {
  auto r3 = sgm::test::make<sgm::Dataset>("swiss_roll",
                                          {{"dim", std::int64_t{3}}, {"noise", 0.3}});
  auto r2 = sgm::test::make<sgm::Dataset>("swiss_roll", {{"noise", 0.3}});
  REQUIRE(r3->dim() == 3);
  const Eigen::Index n = 50000;
  const Matrix a = draw(*r3, n), b = draw(*r2, n);
  CHECK((a.col(0) - b.col(0)).cwiseAbs().maxCoeff() < 1e-12);
  CHECK((a.col(2) - b.col(1)).cwiseAbs().maxCoeff() < 1e-12);
  // Height y = 21v + noise: mean 10.5, variance 21²/12 + 0.09; s.e. of the mean sqrt(var/n).
  const Eigen::VectorXd y = a.col(1);
  const double var = 21.0 * 21.0 / 12.0 + 0.09;
  CHECK(std::abs(mean(y) - 10.5) < 5 * std::sqrt(var / n));
  CHECK(std::abs(variance(y) - var) < 0.02 * var);
}

TEST_CASE("swiss_roll noise is N(0, noise² I) around the noise-free roll", "[unit][datasets]") {
  auto clean = sgm::test::make<sgm::Dataset>("swiss_roll", {{"dim", std::int64_t{3}}});
  auto noisy = sgm::test::make<sgm::Dataset>("swiss_roll",
                                             {{"dim", std::int64_t{3}}, {"noise", 1.5}});
  const Eigen::Index n = 50000;
  const Matrix d = draw(*noisy, n) - draw(*clean, n);
  // Seed 000's "N(0₃, 1.5·I₃)" read as std 1.5 (MATH.md §C12.6): variance 2.25 per coordinate.
  for (int j = 0; j < 3; ++j) {
    const Eigen::VectorXd c = d.col(j);
    CHECK(std::abs(mean(c)) < 5 * 1.5 / std::sqrt(n));
    CHECK(std::abs(variance(c) - 2.25) < 5 * 2.25 * std::sqrt(2.0 / n));
  }
}

TEST_CASE("swiss_roll hole removes the centre cell of (t, y)", "[unit][datasets]") {
  auto ds = sgm::test::make<sgm::Dataset>("swiss_roll",
                                          {{"dim", std::int64_t{3}}, {"hole", true}});
  const Eigen::Index n = 40000;
  const Matrix x = draw(*ds, n);
  std::vector<int> cells(9, 0);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double t = std::hypot(x(i, 0), x(i, 2)), y = x(i, 1);
    const int ci = std::clamp(static_cast<int>((t / pi) - 1.5), 0, 2);
    const int cj = std::clamp(static_cast<int>(y / 7.0), 0, 2);
    ++cells[static_cast<std::size_t>(3 * ci + cj)];
  }
  CHECK(cells[4] == 0);
  // The other 8 cells are equally likely: s.e. sqrt(p(1 − p)/n) with p = 1/8.
  for (int k : {0, 1, 2, 3, 5, 6, 7, 8}) {
    CAPTURE(k);
    CHECK(std::abs(cells[static_cast<std::size_t>(k)] / static_cast<double>(n) - 0.125) <
          5 * std::sqrt(0.125 * 0.875 / n));
  }
}

TEST_CASE("swiss_roll rejects bad parameters and has no density", "[unit][datasets]") {
  CHECK_THROWS_AS(sgm::test::make<sgm::Dataset>("swiss_roll", {{"dim", std::int64_t{4}}}),
                  sgm::Error);
  CHECK_THROWS_AS(sgm::test::make<sgm::Dataset>("swiss_roll", {{"noise", -1.0}}), sgm::Error);
  CHECK_THROWS_AS(sgm::test::make<sgm::Dataset>("swiss_roll", {{"scale", 0.0}}), sgm::Error);
  auto ds = sgm::test::make<sgm::Dataset>("swiss_roll");
  Matrix x = Matrix::Zero(2, 2), s(2, 2);
  CHECK_THROWS_AS(ds->score(x, s), sgm::Error);
  CHECK(ds->mixture() == nullptr);
}
