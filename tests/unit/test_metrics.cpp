// test_metrics.cpp: the sliced_wasserstein and moments metric plugins, loaded through the host.
#include <catch2/catch.hpp>

#include <Eigen/Cholesky>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

using sgm::Matrix;

/// Runs the blocks in reverse order: a metric whose result depends on block order fails here.
class ReverseExecutor final : public sgm::Executor {
 public:
  void for_blocks(std::size_t n, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& body) const override {
    if (grain == 0) grain = 1;
    const std::size_t blocks = (n + grain - 1) / grain;
    for (std::size_t k = blocks; k-- > 0;) body(k * grain, std::min(n, (k + 1) * grain));
  }
  int threads() const override { return 1; }
};

/// Runs the blocks concurrently on a few threads (each takes the next free block).
class ThreadedExecutor final : public sgm::Executor {
 public:
  explicit ThreadedExecutor(int threads) : threads_(threads) {}
  void for_blocks(std::size_t n, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& body) const override {
    if (grain == 0) grain = 1;
    const std::size_t blocks = (n + grain - 1) / grain;
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads_; ++t)
      pool.emplace_back([&] {
        for (std::size_t k; (k = next.fetch_add(1)) < blocks;)
          body(k * grain, std::min(n, (k + 1) * grain));
      });
    for (auto& th : pool) th.join();
  }
  int threads() const override { return threads_; }

 private:
  int threads_;
};

/// A dataset whose law is a given Gaussian mixture (test-local: no dependency on the gmm plugin).
class MixtureDataset final : public sgm::Dataset {
 public:
  explicit MixtureDataset(sgm::GaussianMixture g) : g_(std::move(g)) {}
  int dim() const override { return static_cast<int>(g_.dim()); }
  void sample(sgm::Ref out, sgm::RowRng& rng) const override { g_.sample(out, rng); }
  const sgm::GaussianMixture* mixture() const override { return &g_; }

 private:
  sgm::GaussianMixture g_;
};

/// A dataset that is not a mixture.
class PlainDataset final : public sgm::Dataset {
 public:
  int dim() const override { return 2; }
  void sample(sgm::Ref out, sgm::RowRng& rng) const override { rng.normal(out); }
};

std::map<std::string, double> as_map(const sgm::MetricValues& v) {
  std::map<std::string, double> m;
  for (const auto& [k, x] : v) m[k] = x;
  return m;
}

/// Every value bit-identical (== on doubles, keys reported on failure).
void check_identical(const std::map<std::string, double>& a,
                     const std::map<std::string, double>& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [key, value] : a) {
    INFO(key);
    REQUIRE(b.count(key) == 1);
    CHECK(value == b.at(key));
  }
}

Matrix column(const std::vector<double>& v) {
  Matrix m(static_cast<Eigen::Index>(v.size()), 1);
  for (std::size_t i = 0; i < v.size(); ++i) m(static_cast<Eigen::Index>(i), 0) = v[i];
  return m;
}

/// n x d standard normals from (seed, stream data, row).
Matrix normals(Eigen::Index n, Eigen::Index d, std::uint64_t seed) {
  Matrix x(n, d);
  sgm::RowRng rng(seed, sgm::streams::data, 0, n);
  rng.normal(x);
  return x;
}

std::shared_ptr<sgm::Metric> sliced(std::int64_t p, std::int64_t projections) {
  return sgm::test::make<sgm::Metric>("sliced_wasserstein",
                                      {{"p", p}, {"projections", projections}});
}

std::map<std::string, double> eval(const sgm::Metric& m, const Matrix& x, const Matrix& y,
                                   std::uint64_t seed = 7,
                                   const sgm::Executor& ex = sgm::SerialExecutor{},
                                   const sgm::Dataset* ds = nullptr) {
  return as_map(m.evaluate(sgm::MetricInput{x, y, ds, seed, ex}));
}

}  // namespace

TEST_CASE("sliced_wasserstein: exact 1-D W_p, equal and unequal sizes", "[unit][metrics]") {
  // In 1-D every direction is ±1 and W_p is invariant under x -> -x, so every projection gives
  // the same exact W_p^p and the metric returns the 1-D distance itself.
  const auto w1 = sliced(1, 5);
  const auto w2 = sliced(2, 5);
  struct Case {
    std::vector<double> a, b;
    double w1, w2sq;
  };
  const std::vector<Case> cases{
      // Quantile functions: a = 0 on (0,1/2], 1 on (1/2,1]; b = 0, 0.5, 1 on thirds.
      // |F⁻¹ − G⁻¹| = 0.5 on (1/3,1/2] and (1/2,2/3], 0 elsewhere:
      // W1 = 2·(1/6)·0.5 = 1/6, W2² = 2·(1/6)·0.25 = 1/12.
      {{0.0, 1.0}, {0.0, 0.5, 1.0}, 1.0 / 6.0, 1.0 / 12.0},
      // Equal sizes (order of input irrelevant): sorted {0,1,2} vs {1,2,5}: |1|,|1|,|3|.
      {{2.0, 0.0, 1.0}, {5.0, 1.0, 2.0}, 5.0 / 3.0, 11.0 / 3.0},
      // Against a single point: mean |a_i − c|^p.
      {{0.0, 3.0}, {1.0}, 1.5, 2.5},
      // n = 2, m = 4: pieces of width 1/4: |0−0|,|0−1|,|4−2|,|4−3|.
      {{4.0, 0.0}, {3.0, 1.0, 0.0, 2.0}, 1.0, 1.5},
  };
  for (const auto& c : cases) {
    const Matrix a = column(c.a), b = column(c.b);
    const auto r1 = eval(*w1, a, b);
    const auto r2 = eval(*w2, a, b);
    CHECK(r1.at("sw1") == Approx(c.w1).epsilon(1e-14));
    CHECK(r2.at("sw2") == Approx(std::sqrt(c.w2sq)).epsilon(1e-14));
    CHECK(r1.at("sw1_stderr") == Approx(0.0).margin(1e-12));
    CHECK(r2.at("sw2_stderr") == Approx(0.0).margin(1e-12));
    CHECK(r1.at("projections") == 5.0);
  }
}

TEST_CASE("sliced_wasserstein: SW2 of a pure shift is |c|/sqrt(d)", "[unit][metrics]") {
  // reference = samples + c with the very same points, so every projected law is an exact shift
  // by θ·c and W2² = (θ·c)² with no sampling noise; only the Monte-Carlo error over directions
  // remains, and E_θ[(θ·c)²] = ‖c‖²/d. Tolerance: 4 reported standard errors.
  const Eigen::Index n = 500;
  const Matrix x = normals(n, 2, 11);
  Eigen::RowVector2d c(3.0, -4.0);
  const Matrix y = x.rowwise() + c;
  const auto m = sliced(2, 100);
  const auto r = eval(*m, x, y, 2024);
  const double expected = 5.0 / std::sqrt(2.0);
  const double se = r.at("sw2_stderr");
  CHECK(std::abs(r.at("sw2") - expected) < 4.0 * se);
  // The standard error itself: with θ = (cos φ, sin φ), (θ·c)² = 25 cos²(φ−φ0), whose variance is
  // 625/8; delta method: se = sqrt(625/8/L)/(2·SW2) ≈ 0.125 for L = 100. The estimated sd has a
  // relative error of about 10% at L = 100, so allow a factor 1.5.
  const double se_theory = std::sqrt(625.0 / 8.0 / 100.0) / (2.0 * expected);
  CHECK(se > se_theory / 1.5);
  CHECK(se < se_theory * 1.5);
}

TEST_CASE("sliced_wasserstein: zero on identical samples, symmetric, order independent",
          "[unit][metrics]") {
  const Matrix x = normals(300, 3, 1);
  const Matrix y = normals(300, 3, 2) * 1.5;
  const Matrix z = normals(170, 3, 3);  // another size
  for (std::int64_t p : {1, 2}) {
    const auto m = sliced(p, 50);
    const std::string key = "sw" + std::to_string(p);
    const auto same = eval(*m, x, x);
    CHECK(same.at(key) == 0.0);
    CHECK(same.at(key + "_stderr") == 0.0);

    const auto xy = eval(*m, x, y);
    const auto yx = eval(*m, y, x);
    CHECK(xy.at(key) > 0.1);
    CHECK(xy.at(key) == yx.at(key));  // |a_(i) − b_(i)| is symmetric term by term
    CHECK(eval(*m, x, z).at(key) == eval(*m, z, x).at(key));  // unequal sizes too

    // Same seed: bit-identical whatever the order or concurrency of the blocks.
    const auto serial = eval(*m, x, z, 7, sgm::SerialExecutor{});
    check_identical(eval(*m, x, z, 7, ReverseExecutor{}), serial);
    check_identical(eval(*m, x, z, 7, ThreadedExecutor{4}), serial);
    // Another seed: other directions.
    CHECK(eval(*m, x, y, 8).at(key) != xy.at(key));
    // Each projection draws its own direction: a second projection changes the mean.
    CHECK(eval(*sliced(p, 1), x, y).at(key) != eval(*sliced(p, 2), x, y).at(key));
  }
}

TEST_CASE("sliced_wasserstein: parameters and bad input", "[unit][metrics]") {
  CHECK_THROWS(sliced(3, 10));
  CHECK_THROWS(sliced(0, 10));
  CHECK_THROWS(sliced(2, 0));
  const auto m = sliced(2, 10);
  const Matrix x = normals(10, 2, 1);
  CHECK_THROWS_AS(eval(*m, x, normals(10, 3, 1)), sgm::Error);
  CHECK_THROWS_AS(eval(*m, Matrix(0, 2), x), sgm::Error);
  CHECK_THROWS_AS(eval(*m, x, Matrix(0, 2)), sgm::Error);
  Matrix bad = x;
  bad(6, 1) = std::nan("");
  CHECK_THROWS_WITH(eval(*m, bad, x), Catch::Contains("row 6"));
  // One projection: the standard error cannot be estimated.
  CHECK(std::isnan(eval(*sliced(2, 1), x, normals(10, 2, 2)).at("sw2_stderr")));
}

TEST_CASE("moments: errors and coordinates on constructed data", "[unit][metrics]") {
  const auto m = sgm::test::make<sgm::Metric>("moments");
  // Samples: (1,2) + {(±1,0), (0,±2)}: mean (1,2), unbiased cov diag(2/3, 8/3).
  Matrix x(4, 2);
  x << 2, 2, 0, 2, 1, 4, 1, 0;
  // Reference: corners of [0,2]²: mean (1,1), unbiased cov diag(4/3, 4/3).
  Matrix y(4, 2);
  y << 0, 0, 2, 0, 0, 2, 2, 2;
  const auto r = eval(*m, x, y);
  CHECK(r.at("mean_error") == Approx(1.0).epsilon(1e-14));
  CHECK(r.at("cov_error") == Approx(std::sqrt(20.0) / 3.0).epsilon(1e-14));
  CHECK(r.at("mean_0") == Approx(1.0).epsilon(1e-14));
  CHECK(r.at("mean_1") == Approx(2.0).epsilon(1e-14));
  CHECK(r.at("var_0") == Approx(2.0 / 3.0).epsilon(1e-14));
  CHECK(r.at("var_1") == Approx(8.0 / 3.0).epsilon(1e-14));
  CHECK(r.count("mean_2") == 0);

  // d = 6: only the first four coordinates are listed; identical inputs give zero errors.
  const Matrix w = normals(9000, 6, 5);  // > 1 block of 4096 rows
  const auto rw = eval(*m, w, w);
  CHECK(rw.at("mean_error") == 0.0);
  CHECK(rw.at("cov_error") == 0.0);
  CHECK(rw.count("var_3") == 1);
  CHECK(rw.count("var_4") == 0);
  const Matrix v = normals(5000, 6, 6);
  check_identical(eval(*m, w, v, 7, ReverseExecutor{}), eval(*m, w, v));
  check_identical(eval(*m, w, v, 7, ThreadedExecutor{3}), eval(*m, w, v));

  CHECK_THROWS_AS(eval(*m, x, normals(4, 3, 1)), sgm::Error);
  Matrix bad = x;
  bad(2, 0) = std::nan("");
  CHECK_THROWS_WITH(eval(*m, bad, y), Catch::Contains("row 2"));
}

TEST_CASE("moments: exact mixture moments", "[unit][metrics]") {
  // 0.3 N((−1,0), diag(1, 0.5)) + 0.7 N((2,1), [[0.5,0.2],[0.2,1]]).
  // μ = (1.1, 0.7). Within: 0.3·C1 + 0.7·C2 = [[0.65,0.14],[0.14,0.85]].
  // Between: 0.3·(−2.1,−0.7)(−2.1,−0.7)ᵀ + 0.7·(0.9,0.3)(0.9,0.3)ᵀ = [[1.89,0.63],[0.63,0.21]].
  // Σ = [[2.54, 0.77], [0.77, 1.06]].
  Eigen::VectorXd w(2);
  w << 0.3, 0.7;
  Matrix mu(2, 2);
  mu << -1, 0, 2, 1;
  Eigen::MatrixXd c1(2, 2), c2(2, 2);
  c1 << 1, 0, 0, 0.5;
  c2 << 0.5, 0.2, 0.2, 1;
  const MixtureDataset ds(sgm::GaussianMixture(w, mu, {c1, c2}));
  Eigen::Vector2d mean(1.1, 0.7);
  Eigen::Matrix2d cov;
  cov << 2.54, 0.77, 0.77, 1.06;

  const auto m = sgm::test::make<sgm::Metric>("moments", {{"exact", true}});
  const Matrix unused(0, 2);

  // Samples made to have exactly mean μ and unbiased covariance Σ (whitened normals mapped by
  // the Cholesky factor of Σ): both errors vanish up to rounding.
  {
    Matrix z = normals(200, 2, 3);
    const Eigen::RowVector2d zbar = z.colwise().mean();
    z.rowwise() -= zbar;
    const Eigen::Matrix2d zc = (z.transpose() * z) / 199.0;
    const Eigen::Matrix2d lz = zc.llt().matrixL();
    const Eigen::Matrix2d l = cov.llt().matrixL();
    const Eigen::MatrixXd white = lz.triangularView<Eigen::Lower>().solve(z.transpose());
    const Matrix x = (l * white).transpose().rowwise() + mean.transpose();
    const auto r = eval(*m, x, unused, 7, sgm::SerialExecutor{}, &ds);
    CHECK(r.at("mean_error") == Approx(0.0).margin(1e-12));
    CHECK(r.at("cov_error") == Approx(0.0).margin(1e-12));
    CHECK(r.at("var_0") == Approx(2.54).epsilon(1e-12));
  }

  // Samples drawn from the mixture: errors within 4 standard errors, sized from the data:
  // se² of a mean is var/n per coordinate; se² of a covariance entry is var((x_a−μ_a)(x_b−μ_b))/n.
  {
    const Eigen::Index n = 20000;
    Matrix x(n, 2);
    sgm::RowRng rng(99, sgm::streams::data, 0, n);
    ds.sample(x, rng);
    const auto r = eval(*m, x, unused, 7, sgm::SerialExecutor{}, &ds);
    const Matrix xc = x.rowwise() - mean.transpose();
    const double se_mean = std::sqrt(cov.trace() / static_cast<double>(n));
    double se_cov2 = 0.0;
    for (int a = 0; a < 2; ++a)
      for (int b = 0; b < 2; ++b) {
        const Eigen::ArrayXd prod = xc.col(a).array() * xc.col(b).array();
        se_cov2 += (prod - prod.mean()).square().sum() / static_cast<double>(n - 1) /
                   static_cast<double>(n);
      }
    CHECK(r.at("mean_error") < 4.0 * se_mean);
    CHECK(r.at("cov_error") < 4.0 * std::sqrt(se_cov2));
    CHECK(r.at("cov_error") > 0.0);

    // exact = false against a big reference sample of the same law lands near the exact answer.
    Matrix ref(n, 2);
    sgm::RowRng rng2(100, sgm::streams::data, 0, n);
    ds.sample(ref, rng2);
    const auto sampled = sgm::test::make<sgm::Metric>("moments");
    const auto rs = eval(*sampled, x, ref);
    CHECK(rs.at("mean_error") < 4.0 * std::sqrt(2.0) * se_mean);
  }

  // exact = true without a mixture is an error.
  const Matrix x = normals(10, 2, 1);
  const PlainDataset plain;
  CHECK_THROWS_AS(eval(*m, x, unused, 7, sgm::SerialExecutor{}, &plain), sgm::Error);
  CHECK_THROWS_AS(eval(*m, x, unused, 7, sgm::SerialExecutor{}, nullptr), sgm::Error);
  CHECK_THROWS_AS(eval(*m, normals(10, 3, 1), unused, 7, sgm::SerialExecutor{}, &ds), sgm::Error);
}
