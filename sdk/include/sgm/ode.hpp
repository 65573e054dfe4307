// ode.hpp: adaptive Dormand–Prince 5(4) for a general ODE dy/dt = F(y, t) on one state vector
// (MATH.md §D7; scipy's RK45), for solvers whose right-hand side is not the PF-ODE velocity alone,
// e.g. the augmented likelihood ODE (x, log p) of the `nll` metric (MATH.md §B5). The tableau is
// sgm::DormandPrince (samplers.hpp) and the step-size control is the one of the pf_rk45 sampler
// (scipy's):
//   error norm E = RMS over coordinates of err/(atol + rtol·max(|y|, |y_new|)); accept if E < 1;
//   next h ← h·min(10, 0.9 E^{−1/5}) (at most h right after a rejection); on rejection
//   h ← h·max(0.2, 0.9 E^{−1/5}); the initial step by Hairer's rule (scipy's
//   select_initial_step, one extra evaluation). FSAL: evaluations = 2 + 6·attempts.
// One state per call: a caller that integrates many particles calls it per particle, so each
// particle's step sequence, hence its result, never depends on which particles share its block.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "sgm/error.hpp"
#include "sgm/samplers.hpp"

namespace sgm {

/// Tolerances and the attempt cap of dopri_solve().
struct DopriOptions {
  double rtol = 1e-5;
  double atol = 1e-5;
  std::uint64_t max_steps = 100000;  ///< attempted steps before giving up (throws)
};

/// What dopri_solve() did: accepted steps, attempted steps and right-hand-side evaluations.
struct DopriStats {
  std::uint64_t accepted = 0, attempts = 0, evals = 0;
};

/// Integrates dy/dt = rhs(y, t) from t0 to t1 (t1 < t0 allowed) in place, with adaptive
/// Dormand–Prince 5(4) steps (header). `rhs(const Eigen::VectorXd& y, double t,
/// Eigen::VectorXd& dydt)` writes F(y, t) into a vector of y's size.
/// \throws Error on more than opt.max_steps attempts or a step-size underflow.
template <class Rhs>
DopriStats dopri_solve(Rhs&& rhs, Eigen::VectorXd& y, double t0, double t1,
                       const DopriOptions& opt = {}) {
  using DP = DormandPrince;
  DopriStats st;
  if (t0 == t1) return st;
  const double dir = t1 > t0 ? 1.0 : -1.0, span = std::abs(t1 - t0);
  const Eigen::Index n = y.size();
  std::vector<Eigen::VectorXd> k(7, Eigen::VectorXd(n));
  Eigen::VectorXd stage(n), y_new(n), err(n);
  const auto rms = [](const auto& v) { return std::sqrt(v.square().mean()); };
  rhs(y, t0, k[0]);
  ++st.evals;
  // Hairer's initial step (order 4).
  double h;
  {
    const Eigen::ArrayXd sc = opt.atol + opt.rtol * y.array().abs();
    const double d0 = rms(y.array() / sc), d1 = rms(k[0].array() / sc);
    const double h0 = std::min((d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1, span);
    stage = y + (dir * h0) * k[0];
    rhs(stage, t0 + dir * h0, k[1]);
    ++st.evals;
    const double d2 = rms((k[1] - k[0]).array() / sc) / h0;
    const double h1 = (d1 <= 1e-15 && d2 <= 1e-15) ? std::max(1e-6, h0 * 1e-3)
                                                   : std::pow(0.01 / std::max(d1, d2), 0.2);
    h = std::min(100.0 * h0, h1);
  }
  double t = t0;
  bool rejected = false;
  while (dir * (t1 - t) > 0.0) {
    if (++st.attempts > opt.max_steps)
      throw Error(std::string("dopri_solve: more than max_steps = ") +
                  std::to_string(opt.max_steps) +
                  " attempted steps; loosen rtol/atol or raise max_steps");
    const double min_h = 10.0 * std::numeric_limits<double>::epsilon() * std::abs(t);
    if (h < min_h) throw Error(std::string("dopri_solve: step size underflow at t = ") + std::to_string(t));
    const bool last = h >= std::abs(t1 - t);
    const double dt = last ? t1 - t : dir * h;
    for (int i = 1; i <= 5; ++i) {
      stage = y;
      for (int j = 0; j < i; ++j)
        if (DP::a[i - 1][j] != 0.0) stage.noalias() += (dt * DP::a[i - 1][j]) * k[j];
      rhs(stage, t + DP::c[i] * dt, k[i]);
    }
    y_new = y;
    for (int j = 0; j < 6; ++j)
      if (DP::b[j] != 0.0) y_new.noalias() += (dt * DP::b[j]) * k[j];
    rhs(y_new, last ? t1 : t + dt, k[6]);
    st.evals += 6;
    err.setZero();
    for (int j = 0; j < 7; ++j)
      if (DP::e[j] != 0.0) err.noalias() += (dt * DP::e[j]) * k[j];
    const double e = rms(err.array() / (opt.atol + opt.rtol * y.array().abs().max(y_new.array().abs())));
    if (e < 1.0) {
      double factor = e == 0.0 ? 10.0 : std::min(10.0, 0.9 * std::pow(e, -0.2));
      if (rejected) factor = std::min(1.0, factor);
      t = last ? t1 : t + dt;
      y = y_new;
      k[0] = k[6];
      h = std::abs(dt) * factor;
      rejected = false;
      ++st.accepted;
    } else {
      h = std::abs(dt) * std::max(0.2, 0.9 * std::pow(e, -0.2));
      rejected = true;
    }
  }
  return st;
}

}  // namespace sgm
