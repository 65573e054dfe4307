// wasserstein.hpp: exact 1-D Wasserstein distances between empirical laws, against a point mass
// and a uniform law, and the circular W1 on S¹ (MATH.md §C4; seed 000 §3.3, §4.2.2).
//
//   W_p^p(μ, ν) = ∫₀¹ |F_μ⁻¹(u) − F_ν⁻¹(u)|^p du, exact for empirical laws of any sizes n, m
//   (quantile functions are step functions with breakpoints i/n and j/m; the integral is summed
//   piecewise on their union). For p = 1 this equals ∫|F_μ − F_ν| dx (scipy's
//   wasserstein_distance). Circular W1 on [0, L) with L the period:
//   W1_S¹(μ, ν) = min_c ∫₀^L |F_μ(θ) − F_ν(θ) − c| dθ  (Rabin, Delon, Gousseau 2011),
//   rotation invariant; c* is a weighted median of F_μ − F_ν.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include "sgm/error.hpp"

namespace sgm {

/// |x|^p, exact for the common p = 1 and p = 2.
inline double abs_pow(double x, int p) {
  const double a = std::fabs(x);
  if (p == 1) return a;
  if (p == 2) return a * a;
  return std::pow(a, static_cast<double>(p));
}

/// W_p^p between the empirical laws of the sorted samples a (n values) and b (m values):
/// ∫₀¹ |F_a⁻¹(u) − F_b⁻¹(u)|^p du, exact for any n, m ≥ 1. F_a⁻¹ equals a[i] on
/// (i/n, (i+1)/n] and F_b⁻¹ equals b[j] on (j/m, (j+1)/m]; the merged breakpoints are kept as
/// integers in units of 1/(n·m), so the pieces are found without rounding.
/// \throws Error if a or b is empty or has more than 2^32 values.
inline double wasserstein_pp_sorted(std::span<const double> a, std::span<const double> b, int p) {
  const std::uint64_t n = a.size(), m = b.size();
  if (n == 0 || m == 0) throw Error("wasserstein: empty sample");
  if (n > std::numeric_limits<std::uint32_t>::max() ||
      m > std::numeric_limits<std::uint32_t>::max())
    throw Error("wasserstein: more than 2^32 samples");
  std::uint64_t i = 0, j = 0, pos = 0;
  double acc = 0.0;
  while (i < n && j < m) {
    const std::uint64_t end_a = (i + 1) * m, end_b = (j + 1) * n;
    const std::uint64_t end = std::min(end_a, end_b);
    acc += static_cast<double>(end - pos) * abs_pow(a[i] - b[j], p);
    pos = end;
    if (end_a == end) ++i;
    if (end_b == end) ++j;
  }
  return acc / (static_cast<double>(n) * static_cast<double>(m));
}

/// W_p (not its p-th power) between two unsorted samples; sorts copies.
inline double wasserstein_1d(std::vector<double> a, std::vector<double> b, int p) {
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  const double pp = wasserstein_pp_sorted(a, b, p);
  return p == 1 ? pp : std::pow(pp, 1.0 / static_cast<double>(p));
}

/// W1(μ_a, δ_c) = mean |a_i − c| (any order). \throws Error if a is empty.
inline double w1_to_point(std::span<const double> a, double c) {
  if (a.empty()) throw Error("wasserstein: empty sample");
  double s = 0.0;
  for (double v : a) s += std::fabs(v - c);
  return s / static_cast<double>(a.size());
}

/// W1(μ_a, U[lo, hi]) for sorted a (n values, lo < hi):
/// Σ_i ∫_{i/n}^{(i+1)/n} |a_(i) − lo − (hi − lo) u| du, each piece in closed form.
inline double w1_sorted_to_uniform(std::span<const double> a, double lo, double hi) {
  if (a.empty()) throw Error("wasserstein: empty sample");
  if (!(hi > lo)) throw Error("wasserstein: uniform law needs lo < hi");
  const double n = static_cast<double>(a.size());
  const double len = hi - lo;
  double acc = 0.0;  // Σ ∫_{v0}^{v1} |g − v| dv over the pieces v = lo + len·u
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double v0 = lo + len * static_cast<double>(i) / n;
    const double v1 = lo + len * static_cast<double>(i + 1) / n;
    const double g = a[i];
    if (g <= v0) acc += (v1 - v0) * (0.5 * (v0 + v1) - g);
    else if (g >= v1) acc += (v1 - v0) * (g - 0.5 * (v0 + v1));
    else acc += 0.5 * ((g - v0) * (g - v0) + (v1 - g) * (v1 - g));
  }
  return acc / len;
}

/// Circular W1 between the empirical laws of sorted angles a and b in [0, period):
/// min_c ∫₀^period |F_a − F_b − c| dθ. D = F_a − F_b is a step function; c* is the median of
/// its values weighted by the lengths of their intervals.
inline double circular_w1_sorted(std::span<const double> a, std::span<const double> b,
                                 double period) {
  if (a.empty() || b.empty()) throw Error("wasserstein: empty sample");
  const double wa = 1.0 / static_cast<double>(a.size()), wb = 1.0 / static_cast<double>(b.size());
  std::vector<std::pair<double, double>> steps;  // (interval length, value of D on it)
  steps.reserve(a.size() + b.size() + 1);
  std::size_t i = 0, j = 0;
  double prev = 0.0, d = 0.0;
  while (i < a.size() || j < b.size()) {
    const bool take_a = j == b.size() || (i < a.size() && a[i] <= b[j]);
    const double z = take_a ? a[i] : b[j];
    steps.emplace_back(z - prev, d);
    prev = z;
    if (take_a) { d += wa; ++i; } else { d -= wb; ++j; }
  }
  steps.emplace_back(period - prev, d);
  std::vector<std::pair<double, double>> by_value(steps);
  std::sort(by_value.begin(), by_value.end(),
            [](const auto& x, const auto& y) { return x.second < y.second; });
  double half = 0.0;
  for (const auto& s : by_value) half += s.first;
  half *= 0.5;
  double acc = 0.0, c = by_value.back().second;
  for (const auto& s : by_value) {
    acc += s.first;
    if (acc >= half) { c = s.second; break; }
  }
  double w = 0.0;
  for (const auto& s : steps) w += s.first * std::fabs(s.second - c);
  return w;
}

/// Circular W1 between the empirical law of sorted angles a in [0, period) and the uniform law
/// on the circle: min_c ∫₀^period |F_a(θ) − θ/period − c| dθ. D is piecewise linear; the
/// objective is convex in c and c* (a median of D(θ), θ uniform) is found by bisection on the
/// balance |{D < c}| − |{D > c}|, then the integral is evaluated in closed form.
inline double circular_w1_sorted_to_uniform(std::span<const double> a, double period) {
  if (a.empty()) throw Error("wasserstein: empty sample");
  const double w = 1.0 / static_cast<double>(a.size());
  // Pieces [z_k, z_{k+1}) on which D(θ) = F_k − θ/period, F_k = k·w (z_0 = 0, z_{n+1} = period).
  const std::size_t pieces = a.size() + 1;
  auto z = [&](std::size_t k) { return k == 0 ? 0.0 : (k == pieces ? period : a[k - 1]); };
  // ∫ over piece k of |D − c| and the measure of {D < c} on it.
  auto piece = [&](std::size_t k, double c, double& below) {
    const double t0 = z(k), t1 = z(k + 1), f = static_cast<double>(k) * w;
    const double d0 = f - t0 / period, d1 = f - t1 / period;  // d0 ≥ d1, linear in θ
    const double len = t1 - t0;
    if (len <= 0.0) { below = 0.0; return 0.0; }
    if (c <= d1) { below = 0.0; return len * (0.5 * (d0 + d1) - c); }
    if (c >= d0) { below = len; return len * (c - 0.5 * (d0 + d1)); }
    const double tc = t0 + (d0 - c) * period;  // D(tc) = c
    below = t1 - tc;
    return 0.5 * ((tc - t0) * (d0 - c) + (t1 - tc) * (c - d1));
  };
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (std::size_t k = 0; k < pieces; ++k) {
    const double f = static_cast<double>(k) * w;
    lo = std::min(lo, f - z(k + 1) / period);
    hi = std::max(hi, f - z(k) / period);
  }
  for (int it = 0; it < 100 && hi - lo > 1e-15; ++it) {
    const double c = 0.5 * (lo + hi);
    double below_total = 0.0, below;
    for (std::size_t k = 0; k < pieces; ++k) {
      piece(k, c, below);
      below_total += below;
    }
    if (below_total < 0.5 * period) lo = c; else hi = c;
  }
  const double c = 0.5 * (lo + hi);
  double acc = 0.0, below;
  for (std::size_t k = 0; k < pieces; ++k) acc += piece(k, c, below);
  return acc;
}

}  // namespace sgm
