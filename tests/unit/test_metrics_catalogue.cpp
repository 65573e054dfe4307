// test_metrics_catalogue.cpp: the metric plugins of issue 6 (wasserstein_1d, wasserstein_exact,
// energy_distance, mmd, histogram_divergence, circle, mode_weights, memorization,
// precision_recall, true_nll) and the SDK helpers they share (wasserstein.hpp,
// nearest_neighbors.hpp, optimal_transport.hpp), loaded through the host. Every statistical
// tolerance is a stated multiple of a standard error.
#include <catch2/catch.hpp>

#include <sgm/gaussian_mixture.hpp>
#include <sgm/nearest_neighbors.hpp>
#include <sgm/optimal_transport.hpp>
#include <sgm/wasserstein.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <numbers>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace {

using sgm::Matrix;
constexpr double pi = std::numbers::pi;

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

/// Runs the blocks on two threads (each takes the next free block).
class TwoThreadExecutor final : public sgm::Executor {
 public:
  void for_blocks(std::size_t n, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& body) const override {
    if (grain == 0) grain = 1;
    const std::size_t blocks = (n + grain - 1) / grain;
    std::atomic<std::size_t> next{0};
    auto work = [&] {
      for (std::size_t k; (k = next.fetch_add(1)) < blocks;) body(k * grain, std::min(n, (k + 1) * grain));
    };
    std::thread t(work);
    work();
    t.join();
  }
  int threads() const override { return 2; }
};

/// A Gaussian-mixture dataset with its exact density (test-local).
class DensityDataset final : public sgm::Dataset {
 public:
  explicit DensityDataset(sgm::GaussianMixture g) : g_(std::move(g)) {}
  int dim() const override { return static_cast<int>(g_.dim()); }
  void sample(sgm::Ref out, sgm::RowRng& rng) const override { g_.sample(out, rng); }
  bool has_density() const override { return true; }
  void log_density(sgm::CRef x, sgm::VecRef out) const override { g_.log_density(x, out); }
  const sgm::GaussianMixture* mixture() const override { return &g_; }

 private:
  sgm::GaussianMixture g_;
};

/// A dataset without density or mixture.
class PlainDataset final : public sgm::Dataset {
 public:
  int dim() const override { return 2; }
  void sample(sgm::Ref out, sgm::RowRng& rng) const override { rng.normal(out); }
};

sgm::GaussianMixture isotropic(std::vector<double> weights, const Matrix& means, double var) {
  const Eigen::Index d = means.cols();
  std::vector<Eigen::MatrixXd> covs(weights.size(), var * Eigen::MatrixXd::Identity(d, d));
  return sgm::GaussianMixture(Eigen::Map<Eigen::VectorXd>(weights.data(), static_cast<Eigen::Index>(weights.size())),
                              means, covs);
}

using Values = std::map<std::string, double>;

Values eval(const sgm::Metric& m, const Matrix& x, const Matrix& y, std::uint64_t seed = 7,
            const sgm::Executor& ex = sgm::SerialExecutor{}, const sgm::Dataset* ds = nullptr) {
  Values out;
  for (const auto& [k, v] : m.evaluate(sgm::MetricInput{x, y, ds, seed, ex})) out[k] = v;
  return out;
}

void check_identical(const Values& a, const Values& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [key, value] : a) {
    INFO(key);
    REQUIRE(b.count(key) == 1);
    if (std::isnan(value)) CHECK(std::isnan(b.at(key)));
    else CHECK(value == b.at(key));
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

/// n x d uniforms on [0, 1).
Matrix uniforms(Eigen::Index n, Eigen::Index d, std::uint64_t seed) {
  Matrix x(n, d);
  for (Eigen::Index i = 0; i < n; ++i) {
    sgm::Rng r(seed, sgm::streams::data, static_cast<std::uint64_t>(i));
    for (Eigen::Index j = 0; j < d; ++j) x(i, j) = r.uniform();
  }
  return x;
}

std::shared_ptr<sgm::Metric> metric(const std::string& name,
                                    const std::map<std::string, sgm::Value>& p = {}) {
  return sgm::test::make<sgm::Metric>(name, p);
}

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

/// E|N(mu, s²)|.
double mean_abs_normal(double mu, double s) {
  return s * std::sqrt(2.0 / pi) * std::exp(-mu * mu / (2.0 * s * s)) + mu * (1.0 - 2.0 * normal_cdf(-mu / s));
}

Matrix on_circle(int n, double phase, double radius = 1.0) {
  Matrix x(n, 2);
  for (int i = 0; i < n; ++i) {
    x(i, 0) = radius * std::cos(phase + 2.0 * pi * i / n);
    x(i, 1) = radius * std::sin(phase + 2.0 * pi * i / n);
  }
  return x;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
TEST_CASE("wasserstein_1d: hand-computed sets and Gaussian closed forms", "[unit][metrics]") {
  const auto m = metric("wasserstein_1d");
  // {0, 1} vs {0, 0.5, 1}: |F⁻¹ − G⁻¹| = 0.5 on (1/3, 2/3]: W1 = 1/6, W2 = √(1/12).
  auto r = eval(*m, column({0.0, 1.0}), column({0.0, 0.5, 1.0}));
  CHECK(r.at("w1") == Approx(1.0 / 6.0).epsilon(1e-14));
  CHECK(r.at("w2") == Approx(std::sqrt(1.0 / 12.0)).epsilon(1e-14));
  CHECK(r.count("w1_0") == 0);
  // Unsorted equal sizes: {0,1,2} vs {1,2,5}: W1 = 5/3, W2² = 11/3.
  r = eval(*m, column({2.0, 0.0, 1.0}), column({5.0, 1.0, 2.0}));
  CHECK(r.at("w1") == Approx(5.0 / 3.0).epsilon(1e-14));
  CHECK(r.at("w2") == Approx(std::sqrt(11.0 / 3.0)).epsilon(1e-14));

  // Gaussians, n = m = 20000. Column 0: N(0,1) vs N(0.5,1): W1 = W2 = 0.5. Column 1: N(0,1) vs
  // N(0, 2²): W2 = 1, W1 = √(2/π). The estimators' s.d. is ≈ √(2·var/n)-scale ≈ 0.01–0.02 here;
  // allow 0.05 (> 3 s.e.), while any wrong constant (e.g. W1 = W2 in column 1) is off by 0.2.
  const Eigen::Index n = 20000;
  const Matrix x = normals(n, 2, 1);
  Matrix y = normals(n, 2, 2);
  y.col(0).array() += 0.5;
  y.col(1) *= 2.0;
  r = eval(*m, x, y);
  CHECK(r.at("w1_0") == Approx(0.5).margin(0.05));
  CHECK(r.at("w2_0") == Approx(0.5).margin(0.05));
  CHECK(r.at("w2_1") == Approx(1.0).margin(0.05));
  CHECK(r.at("w1_1") == Approx(std::sqrt(2.0 / pi)).margin(0.05));
  CHECK(r.at("w1") == Approx(0.5 * (r.at("w1_0") + r.at("w1_1"))).epsilon(1e-14));
  check_identical(eval(*m, x, y, 7, ReverseExecutor{}), r);

  Matrix bad = x.topRows(10);
  bad(3, 1) = std::nan("");
  CHECK_THROWS_WITH(eval(*m, bad, y), Catch::Contains("row 3"));
  CHECK_THROWS_AS(eval(*m, x, normals(5, 3, 1)), sgm::Error);
  CHECK_THROWS_AS(eval(*m, Matrix(0, 2), y), sgm::Error);
}

TEST_CASE("wasserstein.hpp: W1 against a point, a uniform law and on the circle", "[unit][metrics]") {
  const std::vector<double> a{0.9, 1.2};
  CHECK(sgm::w1_to_point(a, 1.0) == Approx(0.15).epsilon(1e-14));
  // One point at the centre of [0, 1]: ∫|0.5 − u| du = 1/4; at 0: 1/2.
  CHECK(sgm::w1_sorted_to_uniform(std::vector<double>{0.5}, 0.0, 1.0) == Approx(0.25).epsilon(1e-14));
  CHECK(sgm::w1_sorted_to_uniform(std::vector<double>{0.0}, 0.0, 1.0) == Approx(0.5).epsilon(1e-14));
  // Against a fine grid of the uniform law (M points at (k + ½)/M, error O(1/M)).
  std::vector<double> s(40);
  const Matrix u = uniforms(40, 1, 3);
  for (int i = 0; i < 40; ++i) s[static_cast<std::size_t>(i)] = 2.0 * pi * u(i, 0);
  std::sort(s.begin(), s.end());
  const int grid_n = 40000;
  std::vector<double> grid(grid_n);
  for (int k = 0; k < grid_n; ++k) grid[static_cast<std::size_t>(k)] = 2.0 * pi * (k + 0.5) / grid_n;
  CHECK(sgm::w1_sorted_to_uniform(s, 0.0, 2.0 * pi) ==
        Approx(sgm::wasserstein_pp_sorted(s, grid, 1)).margin(1e-3));
  CHECK(sgm::circular_w1_sorted_to_uniform(s, 2.0 * pi) ==
        Approx(sgm::circular_w1_sorted(s, grid, 2.0 * pi)).margin(1e-3));
  // Circular ≤ linear (c = 0 is one candidate), and rotation invariant.
  CHECK(sgm::circular_w1_sorted(s, grid, 2.0 * pi) <= sgm::wasserstein_pp_sorted(s, grid, 1) + 1e-12);
  std::vector<double> rot(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) rot[i] = std::fmod(s[i] + 1.0, 2.0 * pi);
  std::sort(rot.begin(), rot.end());
  CHECK(sgm::circular_w1_sorted_to_uniform(rot, 2.0 * pi) ==
        Approx(sgm::circular_w1_sorted_to_uniform(s, 2.0 * pi)).margin(1e-9));
}

// ---------------------------------------------------------------------------------------------
TEST_CASE("wasserstein_exact: equals sorted matching in 1-D and brute force in 2-D", "[unit][metrics]") {
  for (std::int64_t p : {1, 2}) {
    std::string key = "w";  // by append: GCC 12 warns falsely (-Wrestrict) on "w" + string
    key += std::to_string(p);
    const auto m = metric("wasserstein_exact", {{"p", p}, {"method", std::string("exact")}});
    // 1-D, equal and unequal sizes (6 vs 4: lcm 12), against the exact quantile formula.
    for (auto [n1, n2] : {std::pair<Eigen::Index, Eigen::Index>{50, 50}, {6, 4}, {3, 7}}) {
      const Matrix x = normals(n1, 1, 5), y = normals(n2, 1, 6).array() + 0.3;
      std::vector<double> a(x.data(), x.data() + n1), b(y.data(), y.data() + n2);
      CHECK(eval(*m, x, y).at(key) == Approx(sgm::wasserstein_1d(a, b, static_cast<int>(p))).epsilon(1e-10));
    }
    // 2-D, n = 6: enumerate all 720 permutations.
    const Matrix x = normals(6, 2, 8), y = uniforms(6, 2, 9) * 3.0;
    std::vector<int> perm(6);
    std::iota(perm.begin(), perm.end(), 0);
    double best = std::numeric_limits<double>::infinity();
    do {
      double c = 0.0;
      for (int i = 0; i < 6; ++i) {
        const double d = (x.row(i) - y.row(perm[static_cast<std::size_t>(i)])).norm();
        c += p == 1 ? d : d * d;
      }
      best = std::min(best, c);
    } while (std::next_permutation(perm.begin(), perm.end()));
    const double expected = p == 1 ? best / 6.0 : std::sqrt(best / 6.0);
    const auto r = eval(*m, x, y);
    CHECK(r.at(key) == Approx(expected).epsilon(1e-12));
    CHECK(r.at("exact") == 1.0);
  }
  // Beyond max_exact_points with method = exact: a clear error; auto falls back to Sinkhorn.
  const auto small = metric("wasserstein_exact", {{"method", std::string("exact")}, {"max_exact_points", std::int64_t{10}}});
  CHECK_THROWS_WITH(eval(*small, normals(6, 2, 1), normals(4, 2, 2)), Catch::Contains("sinkhorn"));
  const auto autom = metric("wasserstein_exact", {{"max_exact_points", std::int64_t{10}}});
  CHECK(eval(*autom, normals(6, 2, 1), normals(4, 2, 2)).at("exact") == 0.0);
}

TEST_CASE("wasserstein_exact: Sinkhorn approaches exact OT as epsilon -> 0", "[unit][metrics]") {
  const Matrix x = normals(40, 2, 21), y = normals(40, 2, 22).array() + 1.0;
  const double exact = eval(*metric("wasserstein_exact", {{"method", std::string("exact")}}), x, y).at("w2");
  double previous = std::numeric_limits<double>::infinity();
  for (double eps : {0.1, 0.02, 0.005}) {
    const auto m = metric("wasserstein_exact", {{"method", std::string("sinkhorn")},
                                                {"epsilon", eps},
                                                {"max_iterations", std::int64_t{5000}},
                                                {"tolerance", 1e-9}});
    const auto r = eval(*m, x, y);
    INFO("eps " << eps);
    CHECK(r.at("exact") == 0.0);
    CHECK(r.at("sinkhorn_marginal_error") < 1e-4);  // convergence slows as ε → 0
    CHECK(r.at("w2") >= exact - 1e-6);  // the entropic plan is feasible, so its cost is ≥ OT
    CHECK(r.at("w2") < previous);
    previous = r.at("w2");
    if (eps == 0.005) {
      CHECK(r.at("w2") == Approx(exact).epsilon(0.01));
      check_identical(eval(*m, x, y, 7, ReverseExecutor{}), r);
    }
  }
  // max_points: Sinkhorn on the first rows of each set, exactly as if only those were given.
  const auto cut = metric("wasserstein_exact", {{"method", std::string("sinkhorn")},
                                                {"max_points", std::int64_t{25}}});
  const auto r25 = eval(*cut, x, y);
  CHECK(r25.at("points_used") == 25.0);
  check_identical(eval(*cut, x.topRows(25), y.topRows(25)), r25);
  CHECK(r25.at("w2") != eval(*cut, x.bottomRows(25), y.bottomRows(25)).at("w2"));
  CHECK(previous - exact < 0.05 * exact);
}

// ---------------------------------------------------------------------------------------------
TEST_CASE("energy_distance and mmd: unbiased at zero, closed forms for shifts", "[unit][metrics]") {
  const auto ed = metric("energy_distance");
  const auto mmd = metric("mmd", {{"bandwidth", 1.0}});
  // Equal laws: the U-statistics have mean 0. 40 repetitions, n = m = 150: the mean over
  // repetitions must be within 4 s.d./√40 of 0.
  {
    std::vector<double> e, k;
    for (std::uint64_t s = 0; s < 40; ++s) {
      const Matrix x = normals(150, 2, 100 + 2 * s), y = normals(150, 2, 101 + 2 * s);
      e.push_back(eval(*ed, x, y).at("energy_distance"));
      k.push_back(eval(*mmd, x, y).at("mmd2"));
    }
    for (const auto* v : {&e, &k}) {
      Eigen::Map<const Eigen::VectorXd> vv(v->data(), static_cast<Eigen::Index>(v->size()));
      const auto ms = sgm::test::mean_se(vv);
      CHECK(std::abs(ms.mean) < 4.0 * ms.se);
      CHECK(ms.se > 0.0);
    }
  }
  // Shift: N(0,1) vs N(1,1) in 1-D: E = 2E|N(1,2)| − 2E|N(0,2)|; 4 reported s.e.
  {
    const Matrix x = normals(2000, 1, 31), y = normals(2000, 1, 32).array() + 1.0;
    const double expected = 2.0 * mean_abs_normal(1.0, std::sqrt(2.0)) - 2.0 * mean_abs_normal(0.0, std::sqrt(2.0));
    const auto r = eval(*ed, x, y);
    CHECK(r.at("energy_distance") == Approx(expected).margin(4.0 * r.at("energy_distance_stderr")));
    CHECK(r.at("energy_distance") > 10.0 * r.at("energy_distance_stderr"));  // clearly positive
    check_identical(eval(*ed, x, y, 7, TwoThreadExecutor{}), r);
  }
  // Shift in 2-D with h = 1, s = 1, δ = (1, 0): MMD² = 2 (1/3) (1 − e^{−1/6}); 4 reported s.e.
  {
    const Matrix x = normals(2000, 2, 41);
    Matrix y = normals(2000, 2, 42);
    y.col(0).array() += 1.0;
    const double expected = 2.0 / 3.0 * (1.0 - std::exp(-1.0 / 6.0));
    const auto r = eval(*mmd, x, y);
    CHECK(r.at("mmd2") == Approx(expected).margin(4.0 * r.at("mmd2_stderr")));
    CHECK(r.at("mmd2") > 10.0 * r.at("mmd2_stderr"));
    CHECK(r.at("mmd_bandwidth") == 1.0);
    check_identical(eval(*mmd, x, y, 7, ReverseExecutor{}), r);
    // Median heuristic: for N(0, I₂) pairs, ‖X − X'‖² ~ 2·χ²₂, median √(4 ln 2) ≈ 1.67 (shift
    // makes it larger); only check it is in a plausible range.
    const auto h = eval(*metric("mmd"), x, y).at("mmd_bandwidth");
    CHECK(h > 1.4);
    CHECK(h < 2.5);
  }
  CHECK_THROWS_AS(eval(*ed, normals(1, 2, 1), normals(5, 2, 1)), sgm::Error);
}

// ---------------------------------------------------------------------------------------------
TEST_CASE("histogram_divergence: hand-computed TV and KL, 1-D and 2-D", "[unit][metrics]") {
  // bins = 2 on [0, 2]: samples {0.5, 0.5, 1.5, 3} (3 is outside), reference {0.5, 1.5, 1.5, 1.5}.
  // P = (2, 1, 1)/4, Q = (1, 3, 0)/4 over (cell 0, cell 1, overflow): TV = ½(1 + 2 + 1)/4 = 1/2.
  const Matrix x = column({0.5, 0.5, 1.5, 3.0}), y = column({0.5, 1.5, 1.5, 1.5});
  const auto m = metric("histogram_divergence", {{"bins", std::int64_t{2}}, {"low", 0.0}, {"high", 2.0}});
  auto r = eval(*m, x, y);
  CHECK(r.at("tv") == Approx(0.5).epsilon(1e-14));
  CHECK(r.at("outside_fraction") == 0.25);
  CHECK(r.at("empty_reference_cells") == 1.0);
  // Add-½: P̃ = (2.5, 1.5, 1.5)/5.5, Q̃ = (1.5, 3.5, 0.5)/5.5.
  const double kl = 2.5 / 5.5 * std::log(2.5 / 1.5) + 1.5 / 5.5 * std::log(1.5 / 3.5) + 1.5 / 5.5 * std::log(1.5 / 0.5);
  CHECK(r.at("kl") == Approx(kl).epsilon(1e-12));
  const auto raw = metric("histogram_divergence", {{"bins", std::int64_t{2}}, {"low", 0.0}, {"high", 2.0}, {"smoothing", 0.0}});
  CHECK(std::isinf(eval(*raw, x, y).at("kl")));
  // A value equal to `high` is inside (last cell); identical sets give 0.
  r = eval(*raw, column({2.0, 0.0}), column({0.0, 2.0}));
  CHECK(r.at("tv") == 0.0);
  CHECK(r.at("kl") == 0.0);
  CHECK(r.at("outside_fraction") == 0.0);

  // 2-D, bins = 2 on [0, 2]²: cells (0,0), (1,0) vs (0,0), (0,1): TV = ½(0 + ½ + ½) = ½.
  Matrix a(2, 2), b(2, 2);
  a << 0.5, 0.5, 1.5, 0.5;
  b << 0.5, 0.5, 0.5, 1.5;
  CHECK(eval(*raw, a, b).at("tv") == Approx(0.5).epsilon(1e-14));
  CHECK_THROWS_AS(eval(*raw, normals(5, 3, 1), normals(5, 3, 2)), sgm::Error);
}

TEST_CASE("histogram_divergence: exact-density reference", "[unit][metrics]") {
  const DensityDataset ds(isotropic({1.0}, Matrix::Zero(1, 1), 1.0));
  const auto m = metric("histogram_divergence", {{"bins", std::int64_t{20}}, {"low", -5.0}, {"high", 5.0},
                                                 {"reference", std::string("density")}, {"quadrature", std::int64_t{16}}});
  const Eigen::Index n = 20000;
  const Matrix x = normals(n, 1, 51);
  const Matrix unused(0, 1);
  // Exact samples: E TV ≤ ½ Σ_c √(q_c/n) ≤ ½ √(cells/n) ≈ 0.016.
  const auto r0 = eval(*m, x, unused, 7, sgm::SerialExecutor{}, &ds);
  CHECK(r0.at("tv") < 0.02);
  // Samples of N(1, 1): TV equals the binned TV of N(1,1) vs N(0,1), computed here from Φ, within
  // the same sampling bound 0.016 (+ midpoint-rule error ~1e-4).
  const Matrix y = x.array() + 1.0;
  double tv = 0.0;
  for (int c = 0; c < 20; ++c) {
    const double lo = -5.0 + 0.5 * c, hi = lo + 0.5;
    tv += std::abs((normal_cdf(hi - 1.0) - normal_cdf(lo - 1.0)) - (normal_cdf(hi) - normal_cdf(lo)));
  }
  tv += std::abs((1.0 - normal_cdf(4.0) + normal_cdf(-6.0)) - 2.0 * normal_cdf(-5.0));
  tv *= 0.5;
  const auto r1 = eval(*m, y, unused, 7, sgm::SerialExecutor{}, &ds);
  CHECK(r1.at("tv") == Approx(tv).margin(0.02));
  check_identical(eval(*m, y, unused, 7, ReverseExecutor{}, &ds), r1);
  const PlainDataset plain;
  CHECK_THROWS_AS(eval(*m, normals(5, 2, 1), Matrix(0, 2), 7, sgm::SerialExecutor{}, &plain), sgm::Error);
}

// ---------------------------------------------------------------------------------------------
TEST_CASE("circle: C1 and C2 on constructed point sets", "[unit][metrics]") {
  const auto lin = metric("circle");
  const auto circ = metric("circle", {{"angle", std::string("circular")}});
  const Matrix train = on_circle(8, 0.0);
  const Matrix none(0, 2);
  // 8 points at iπ/4 vs the ideal unit circle: radius part 0, angle π/8 (linear), π/16 (circular).
  auto r = eval(*lin, train, none);
  CHECK(r.count("c1") == 0);
  CHECK(r.at("c2_radius") == Approx(0.0).margin(1e-15));
  CHECK(r.at("c2_angle") == Approx(0.392699081698724).epsilon(1e-12));
  CHECK(r.at("c2") == Approx(r.at("c2_radius") + r.at("c2_angle")).epsilon(1e-14));
  CHECK(eval(*circ, train, none).at("c2_angle") == Approx(0.196349540849362).epsilon(1e-9));
  // Circular is rotation invariant; linear on n points at (i + ½)2π/n gives π/(2n).
  CHECK(eval(*circ, on_circle(8, 0.3), none).at("c2_angle") == Approx(0.196349540849362).epsilon(1e-9));
  CHECK(eval(*lin, on_circle(10, pi / 10.0), none).at("c2_angle") == Approx(pi / 20.0).epsilon(1e-12));
  // C1(train, train rotated by π/8) = π/8 with radius part 0, both angle modes.
  const Matrix test = on_circle(8, pi / 8.0);
  for (const auto* m : {&lin, &circ}) {
    r = eval(**m, test, train);
    CHECK(r.at("c1_radius") == Approx(0.0).margin(1e-15));
    CHECK(r.at("c1_angle") == Approx(pi / 8.0).epsilon(1e-12));
    CHECK(r.at("c1") == Approx(pi / 8.0).epsilon(1e-12));
  }
  // Radii 0.9 and 1.2 about a shifted centre: W1({0.9, 1.2}, δ_1) = 0.15; R = 2 gives 0.95.
  Matrix two(2, 2);
  two << 3.9, -1.0, 3.0, 0.2;
  const auto shifted = metric("circle", {{"center_x", 3.0}, {"center_y", -1.0}});
  CHECK(eval(*shifted, two, none).at("c2_radius") == Approx(0.15).epsilon(1e-12));
  const auto big = metric("circle", {{"center_x", 3.0}, {"center_y", -1.0}, {"radius", 2.0}});
  CHECK(eval(*big, two, none).at("c2_radius") == Approx(0.95).epsilon(1e-12));
  CHECK_THROWS_AS(eval(*lin, normals(4, 3, 1), none), sgm::Error);
}

// ---------------------------------------------------------------------------------------------
TEST_CASE("mode_weights: constructed samples and sampled mixtures", "[unit][metrics]") {
  Matrix means(2, 2);
  means << -10.0, 0.0, 10.0, 0.0;
  const DensityDataset ds(isotropic({0.3, 0.7}, means, 1.0));
  const auto m = metric("mode_weights");
  const Matrix unused(0, 2);
  Matrix x(4, 2);
  x << -9.0, 1.0, -11.0, 0.0, -0.5, 3.0, 12.0, -1.0;  // three nearer the left mode
  auto r = eval(*m, x, unused, 7, sgm::SerialExecutor{}, &ds);
  CHECK(r.at("weight_0") == 0.75);
  CHECK(r.at("weight_1") == 0.25);
  CHECK(r.at("true_weight_0") == Approx(0.3).epsilon(1e-14));
  CHECK(r.at("weight_error_l1") == Approx(0.9).epsilon(1e-12));
  CHECK(r.at("weight_error_max") == Approx(0.45).epsilon(1e-12));
  CHECK(r.at("weight_0_stderr") == Approx(std::sqrt(0.75 * 0.25 / 4.0)).epsilon(1e-14));
  // Exact samples of well-separated modes (misassignment ~Φ(−10)): ŵ within 4 binomial s.e.
  const Eigen::Index n = 20000;
  Matrix s(n, 2);
  sgm::RowRng rng(5, sgm::streams::data, 0, n);
  ds.sample(s, rng);
  r = eval(*m, s, unused, 7, sgm::SerialExecutor{}, &ds);
  const double se = std::sqrt(0.3 * 0.7 / static_cast<double>(n));
  CHECK(r.at("weight_0") == Approx(0.3).margin(4.0 * se));
  CHECK(r.at("weight_error_l1") < 8.0 * se);
  check_identical(eval(*m, s, unused, 7, TwoThreadExecutor{}, &ds), r);
  const PlainDataset plain;
  CHECK_THROWS_AS(eval(*m, s, unused, 7, sgm::SerialExecutor{}, &plain), sgm::Error);
  CHECK_THROWS_AS(eval(*m, normals(5, 3, 1), unused, 7, sgm::SerialExecutor{}, &ds), sgm::Error);
}

// ---------------------------------------------------------------------------------------------
TEST_CASE("nearest_neighbors.hpp: k-d tree agrees with brute force", "[unit][metrics]") {
  // Random 3-D points, and a lattice with many exact ties (ties resolved by index).
  for (int lattice = 0; lattice < 2; ++lattice) {
    Matrix pts = uniforms(1500, 3, 61);
    if (lattice) pts = (pts * 4.0).array().floor().matrix();
    const Matrix q = uniforms(200, 3, 62) * (lattice ? 4.0 : 1.0);
    Eigen::VectorXd radii = uniforms(1500, 1, 63).col(0) * 0.05;
    std::vector<double> rv(radii.data(), radii.data() + radii.size());
    const sgm::KdTree tree(pts, rv, 8);
    std::vector<sgm::Neighbor> got;
    for (Eigen::Index i = 0; i < q.rows(); ++i) {
      std::vector<sgm::Neighbor> all;
      bool covered = false;
      for (Eigen::Index j = 0; j < pts.rows(); ++j) {
        const double d2 = sgm::squared_distance(q.row(i).data(), pts.row(j).data(), 3);
        all.push_back({d2, j});
        covered = covered || d2 <= rv[static_cast<std::size_t>(j)] * rv[static_cast<std::size_t>(j)];
      }
      std::sort(all.begin(), all.end());
      tree.knn(q.row(i).data(), 5, got);
      REQUIRE(got.size() == 5);
      // Distances may differ from brute force in the last bit (FMA contraction differs between
      // inlined copies), so compare them to 1e-12 and check each returned index by its own
      // brute-force distance; exact ties (lattice) must come in index order.
      auto brute = [&](Eigen::Index j) { return (q.row(i) - pts.row(j)).squaredNorm(); };
      for (std::size_t k = 0; k < 5; ++k) {
        CHECK(got[k].dist2 == Approx(all[k].dist2).epsilon(1e-12).margin(1e-300));
        CHECK(brute(got[k].index) == Approx(all[k].dist2).epsilon(1e-12).margin(1e-300));
        if (k > 0 && got[k].dist2 == got[k - 1].dist2) CHECK(got[k].index > got[k - 1].index);
      }
      if (lattice) CHECK(got[0].index == all[0].index);  // ties broken by the lowest index
      CHECK(tree.covered(q.row(i).data()) == covered);
      // Excluding a point removes exactly it.
      tree.knn(q.row(i).data(), 2, got, got[0].index);
      CHECK(got[0].dist2 == Approx(all[1].dist2).epsilon(1e-12).margin(1e-300));
    }
  }
}

TEST_CASE("memorization: copies, far samples and order independence", "[unit][metrics]") {
  const auto m = metric("memorization", {{"delta", 1e-3}});
  const Matrix train = normals(300, 2, 71);
  const Matrix copies = train + 1e-6 * normals(300, 2, 72);
  auto r = eval(*m, copies, train);
  CHECK(r.at("fraction_within_delta") == 1.0);
  CHECK(r.at("fraction_within_delta_stderr") == 0.0);
  CHECK(r.at("fraction_ratio_below") == 1.0);
  CHECK(r.at("nn_distance_mean") < 2e-6);
  const Matrix far = train.array() + 100.0;
  r = eval(*m, far, train);
  CHECK(r.at("fraction_within_delta") == 0.0);
  CHECK(r.at("fraction_ratio_below") == 0.0);
  CHECK(r.at("nn_distance_mean") > 90.0);
  // Hand case: training {0, 1, 3} (1-D), samples {0.1, 2.9}: d1 = 0.1, 0.1; d2 = 0.9, 1.9.
  const auto m2 = metric("memorization", {{"delta", 0.1}, {"ratio_threshold", 0.1}});
  r = eval(*m2, column({0.1, 2.9}), column({0.0, 1.0, 3.0}));
  CHECK(r.at("nn_distance_mean") == Approx(0.1).epsilon(1e-12));
  CHECK(r.at("nn_ratio_mean") == Approx(0.5 * (0.1 / 0.9 + 0.1 / 1.9)).epsilon(1e-12));
  CHECK(r.at("fraction_ratio_below") == 0.5);  // 0.1/1.9 < 0.1 ≤ 0.1/0.9
  const Matrix x = normals(3000, 2, 73);
  check_identical(eval(*m, x, train, 7, ReverseExecutor{}), eval(*m, x, train));
  check_identical(eval(*m, x, train, 7, TwoThreadExecutor{}), eval(*m, x, train));
}

TEST_CASE("precision_recall: identical, disjoint and half-covering sets", "[unit][metrics]") {
  const auto m = metric("precision_recall", {{"k", std::int64_t{3}}});
  const Matrix y = normals(2000, 2, 81);
  auto r = eval(*m, y, y);
  CHECK(r.at("precision") == 1.0);
  CHECK(r.at("recall") == 1.0);
  r = eval(*m, y.array() + 100.0, y);
  CHECK(r.at("precision") == 0.0);
  CHECK(r.at("recall") == 0.0);
  // Samples = the reference points with x > 0: every sample lies in the real manifold
  // (precision 1), and about half the reference is covered (recall ≈ ½ plus a boundary layer).
  std::vector<Eigen::Index> keep;
  for (Eigen::Index i = 0; i < y.rows(); ++i)
    if (y(i, 0) > 0.0) keep.push_back(i);
  Matrix half(static_cast<Eigen::Index>(keep.size()), 2);
  for (std::size_t i = 0; i < keep.size(); ++i) half.row(static_cast<Eigen::Index>(i)) = y.row(keep[i]);
  r = eval(*m, half, y);
  CHECK(r.at("precision") == 1.0);
  CHECK(r.at("recall") > 0.45);
  CHECK(r.at("recall") < 0.7);
  check_identical(eval(*m, half, y, 7, TwoThreadExecutor{}), r);
  CHECK_THROWS_AS(eval(*m, normals(3, 2, 1), y), sgm::Error);  // fewer than k + 1 points
}

// ---------------------------------------------------------------------------------------------
TEST_CASE("true_nll: the exact NLL of exact samples is the data entropy", "[unit][metrics]") {
  const DensityDataset ds(isotropic({1.0}, Matrix::Zero(1, 2), 1.0));
  const auto m = metric("true_nll");
  const Matrix x = normals(20000, 2, 91), unused(0, 2);
  const auto r = eval(*m, x, unused, 7, sgm::SerialExecutor{}, &ds);
  const double entropy = 1.0 + std::log(2.0 * pi);  // (d/2)(1 + ln 2π), d = 2
  CHECK(r.at("nll") == Approx(entropy).margin(4.0 * r.at("nll_stderr")));
  CHECK(r.at("nll_bits_per_dim") == Approx(r.at("nll") / (2.0 * std::log(2.0))).epsilon(1e-14));
  // Samples twice as spread: E NLL = ln 2π + ½ E‖x‖² = ln 2π + 4.
  const auto wide = eval(*m, Matrix(2.0 * x), unused, 7, sgm::SerialExecutor{}, &ds);
  CHECK(wide.at("nll") == Approx(std::log(2.0 * pi) + 4.0).margin(4.0 * wide.at("nll_stderr")));
  check_identical(eval(*m, x, unused, 7, ReverseExecutor{}, &ds), r);
  const PlainDataset plain;
  CHECK_THROWS_AS(eval(*m, x, unused, 7, sgm::SerialExecutor{}, &plain), sgm::Error);
}
