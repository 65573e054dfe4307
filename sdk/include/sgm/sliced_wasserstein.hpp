// sliced_wasserstein.hpp: the sliced Wasserstein distance between two point clouds (MATH.md §C4,
// seed 000 App D.1), shared by every metric that reports one (sliced_wasserstein, law_distance).
//
//   θ_l = z_l / ‖z_l‖,  z_l ~ N(0, I_d), drawn from Rng(seed, streams::metric, l): direction l
//         never depends on threading;
//   SW_p = ( (1/L) Σ_l W_p^p(θ_lᵀX, θ_lᵀY) )^{1/p}, W_p^p exact for the 1-D empirical laws;
//   stderr: the Monte-Carlo standard error over projections carried to the p-th root by the delta
//         method, se(SW_p) = se(mean W_p^p)/(p·SW_p^{p−1}) (0 when every projection gives 0; NaN
//         when L = 1).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sgm/context.hpp"
#include "sgm/metric.hpp"
#include "sgm/rng.hpp"
#include "sgm/types.hpp"
#include "sgm/wasserstein.hpp"

namespace sgm {

/// θ_l uniform on the sphere: a normalised N(0, I) vector from projection l's own stream.
inline void sliced_direction(std::uint64_t seed, std::size_t l, std::vector<double>& theta) {
  Rng rng(seed, streams::metric, static_cast<std::uint64_t>(l));
  double norm2 = 0.0;
  while (!(norm2 > 0.0)) {  // a zero vector has probability 0; redraw from the same stream
    norm2 = 0.0;
    for (double& t : theta) {
      t = rng.normal();
      norm2 += t * t;
    }
  }
  const double norm = std::sqrt(norm2);
  for (double& t : theta) t /= norm;
}

/// out_i = x_i · θ, summed in column order (independent of alignment and blocking).
inline void project_rows(CRef x, const std::vector<double>& theta, std::vector<double>& out) {
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    double s = 0.0;
    for (Eigen::Index j = 0; j < x.cols(); ++j) s += x(i, j) * theta[static_cast<std::size_t>(j)];
    out[static_cast<std::size_t>(i)] = s;
  }
}

/// {"sw<p>", SW_p}, {"sw<p>_stderr", its standard error}, {"projections", L} between the rows of
/// x and y (same dimension, finite: the caller checks), over L = `projections` directions.
inline MetricValues sliced_wasserstein(CRef x, CRef y, int p, std::size_t projections,
                                       std::uint64_t seed, const Executor& executor) {
  constexpr std::size_t kGrain = 8;
  std::vector<double> wpp(projections);  // W_p^p of projection l, written by whichever block has l
  executor.for_blocks(projections, kGrain, [&](std::size_t begin, std::size_t end) {
    std::vector<double> theta(static_cast<std::size_t>(x.cols()));
    std::vector<double> px(static_cast<std::size_t>(x.rows()));
    std::vector<double> py(static_cast<std::size_t>(y.rows()));
    for (std::size_t l = begin; l < end; ++l) {
      sliced_direction(seed, l, theta);
      project_rows(x, theta, px);
      project_rows(y, theta, py);
      std::sort(px.begin(), px.end());
      std::sort(py.begin(), py.end());
      wpp[l] = wasserstein_pp_sorted(px, py, p);
    }
  });
  // Mean and standard error over projections, summed in projection order.
  double sum = 0.0;
  for (double v : wpp) sum += v;
  const double mean = sum / static_cast<double>(projections);
  double ss = 0.0;
  for (double v : wpp) ss += (v - mean) * (v - mean);
  const double se_mean = projections > 1 ? std::sqrt(ss / static_cast<double>(projections - 1) /
                                                     static_cast<double>(projections))
                                         : std::numeric_limits<double>::quiet_NaN();
  const double sw = p == 1 ? mean : std::sqrt(mean);
  double se;
  if (p == 1) se = se_mean;
  else if (mean > 0.0) se = se_mean / (2.0 * sw);
  else se = projections > 1 ? 0.0 : se_mean;  // all projections 0: no spread
  const std::string key = "sw" + std::to_string(p);
  return {{key, sw}, {key + "_stderr", se}, {"projections", static_cast<double>(projections)}};
}

}  // namespace sgm
