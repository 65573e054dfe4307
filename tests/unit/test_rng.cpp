// The counter-based generator: Philox known answers, exact distributions, stream independence.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

#include <sgm/rng.hpp>

using namespace sgm;

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vector", "[unit][rng]") {
  // Random123 kat_vectors: philox4x32 10, counter = pi digits, key = more pi digits.
  const auto r = philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                               {0xa4093822, 0x299f31d0});
  CHECK(r == std::array<std::uint32_t, 4>{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("a particle's stream does not depend on the block that holds it", "[unit][rng]") {
  RowRng block(42, streams::integrator, 100, 8);
  Rng alone(42, streams::integrator, 105);
  Rng& inside = block.row(5);
  for (int k = 0; k < 1000; ++k) REQUIRE(inside.normal() == alone.normal());
  // Other seed, stream or particle: other numbers.
  CHECK(Rng(43, streams::integrator, 105).next_u64() != Rng(42, streams::integrator, 105).next_u64());
  CHECK(Rng(42, streams::prior, 105).next_u64() != Rng(42, streams::integrator, 105).next_u64());
  CHECK(Rng(42, streams::prior, 106).next_u64() != Rng(42, streams::prior, 105).next_u64());
}

namespace {
double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Kolmogorov-Smirnov statistic of a sample against a CDF.
template <class Cdf>
double ks_statistic(std::vector<double> v, Cdf cdf) {
  std::sort(v.begin(), v.end());
  const double n = static_cast<double>(v.size());
  double d = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double f = cdf(v[i]);
    d = std::max({d, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  return d;
}
}  // namespace

TEST_CASE("normal() is standard normal, tails included", "[unit][rng]") {
  constexpr int n = 400000;
  std::vector<double> v(n);
  double sum = 0, sum2 = 0, sum4 = 0;
  int beyond_r = 0;  // draws from the ziggurat's tail (|x| > 3.654)
  Rng rng(7, 11, 0);
  for (int i = 0; i < n; ++i) {
    const double x = rng.normal();
    v[static_cast<std::size_t>(i)] = x;
    sum += x;
    sum2 += x * x;
    sum4 += x * x * x * x;
    beyond_r += std::abs(x) > 3.6541528853610088;
  }
  // Standard errors for n draws: mean 1/√n, variance √(2/n), fourth moment √(96/n); 5 s.e.
  CHECK(std::abs(sum / n) < 5.0 / std::sqrt(n));
  CHECK(std::abs(sum2 / n - 1.0) < 5.0 * std::sqrt(2.0 / n));
  CHECK(std::abs(sum4 / n - 3.0) < 5.0 * std::sqrt(96.0 / n));
  // KS statistic: 1.95/√n is the 0.1% critical value.
  CHECK(ks_statistic(v, normal_cdf) < 1.95 / std::sqrt(n));
  // P(|x| > 3.6541528853610088) = 2.58e-4: about 103 of 400000, Poisson s.e. ≈ 10.
  const double expected = n * std::erfc(3.6541528853610088 / std::sqrt(2.0));
  CHECK(std::abs(beyond_r - expected) < 5.0 * std::sqrt(expected));
}

TEST_CASE("uniform() lies in (0, 1) and is uniform", "[unit][rng]") {
  constexpr int n = 200000;
  std::vector<double> v(n);
  Rng rng(3, 1, 9);
  for (auto& x : v) {
    x = rng.uniform();
    REQUIRE(x > 0.0);
    REQUIRE(x < 1.0);
  }
  CHECK(ks_statistic(v, [](double x) { return x; }) < 1.95 / std::sqrt(n));
  // below(n) is exactly uniform over {0..n-1}: chi-square over 10 cells, 0.1% critical 27.9.
  std::vector<int> counts(10, 0);
  for (int i = 0; i < n; ++i) ++counts[static_cast<std::size_t>(rng.below(10))];
  double chi2 = 0;
  for (int c : counts) chi2 += (c - n / 10.0) * (c - n / 10.0) / (n / 10.0);
  CHECK(chi2 < 27.9);
}
