// two_sample.hpp: unbiased two-sample kernel statistics (MMD², energy distance) with a
// first-order standard error, computed in fixed row blocks of the host's executor.
//
//   D = (1/(n(n−1))) Σ_{i≠i'} k(x_i, x_i') + (1/(m(m−1))) Σ_{j≠j'} k(y_j, y_j') − (2/(nm)) Σ_ij k(x_i, y_j)
//   (Gretton et al. 2012, eq. 3: the unbiased MMD²_u for a kernel k; with k = −‖x − y‖ it is the
//   U-statistic of the energy distance 2E‖X−Y‖ − E‖X−X'‖ − E‖Y−Y'‖, Székely & Rizzo 2013).
//   Standard error from the Hoeffding projection: D − E D ≈ (1/n)Σ_i h_i + (1/m)Σ_j h'_j with
//   h_i = 2·mean_{i'≠i} k(x_i, x_i') − 2·mean_j k(x_i, y_j) (and h'_j symmetrically), so
//   se² = var(h)/n + var(h')/m. When the two laws are equal the statistic is degenerate (its
//   s.d. is O(1/n), not O(1/√n)) and this se is only an order-of-magnitude guide.
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "sgm/context.hpp"
#include "sgm/error.hpp"
#include "sgm/types.hpp"

namespace sgm {

/// Result of kernel_two_sample.
struct TwoSampleStat {
  double value = 0.0;   ///< D above
  double std_error = 0.0;  ///< first-order standard error of D
  double kxx = 0.0, kyy = 0.0, kxy = 0.0;  ///< the three means
};

/// D for the kernel `k(const double* a, const double* b, Eigen::Index d)` over rows of x (n ≥ 2)
/// and y (m ≥ 2), O((n + m)² d). Bit-identical at any thread count.
template <class Kernel>
TwoSampleStat kernel_two_sample(CRef x, CRef y, const Kernel& k, const Executor& ex) {
  const Eigen::Index n = x.rows(), m = y.rows(), d = x.cols();
  if (n < 2 || m < 2) throw Error("kernel_two_sample: need at least 2 points on each side");
  if (y.cols() != d) throw Error("kernel_two_sample: dimensions differ");
  // Row-major copies so that rows are contiguous whatever the strides of the inputs.
  const Matrix xs = x, ys = y;
  std::vector<double> sxx(static_cast<std::size_t>(n)), sxy(static_cast<std::size_t>(n));
  std::vector<double> syy(static_cast<std::size_t>(m)), syx(static_cast<std::size_t>(m));
  auto sums = [&](const Matrix& a, const Matrix& b, std::vector<double>& self,
                  std::vector<double>& cross) {
    ex.for_blocks(static_cast<std::size_t>(a.rows()), 32, [&](std::size_t lo, std::size_t hi) {
      for (std::size_t i = lo; i < hi; ++i) {
        const double* ai = a.data() + static_cast<Eigen::Index>(i) * d;
        double s = 0.0, c = 0.0;
        for (Eigen::Index j = 0; j < a.rows(); ++j)
          if (j != static_cast<Eigen::Index>(i)) s += k(ai, a.data() + j * d, d);
        for (Eigen::Index j = 0; j < b.rows(); ++j) c += k(ai, b.data() + j * d, d);
        self[i] = s;
        cross[i] = c;
      }
    });
  };
  sums(xs, ys, sxx, sxy);
  sums(ys, xs, syy, syx);
  const double dn = static_cast<double>(n), dm = static_cast<double>(m);
  TwoSampleStat r;
  double cxy = 0.0;
  for (std::size_t i = 0; i < sxx.size(); ++i) {
    r.kxx += sxx[i];
    cxy += sxy[i];
  }
  for (double v : syy) r.kyy += v;
  r.kxx /= dn * (dn - 1.0);
  r.kyy /= dm * (dm - 1.0);
  r.kxy = cxy / (dn * dm);
  r.value = r.kxx + r.kyy - 2.0 * r.kxy;
  auto variance = [](const std::vector<double>& h) {
    double mean = 0.0;
    for (double v : h) mean += v;
    mean /= static_cast<double>(h.size());
    double ss = 0.0;
    for (double v : h) ss += (v - mean) * (v - mean);
    return ss / static_cast<double>(h.size() - 1);
  };
  std::vector<double> hx(static_cast<std::size_t>(n)), hy(static_cast<std::size_t>(m));
  for (std::size_t i = 0; i < hx.size(); ++i) hx[i] = 2.0 * sxx[i] / (dn - 1.0) - 2.0 * sxy[i] / dm;
  for (std::size_t j = 0; j < hy.size(); ++j) hy[j] = 2.0 * syy[j] / (dm - 1.0) - 2.0 * syx[j] / dn;
  r.std_error = std::sqrt(variance(hx) / dn + variance(hy) / dm);
  return r;
}

}  // namespace sgm
