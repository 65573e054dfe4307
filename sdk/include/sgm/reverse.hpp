// reverse.hpp: the reverse-time SDE and probability-flow ODE built generically from any forward
// SDE and score (MATH.md §1, Anderson): dx = [f − G Gᵀ s] dt + G dW̄ from T to 0, and
// dx/dt = f − ½ G Gᵀ s. Every sampler shares this, so a new SDE works with every sampler.
#pragma once

#include <cstdint>
#include <vector>

#include "sgm/error.hpp"
#include "sgm/forward_sde.hpp"
#include "sgm/score_model.hpp"
#include "sgm/types.hpp"

namespace sgm {

/// Scratch buffers for reverse_drift(), sized once per block of rows (no allocation per step).
struct DriftWorkspace {
  Matrix score, ggts;
  void resize(Eigen::Index rows, Eigen::Index cols) {
    score.resize(rows, cols);
    ggts.resize(rows, cols);
  }
};

/// out = f(x, t) − weight · G Gᵀ s(x, t): weight 1 for the reverse SDE, ½ for the PF-ODE.
/// This is the drift in forward time; a reverse step of size h moves by −h·out.
inline void reverse_drift(const ForwardSde& sde, const ScoreModel& score, CRef x, double t,
                          double weight, Ref out, DriftWorkspace& ws) {
  ws.resize(x.rows(), x.cols());
  sde.drift(x, t, out);
  score.score(x, t, ws.score);
  sde.diffusion_squared_apply(ws.score, t, ws.ggts);
  out -= weight * ws.ggts;
}

/// Uniform time grid t_0 > t_1 > ... > t_N from `from` to `to` (either order), N steps.
inline std::vector<double> uniform_grid(double from, double to, std::uint64_t steps) {
  if (steps == 0) throw Error("a time grid needs at least one step");
  std::vector<double> t(steps + 1);
  for (std::uint64_t k = 0; k <= steps; ++k)
    t[k] = from + (to - from) * static_cast<double>(k) / static_cast<double>(steps);
  t[steps] = to;  // exact end point, no rounding drift
  return t;
}

}  // namespace sgm
