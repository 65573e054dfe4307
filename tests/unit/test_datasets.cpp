// Unit tests of the dataset plugins gmm, circle, swiss_roll and file, built through the real
// loader, and of the data file readers (sgm/data_file.hpp) that `file` uses.
// Reference values: MATH.md §6 (tutorial GMM), §C3/§C12 (circle test set rotated by π/n, swiss
// roll). Statistical checks use a fixed seed and a tolerance of 5 standard errors, so they are
// deterministic and a wrong mean/variance of a few percent fails them.
#include <catch2/catch.hpp>

#include <Eigen/LU>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <numbers>
#include <string>
#include <vector>

#include <sgm/data_file.hpp>
#include <unistd.h>

#include "sgm/host/output.hpp"
#include "sgm/host/pipeline.hpp"
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

// ------------------------------------------------------------------- data files and `file`
// sgm/data_file.hpp (read_npy, read_csv) and the `file` dataset built on it.

namespace {

namespace fs = std::filesystem;

// A scratch directory for one test case, removed when the test case ends (also on failure).
struct ScratchDir {
  fs::path path = fs::temp_directory_path() / ("sgm_test_data_files_" + std::to_string(::getpid()));
  ScratchDir() { fs::create_directories(path); }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  fs::path write(const std::string& name, const std::string& bytes) const {
    sgm::host::write_atomic(path / name, bytes);
    return path / name;
  }
};

// Awkward doubles: signed zero, subnormals, extremes, and values without a short decimal form.
Matrix awkward_matrix() {
  Matrix m(6, 3);
  m << 0.1, 1.0 / 3.0, -0.0,                                      //
      4.9e-324, 2.2250738585072014e-308, 1.7976931348623157e308,  //
      -1e-300, 123456789.123456789, std::nextafter(1.0, 2.0),     //
      -2.5, 6.02214076e23, std::numbers::pi,                      //
      1e-5, -7.0, 0.30000000000000004,                            //
      2.0 / 3.0, std::ldexp(1.0, -1060), -std::ldexp(1.0, 1000);
  return m;
}

bool same_bits(const Matrix& a, const Matrix& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         std::memcmp(a.data(), b.data(), static_cast<std::size_t>(a.size()) * sizeof(double)) == 0;
}

// A .npy file built by hand (not by to_npy), for dtypes and layouts sgm does not write.
std::string npy_bytes(const std::string& header_dict, const std::string& data) {
  std::string h = header_dict;
  h.append((64 - (10 + h.size() + 1) % 64) % 64, ' ');
  h += '\n';
  std::string out = "\x93NUMPY\x01";
  out += '\0';
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h + data;
}

template <class T>
std::string raw(std::initializer_list<T> values) {
  std::string s;
  for (T v : values) s.append(reinterpret_cast<const char*>(&v), sizeof(T));
  return s;
}

}  // namespace

TEST_CASE("npy round trip through the framework writer is bit-exact", "[unit][data_file]") {
  const ScratchDir dir;
  const Matrix m = awkward_matrix();
  const fs::path p = dir.write("round.npy", sgm::host::to_npy(m));
  CHECK(same_bits(sgm::read_npy(p), m));
  CHECK(same_bits(sgm::host::read_npy(p), m));  // the framework's reader is the SDK's
  // -0.0 keeps its sign bit (== would not notice).
  CHECK(std::signbit(sgm::read_npy(p)(0, 2)));
  const Matrix empty(0, 4);
  CHECK(sgm::read_npy(dir.write("empty.npy", sgm::host::to_npy(empty))).cols() == 4);
}

TEST_CASE("csv round trip through the framework writer (17 significant digits) is exact",
          "[unit][data_file]") {
  const ScratchDir dir;
  // to_csv writes 17 significant digits, which identify a double uniquely, so reading back
  // must give the very same numbers (including -0.0 and subnormals).
  const Matrix m = awkward_matrix();
  const fs::path p = dir.write("round.csv", sgm::host::to_csv(m));
  CHECK(same_bits(sgm::read_csv(p), m));
}

TEST_CASE("npy: float32, 1-D and Fortran order are read", "[unit][data_file]") {
  const Matrix f4 =
      sgm::parse_npy(npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }",
                               raw<float>({1.5f, -2.0f, 0.1f, 3.0f})),
                     "f4.npy");
  CHECK(f4(0, 0) == 1.5);
  CHECK(f4(1, 0) == static_cast<double>(0.1f));
  const Matrix col =
      sgm::parse_npy(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
                               raw<double>({1, 2, 3})),
                     "col.npy");
  CHECK(col.rows() == 3);
  CHECK(col.cols() == 1);
  CHECK(col(2, 0) == 3.0);
  const Matrix fortran =
      sgm::parse_npy(npy_bytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                               raw<double>({1, 4, 2, 5, 3, 6})),
                     "f.npy");
  Matrix expected(2, 3);
  expected << 1, 2, 3, 4, 5, 6;
  CHECK(fortran == expected);
}

TEST_CASE("npy: truncated, oversized and lying files are refused with the byte offset",
          "[unit][data_file]") {
  using Catch::Matchers::Contains;
  Matrix m(3, 2);
  m << 1, 2, 3, 4, 5, 6;
  const std::string good = sgm::host::to_npy(m);  // 128-byte header, then 48 data bytes
  CHECK_THROWS_WITH(sgm::parse_npy(good.substr(0, good.size() - 3), "t.npy"),
                    Contains("t.npy: byte 128: expected 48 data bytes, found 45"));
  CHECK_THROWS_WITH(sgm::parse_npy(good + "xyz", "o.npy"),
                    Contains("o.npy: byte 128: expected 48 data bytes, found 51"));
  CHECK_THROWS_WITH(
      sgm::parse_npy(good.substr(0, 50), "h.npy"),
      Contains("h.npy: byte 8: header length 118 runs past the end of the file (50 bytes)"));
  CHECK_THROWS_WITH(sgm::parse_npy("hello", "x.npy"), Contains("x.npy: byte 0: not a .npy file"));
  // A header claiming 10^15 rows is compared with the file size before anything is allocated.
  const std::string huge =
      npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000000, 2), }",
                raw<double>({1, 2}));
  CHECK_THROWS_WITH(
      sgm::parse_npy(huge, "huge.npy"),
      Contains("huge.npy: byte 128: expected 16000000000000000 data bytes, found 16"));
  const std::string overflow = npy_bytes(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 8), }", "");
  CHECK_THROWS_WITH(sgm::parse_npy(overflow, "overflow.npy"),
                    Contains("overflow.npy: byte 128: the shape (4611686018427387904, 8) is too "
                             "large for the 0 data bytes"));
  // Header errors point into the header.
  CHECK_THROWS_WITH(
      sgm::parse_npy(
          npy_bytes("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", raw<double>({1})),
          "be.npy"),
      Contains("be.npy: byte 10: dtype '>f8' is not supported"));
  CHECK_THROWS_WITH(
      sgm::parse_npy(npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1), }",
                               raw<double>({1})),
                     "3d.npy"),
      Contains("3d.npy: byte 10: shape has 3 dimensions"));
  CHECK_THROWS_WITH(
      sgm::parse_npy(
          npy_bytes("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (1,), }", raw<double>({1})),
          "b.npy"),
      Contains("b.npy: byte 44: expected True or False"));
}

TEST_CASE("npy and csv refuse NaN and Inf, naming the row and column", "[unit][data_file]") {
  const ScratchDir dir;
  using Catch::Matchers::Contains;
  Matrix m(3, 2);
  m << 1, 2, 3, 4, 5, 6;
  m(2, 1) = std::numeric_limits<double>::quiet_NaN();
  // Element (2, 1) is the 6th double: byte 128 + 5 * 8.
  CHECK_THROWS_WITH(sgm::read_npy(dir.write("nan.npy", sgm::host::to_npy(m))),
                    Contains("nan.npy: byte 168: row 2, column 1 (counted from 0) is NaN"));
  m(2, 1) = 0;
  m(1, 0) = -std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH(sgm::read_npy(dir.write("inf.npy", sgm::host::to_npy(m))),
                    Contains("inf.npy: byte 144: row 1, column 0 (counted from 0) is -Inf"));
  // CSV: the file's text and the message, with line:column of the field.
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"x,y\n1,2\n3, nan\n", "c.csv:3:4: row 1, column 1 (counted from 0) is NaN"},
           {"1,2\n3,4\n-inf,5\n", "c.csv:3:1: row 2, column 0 (counted from 0) is -Inf"},
           {"1,2\n1e999,5\n",
            "c.csv:2:1: row 1, column 0 (counted from 0): '1e999' is beyond the range of a "
            "double"}}) {
    CAPTURE(text);
    CHECK_THROWS_WITH(sgm::parse_csv(text, "c.csv"), Contains(message));
  }
  CHECK_THROWS_WITH(sgm::read_csv(dir.write("nan.csv", "1\nnan\n")),
                    Contains("nan.csv:2:1: row 1, column 0 (counted from 0) is NaN"));
  // Underflow is not an error: 1e-400 reads as 0.
  CHECK(sgm::read_csv(dir.write("tiny.csv", "1e-400\n"))(0, 0) == 0.0);
}

TEST_CASE("csv: header, comments, CRLF, ragged and non-numeric rows are refused with the line",
          "[unit][data_file]") {
  const ScratchDir dir;
  using Catch::Matchers::Contains;
  const Matrix m = sgm::read_csv(
      dir.write("ok.csv", "\xEF\xBB\xBF\"a\", b\r\n# comment\r\n1, +2.5\r\n\r\n-3e2,4\r\n"));
  REQUIRE(m.rows() == 2);
  REQUIRE(m.cols() == 2);
  CHECK(m(0, 1) == 2.5);
  CHECK(m(1, 0) == -300.0);
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"x,y\n1,2\n3,4,5\n6,7\n", "c.csv:3:4: 3 fields, expected 2 (as on line 1)"},
           {"1,2\n3\n", "c.csv:2:2: 1 fields, expected 2 (as on line 1)"},
           {"1,2\n3,abc\n", "c.csv:2:3: row 1, column 1 (counted from 0): 'abc' is not a number"},
           {"1,,2\n", "c.csv:1:3: row 0, column 1 (counted from 0): empty field"},
           // A first line mixing names and numbers is data with a bad field, not a header.
           {"x,1\n2,3\n", "c.csv:1:1: row 0, column 0 (counted from 0): 'x' is not a number"}}) {
    CAPTURE(text);
    CHECK_THROWS_WITH(sgm::parse_csv(text, "c.csv"), Contains(message));
  }
  CHECK_THROWS_WITH(sgm::read_csv(dir.path / "missing.csv"), Contains("missing.csv: cannot open"));
}

TEST_CASE("file dataset samples rows of the file with their empirical frequencies",
          "[unit][datasets][data_file]") {
  const ScratchDir dir;
  // Six rows, three distinct: the empirical law is P(a) = 3/6, P(b) = 2/6, P(c) = 1/6.
  const std::vector<Eigen::RowVector2d> rows = {{1, 10}, {2, 20}, {1, 10},
                                                {3, 30}, {2, 20}, {1, 10}};
  Matrix data(6, 2);
  for (Eigen::Index i = 0; i < 6; ++i) data.row(i) = rows[static_cast<std::size_t>(i)];
  const fs::path npy = dir.write("points.npy", sgm::host::to_npy(data));
  const fs::path csv = dir.write("points.csv", sgm::host::to_csv(data));
  for (const fs::path& p : {npy, csv}) {
    auto ds = sgm::test::make<sgm::Dataset>("file", {{"path", p.string()}});
    REQUIRE(ds->dim() == 2);
    CHECK_FALSE(ds->has_density());
    // Fixed seed, so the check is deterministic; tolerance 5 standard errors sqrt(p(1-p)/n):
    // a sampler ignoring the repeats (1/3 each) would be off by more than 80 of them.
    const Eigen::Index n = 60000;
    const Matrix x = draw(*ds, n, 99);
    std::map<double, Eigen::Index> count;
    Eigen::Index foreign = 0;  // samples that are not a row of the file, unchanged
    for (Eigen::Index i = 0; i < n; ++i) {
      const bool from_file =
          x(i, 1) == 10 * x(i, 0) && (x(i, 0) == 1 || x(i, 0) == 2 || x(i, 0) == 3);
      foreign += !from_file;
      ++count[x(i, 0)];
    }
    CHECK(foreign == 0);
    for (const auto& [value, expected] :
         std::map<double, double>{{1, 0.5}, {2, 1.0 / 3}, {3, 1.0 / 6}}) {
      CAPTURE(p.string(), value);
      CHECK(std::abs(static_cast<double>(count[value]) / n - expected) <
            5 * std::sqrt(expected * (1 - expected) / n));
    }
    // Row i comes from rng.row(i) only: two blocks give the same rows as one.
    CHECK((draw(*ds, 37, 5, 0) == draw(*ds, 100, 5).topRows(37)));
    CHECK((draw(*ds, 63, 5, 37) == draw(*ds, 100, 5).bottomRows(63)));
  }
}

TEST_CASE("file dataset: format, the shipped example data, and refused files",
          "[unit][datasets][data_file]") {
  const ScratchDir dir;
  using Catch::Matchers::Contains;
  const auto make = [](std::map<std::string, sgm::Value> p) {
    return sgm::test::make<sgm::Dataset>("file", std::move(p));
  };
  // The example pipeline's data, its path relative to the repository root (where the example
  // says to run it from): 500 two-moons points with a header.
  const sgm::host::Pipeline example = sgm::host::load_pipeline(
      fs::path(SGM_TEST_SOURCE_DIR) / "examples/pipelines/file_dataset.toml", {},
      sgm::test::registry());
  REQUIRE(example.dataset);
  REQUIRE(example.dataset->plugin == "file");
  const std::string moons =
      (fs::path(SGM_TEST_SOURCE_DIR) / example.dataset->params.get<std::string>("path")).string();
  CHECK(make({{"path", moons}})->dim() == 2);
  CHECK(sgm::read_csv(moons).rows() == 500);
  // format overrides the extension.
  Matrix m(2, 3);
  m << 1, 2, 3, 4, 5, 6;
  CHECK(make({{"path", dir.write("points.dat", sgm::host::to_npy(m)).string()},
              {"format", std::string("npy")}})
            ->dim() == 3);
  CHECK(make({{"path", dir.write("points.txt", "1,2\n3,4\n").string()}})->dim() == 2);  // auto: csv
  // Refusals happen at construction, so `sgm validate` reports them.
  CHECK_THROWS_WITH(make({{"path", std::string()}}), Contains("'path' is empty"));
  CHECK_THROWS_WITH(make({{"path", (dir.path / "nope.csv").string()}}),
                    Contains("nope.csv: cannot open"));
  CHECK_THROWS_WITH(make({{"path", dir.write("bad.csv", "1,2\n3,nan\n").string()}}),
                    Contains("bad.csv:2:3: row 1, column 1 (counted from 0) is NaN"));
  CHECK_THROWS_WITH(make({{"path", dir.write("header_only.csv", "x,y\n").string()}}),
                    Contains("no data points"));
  CHECK_THROWS_WITH(make({{"path", dir.write("bad.npy", "not numpy").string()}}),
                    Contains("bad.npy: byte 0: not a .npy file"));
  // path is required.
  CHECK_THROWS_AS(make({}), sgm::Error);
}
