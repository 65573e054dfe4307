// samplers.hpp: reusable step kernels for reverse-time samplers, Langevin samplers and
// probability-flow ODE solvers (MATH.md §1, §3, §B2, §B4, §D0, §D1, §D7). Integrator plugins
// (reverse_diffusion, ancestral, stochastic_heun, pc, annealed_langevin, ula, mala, pf_euler,
// pf_heun, pf_rk45, ddim) are thin loops around these kernels, so a step is written once and a
// fix reaches every sampler that uses it.
//
// Conventions. Time runs from t (larger) down to s < t; h = t − s > 0. `x` is a block of rows
// (particles), each row a state; noise for row i is drawn from rng.row(i) only, and every kernel
// acts row by row (no batch reductions), so results do not depend on chunking. Kernels that
// draw noise draw exactly one N(0, I) row per particle per call, in row order.
//
// One-block linear SDEs (VP, VE, OU, sub-VP, ...): x_t | x_0 ~ N(m_t x_0, σ_t² I). Between two
// times s < t the forward transition is x_t | x_s ~ N(a x_s, c I) with
//     a = m_t / m_s,   c = σ_t² − a² σ_s²                                   [DER, MATH.md §1]
// (VP: a = √(1 − β_i), c = β_i; VE: a = 1, c = σ_t² − σ_s²). Kernels written with (a, c) are
// thus generic: they reduce to Song's VP and VE forms (MATH.md §3, §B4) and work for any SDE
// that reports a one-block kernel.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "sgm/error.hpp"
#include "sgm/forward_sde.hpp"
#include "sgm/integrator.hpp"
#include "sgm/params.hpp"
#include "sgm/reverse.hpp"
#include "sgm/rng.hpp"
#include "sgm/score_model.hpp"
#include "sgm/types.hpp"

namespace sgm {

// ------------------------------------------------------------------------------------------
// Time grids (MATH.md §D1)

enum class GridKind {
  uniform,   ///< t_k = T + (k/N)(ε − T)
  quadratic  ///< t_k = (√T + (k/N)(√ε − √T))²: denser near ε (DDIM's low-resolution choice)
};

/// Parses "uniform" / "quadratic". \throws Error for anything else.
inline GridKind grid_kind_from(const std::string& name) {
  if (name == "uniform") return GridKind::uniform;
  if (name == "quadratic") return GridKind::quadratic;
  throw Error("unknown time grid '" + name + "' (expected uniform or quadratic)");
}

/// Quadratic ("time-quadratic", MATH.md §D1) grid from `from` to `to` (both ≥ 0), N steps:
/// t_k = (√from + (k/N)(√to − √from))², end points exact.
inline std::vector<double> quadratic_grid(double from, double to, std::uint64_t steps) {
  if (steps == 0) throw Error("a time grid needs at least one step");
  if (from < 0.0 || to < 0.0) throw Error("a quadratic time grid needs non-negative times");
  const double a = std::sqrt(from), b = std::sqrt(to);
  std::vector<double> t(steps + 1);
  for (std::uint64_t k = 0; k <= steps; ++k) {
    const double r = a + (b - a) * static_cast<double>(k) / static_cast<double>(steps);
    t[k] = r * r;
  }
  t[0] = from;
  t[steps] = to;
  return t;
}

/// A grid of `steps` steps from `from` to `to` of the given kind.
inline std::vector<double> time_grid(double from, double to, std::uint64_t steps, GridKind kind) {
  return kind == GridKind::uniform ? uniform_grid(from, to, steps)
                                   : quadratic_grid(from, to, steps);
}

/// The reverse-time sampling grid T = sde.t_max() > ... > ε = sde.t_min().
inline std::vector<double> sampling_grid(const ForwardSde& sde, std::uint64_t steps,
                                         GridKind kind = GridKind::uniform) {
  return time_grid(sde.t_max(), sde.t_min(), steps, kind);
}

// ------------------------------------------------------------------------------------------
// Kernels of one-block linear SDEs

/// Whether the SDE has a closed-form scalar kernel N(m_t x_0, σ_t² I).
inline bool is_one_block_linear(const ForwardSde& sde) {
  return sde.blocks() == 1 && sde.is_linear();
}

/// Throws a clear Error naming `who` unless `sde` (when given) is one-block linear; `why` says
/// what needs it. For constructors: refusing a pair at validation time beats failing mid-run.
inline void require_one_block_linear(const ForwardSde* sde, const std::string& who,
                                     const std::string& why) {
  if (sde == nullptr || is_one_block_linear(*sde)) return;
  if (sde->blocks() != 1)
    throw Error(who + ": " + why + " needs a one-block SDE with a scalar kernel N(m_t x0, " +
                "sigma_t^2 I); this SDE has " + std::to_string(sde->blocks()) +
                " blocks (e.g. CLD: use sscs or euler_maruyama)");
  throw Error(who + ": " + why + " needs a linear SDE with a closed-form perturbation kernel; " +
              "this SDE reports none (is_linear() is false)");
}

/// m_t and σ_t² of a one-block linear SDE.
struct ScalarKernel {
  double m;    ///< mean scale m_t
  double var;  ///< variance σ_t²
};

inline ScalarKernel scalar_kernel(const ForwardSde& sde, double t) {
  require_one_block_linear(&sde, "scalar_kernel", "this sampler");
  const LinearKernel k = sde.kernel(t);
  return {k.mean_scale(), k.variance()};
}

/// Forward transition x_t | x_s ~ N(a x_s, c I), s < t, of a one-block linear SDE.
struct Transition {
  double a;  ///< m_t / m_s (VP: √(1 − β_i); VE: 1)
  double c;  ///< σ_t² − a² σ_s² (VP: β_i; VE: σ_t² − σ_s²)
  ScalarKernel at_s, at_t;
};

inline Transition transition(const ForwardSde& sde, double s, double t) {
  const ScalarKernel ks = scalar_kernel(sde, s), kt = scalar_kernel(sde, t);
  if (!(ks.m > 0.0)) throw Error("transition: the kernel's mean scale m_s is not positive");
  const double a = kt.m / ks.m;
  return {a, std::max(0.0, kt.var - a * a * ks.var), ks, kt};
}

/// Whether a step is "VE-type" (the mean scale does not change, a = 1 up to rounding) rather
/// than "VP-type". Decides the noise of the ancestral sampler and a_i of the Langevin corrector.
inline bool is_ve_type(const Transition& tr) { return std::abs(tr.a - 1.0) <= 1e-12; }

// ------------------------------------------------------------------------------------------
// Scratch

/// Buffers for the step kernels, sized once per block (no allocation per step).
struct StepWorkspace {
  DriftWorkspace drift;
  Matrix b0, b1, z, s, tmp;
  Matrix dw;  // a Brownian increment drawn by the caller (stochastic Heun)
  void resize(Eigen::Index rows, Eigen::Index cols) {
    drift.resize(rows, cols);
    for (Matrix* m : {&b0, &b1, &z, &s, &tmp})
      if (m->rows() != rows || m->cols() != cols) m->resize(rows, cols);
  }
};

// ------------------------------------------------------------------------------------------
// Forward SDE step

/// Forward Euler-Maruyama from t to t + h: x ← x + h f(x, t) + √h G(x, t) z, with z ~ N(0, I)
/// given by the caller (a fixed Brownian path: z = ΔW/√h). G is taken at the state before the
/// step (Itô). Strong order 1/2 for state-dependent G, 1 for additive noise; weak order 1.
inline void euler_maruyama_forward_step(const ForwardSde& sde, Ref x, double t, double h, CRef z,
                                        StepWorkspace& ws) {
  ws.resize(x.rows(), x.cols());
  sde.drift(x, t, ws.b0);
  sde.diffusion_apply_at(x, z, t, ws.tmp);
  x.noalias() += h * ws.b0;
  x.noalias() += std::sqrt(h) * ws.tmp;
}

// ------------------------------------------------------------------------------------------
// Reverse-time SDE steps (MATH.md §3, §B4), each from t down to s < t

/// Reverse Euler-Maruyama: x ← x − h [f − G Gᵀ s](x, t) + G(t) √h z; without noise if
/// `noise` is false (the "noise-free last step"). One score evaluation.
inline void euler_maruyama_reverse_step(const ForwardSde& sde, const ScoreModel& score, Ref x,
                                        double t, double s, RowRng& rng, StepWorkspace& ws,
                                        bool noise = true) {
  ws.resize(x.rows(), x.cols());
  const double h = t - s;
  reverse_drift(sde, score, x, t, 1.0, ws.b0, ws.drift);
  x.noalias() -= h * ws.b0;
  if (noise) {
    rng.normal(ws.z);
    sde.diffusion_apply(ws.z, t, ws.tmp);
    x.noalias() += std::sqrt(h) * ws.tmp;
  }
}

/// Reverse-diffusion predictor (MATH.md §B4 (B.32)): x_s = x_t − f_t + G_t G_tᵀ s(x_t, t) + G_t z,
/// with (f_t, G_t) the forward discretisation x_t = x_s + f_s(x_s) + G_s z of the step.
///   One-block linear SDE: the exact discretisation f_t(x) = (a − 1) x, G_t G_tᵀ = c, so
///     x_s = (2 − a) x_t + c s(x_t, t) + √c z
///   (VP: (2 − √(1 − β)) x + β s + √β z; VE: x + (σ_t² − σ_s²) s + √(σ_t² − σ_s²) z — §B4's forms).
///   Any other SDE: the Euler discretisation f_t = f(x, t) h, G_t = G(t) √h, i.e. the reverse
///   Euler-Maruyama step.
/// One score evaluation.
inline void reverse_diffusion_step(const ForwardSde& sde, const ScoreModel& score, Ref x,
                                   double t, double s, RowRng& rng, StepWorkspace& ws,
                                   bool noise = true) {
  if (!is_one_block_linear(sde)) {
    euler_maruyama_reverse_step(sde, score, x, t, s, rng, ws, noise);
    return;
  }
  ws.resize(x.rows(), x.cols());
  const Transition tr = transition(sde, s, t);
  score.score(x, t, ws.s);
  x *= 2.0 - tr.a;
  x.noalias() += tr.c * ws.s;
  if (noise) {
    rng.normal(ws.z);
    x.noalias() += std::sqrt(tr.c) * ws.z;
  }
}

/// Ancestral step for one-block linear SDEs, written from the kernel (MATH.md §3, §B4):
///     x_s = (x_t + c s(x_t, t)) / a + √v z,
///     v = c                (VP-type, a ≠ 1: DDPM's choice σ_i² = β_i, eq. 7.4)
///     v = c σ_s² / σ_t²     (VE-type, a = 1: SMLD's posterior variance, eq. B.33).
/// Derivation [DER]: the mean is the mean of the forward posterior q(x_s | x_t, x_0) with x_0
/// replaced by its Tweedie estimate (x_t + σ_t² s)/m_t; v = c σ_s²/σ_t² is that posterior's
/// variance. For VP this gives (x + β s)/√(1 − β) + √β z, for VE x + (σ_t² − σ_s²) s +
/// √(σ_s²(σ_t² − σ_s²)/σ_t²) z, exactly MATH.md §3. One score evaluation.
inline void ancestral_step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t,
                           double s, RowRng& rng, StepWorkspace& ws, bool noise = true) {
  ws.resize(x.rows(), x.cols());
  const Transition tr = transition(sde, s, t);
  score.score(x, t, ws.s);
  x.noalias() += tr.c * ws.s;
  x /= tr.a;
  if (noise) {
    const double v = is_ve_type(tr) ? (tr.at_t.var > 0.0 ? tr.c * tr.at_s.var / tr.at_t.var : 0.0)
                                    : tr.c;
    rng.normal(ws.z);
    x.noalias() += std::sqrt(v) * ws.z;
  }
}

/// Stochastic Heun for additive noise (MATH.md §3), with the Brownian increment `dw`
/// (~ N(0, h I) per row) given, so tests can drive it with a fixed Brownian path:
///     b(x, τ) = −[f − G Gᵀ s](x, τ)     (the reverse-time drift)
///     x̃ = x + h b(x, t) + G(t) dw
///     x' = x + (h/2)(b(x, t) + b(x̃, s)) + ½ (G(t) + G(s)) dw.
/// Two score evaluations.
inline void stochastic_heun_step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t,
                                 double s, CRef dw, StepWorkspace& ws) {
  ws.resize(x.rows(), x.cols());
  const double h = t - s;
  reverse_drift(sde, score, x, t, 1.0, ws.b0, ws.drift);   // −b(x, t)
  sde.diffusion_apply(dw, t, ws.z);                         // G(t) dw
  ws.tmp = x - h * ws.b0 + ws.z;                            // x̃
  reverse_drift(sde, score, ws.tmp, s, 1.0, ws.b1, ws.drift);  // −b(x̃, s)
  sde.diffusion_apply(dw, s, ws.s);                          // G(s) dw
  x.noalias() -= (0.5 * h) * (ws.b0 + ws.b1);
  x.noalias() += 0.5 * (ws.z + ws.s);
}

/// DDIM step (MATH.md §3; Song et al. 2021) for one-block linear SDEs, written via the kernel:
///     x̂0 = (x + σ_t² s)/m_t,  ε̂ = −σ_t s,  σ̃² = η² c σ_s²/σ_t²,
///     x_s = m_s x̂0 + √(σ_s² − σ̃²) ε̂ + σ̃ z.
/// η = 0 is deterministic (the PF-ODE's first-order exponential integrator); η = 1 is the
/// ancestral posterior step. With m_t = √ᾱ_t, σ_t² = 1 − ᾱ_t this is DDIM's eq. (12).
/// One score evaluation; noise is drawn only if η > 0.
inline void ddim_step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t, double s,
                      double eta, RowRng& rng, StepWorkspace& ws) {
  ws.resize(x.rows(), x.cols());
  const Transition tr = transition(sde, s, t);
  const double sig_t = std::sqrt(tr.at_t.var);
  const double sig2 = tr.at_t.var > 0.0 ? eta * eta * tr.c * tr.at_s.var / tr.at_t.var : 0.0;
  const double dir = std::sqrt(std::max(0.0, tr.at_s.var - sig2));
  score.score(x, t, ws.s);
  // x_s = (m_s/m_t)(x + σ_t² s) − dir σ_t s
  const double r = tr.at_s.m / tr.at_t.m;
  x *= r;
  x.noalias() += (r * tr.at_t.var - dir * sig_t) * ws.s;
  if (eta > 0.0) {
    rng.normal(ws.z);
    x.noalias() += std::sqrt(sig2) * ws.z;
  }
}

/// Tweedie denoising at time t for one-block linear SDEs (MATH.md §B1 (4.4), §B4):
/// x ← x̂0 = (x + σ_t² s(x, t)) / m_t. One score evaluation.
inline void tweedie_denoise(const ForwardSde& sde, const ScoreModel& score, Ref x, double t,
                            StepWorkspace& ws) {
  ws.resize(x.rows(), x.cols());
  const ScalarKernel k = scalar_kernel(sde, t);
  score.score(x, t, ws.s);
  x.noalias() += k.var * ws.s;
  x /= k.m;
}

// ------------------------------------------------------------------------------------------
// Langevin steps (MATH.md §3, §B2, §B4)

/// Unadjusted Langevin: x ← x + h s(x, t) + √(2h) z. One score evaluation.
inline void langevin_step(const ScoreModel& score, Ref x, double t, double h, RowRng& rng,
                          StepWorkspace& ws) {
  ws.resize(x.rows(), x.cols());
  score.score(x, t, ws.s);
  rng.normal(ws.z);
  x.noalias() += h * ws.s;
  x.noalias() += std::sqrt(2.0 * h) * ws.z;
}

/// Annealed Langevin step in the Ch5 convention (MATH.md §B2, Alg 5.1):
/// x ← x + (α/2) s(x, t) + √α z. One score evaluation.
inline void annealed_langevin_step(const ScoreModel& score, Ref x, double t, double alpha,
                                   RowRng& rng, StepWorkspace& ws) {
  langevin_step(score, x, t, 0.5 * alpha, rng, ws);
}

/// Langevin corrector with the signal-to-noise step-size rule (MATH.md §3, §B4 Alg B.7) and
/// norms taken PER PARTICLE (row):
///     ε = 2 a (r ‖z‖ / ‖s‖)²,   x ← x + ε s + √(2ε) z.
/// score_sde averages the norms over the batch instead, which makes every particle's step depend
/// on which other particles share its block (results would change with chunk size and thread
/// count); per-row norms avoid that, but make ε depend on the particle's own state, which biases
/// the chain in low dimension (see corrector_kernel_eps(), the default rule of `pc`).
/// Per-row norms have a heavy tail in low dimension: near a mode ‖s‖ → 0 and ε → ∞. So ε is
/// capped at `eps_max`; for one-block linear SDEs corrector_eps_max() gives σ_t², which keeps the
/// step inside Langevin's stability range ε < 2/L, since −∇² log p_t ⪯ σ_t⁻² I (p_t is a
/// Gaussian smoothing of the scaled data law) [DER]. A row with ‖s‖ = 0 takes ε = eps_max (no
/// move if eps_max is infinite). One score evaluation.
/// \param a  a_i = 1 − β_i for VP-type steps, 1 for VE-type (see corrector_alpha()).
inline void langevin_corrector_step(const ScoreModel& score, Ref x, double t, double snr,
                                    double a, RowRng& rng, StepWorkspace& ws,
                                    double eps_max = std::numeric_limits<double>::infinity()) {
  ws.resize(x.rows(), x.cols());
  score.score(x, t, ws.s);
  rng.normal(ws.z);
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    const double sn = ws.s.row(i).norm();
    double eps = eps_max;
    if (sn > 0.0) {
      const double ratio = snr * ws.z.row(i).norm() / sn;
      eps = std::min(eps_max, 2.0 * a * ratio * ratio);
    }
    if (!std::isfinite(eps) || !(eps > 0.0)) continue;
    x.row(i).noalias() += eps * ws.s.row(i);
    x.row(i).noalias() += std::sqrt(2.0 * eps) * ws.z.row(i);
  }
}

/// Cap of the corrector's step size at time t: σ_t² for one-block linear SDEs (see
/// langevin_corrector_step), else +∞.
inline double corrector_eps_max(const ForwardSde& sde, double t) {
  if (!is_one_block_linear(sde)) return std::numeric_limits<double>::infinity();
  const double v = scalar_kernel(sde, t).var;
  return v > 0.0 ? v : std::numeric_limits<double>::infinity();
}

/// The corrector's step size with the norms replaced by their noise-dominated values,
/// ‖z‖² → d and ‖s‖² → d/σ_t² (the Fisher information of p_t is at most d/σ_t², with equality when
/// the noise dominates the data): ε = 2 a r² σ_t² for one-block linear SDEs. State-independent
/// and chunk-independent. Why not per-particle norms: a step size that depends on the particle's
/// own state breaks Langevin's invariance (particles near a mode, where ‖s‖ → 0, are kicked away);
/// on 1-D N(2, 0.25) data under VP, PC with per-particle norms ends at variance 0.77 instead of
/// 0.25 (tests/convergence/test_samplers.cpp). In high dimension ‖z‖ and ‖s‖ concentrate and the
/// rules agree. \throws Error if the SDE is not one-block linear.
inline double corrector_kernel_eps(const ForwardSde& sde, double t, double snr, double a) {
  return 2.0 * a * snr * snr * scalar_kernel(sde, t).var;
}

/// a_i of the corrector for the step from t down to s: a² = (m_t/m_s)² = 1 − β_i when the SDE
/// is one-block linear (VP-type; exactly 1 for VE-type), else 1.
inline double corrector_alpha(const ForwardSde& sde, double s, double t) {
  if (!is_one_block_linear(sde)) return 1.0;
  const Transition tr = transition(sde, s, t);
  return tr.a * tr.a;
}

// ------------------------------------------------------------------------------------------
// Probability-flow ODE dx/dt = f − ½ G Gᵀ s (MATH.md §1, §B4), integrated from t down to s

/// out = dx/dt of the PF-ODE at (x, t).
inline void pf_velocity(const ForwardSde& sde, const ScoreModel& score, CRef x, double t,
                        Ref out, DriftWorkspace& ws) {
  reverse_drift(sde, score, x, t, 0.5, out, ws);
}

/// Euler step of the PF-ODE: x ← x − h F(x, t). One score evaluation.
inline void pf_euler_step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t,
                          double s, StepWorkspace& ws) {
  ws.resize(x.rows(), x.cols());
  pf_velocity(sde, score, x, t, ws.b0, ws.drift);
  x.noalias() -= (t - s) * ws.b0;
}

/// Heun (explicit trapezoid) step of the PF-ODE: x̃ = x − h F(x, t); x ← x − (h/2)(F(x, t) +
/// F(x̃, s)). Two score evaluations.
inline void pf_heun_step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t,
                         double s, StepWorkspace& ws) {
  ws.resize(x.rows(), x.cols());
  const double h = t - s;
  pf_velocity(sde, score, x, t, ws.b0, ws.drift);
  ws.tmp = x - h * ws.b0;
  pf_velocity(sde, score, ws.tmp, s, ws.b1, ws.drift);
  x.noalias() -= (0.5 * h) * (ws.b0 + ws.b1);
}

/// Dormand–Prince 5(4) tableau (MATH.md §D7; scipy's RK45): c, A, b (5th order, propagated),
/// e = b − b̂ (error weights on the 7 stages, FSAL).
struct DormandPrince {
  static constexpr double c[7] = {0.0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1.0, 1.0};
  static constexpr double a[6][5] = {
      {1.0 / 5, 0, 0, 0, 0},
      {3.0 / 40, 9.0 / 40, 0, 0, 0},
      {44.0 / 45, -56.0 / 15, 32.0 / 9, 0, 0},
      {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729, 0},
      {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656}};
  static constexpr double b[6] = {35.0 / 384, 0.0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784,
                                  11.0 / 84};
  static constexpr double e[7] = {-71.0 / 57600, 0.0, 71.0 / 16695, -71.0 / 1920,
                                  17253.0 / 339200, -22.0 / 525, 1.0 / 40};
};

/// Scratch of dopri_step: the 7 stages and a stage state.
struct DopriWorkspace {
  std::vector<Matrix> k = std::vector<Matrix>(7);
  Matrix y;
  DriftWorkspace drift;
  void resize(Eigen::Index rows, Eigen::Index cols) {
    for (Matrix& m : k)
      if (m.rows() != rows || m.cols() != cols) m.resize(rows, cols);
    if (y.rows() != rows || y.cols() != cols) y.resize(rows, cols);
    drift.resize(rows, cols);
  }
};

/// One Dormand–Prince step of the PF-ODE with signed time step dt (< 0 when sampling) from
/// (x, t): writes the 5th-order solution to `x_new` and the embedded error estimate to `err`.
/// Stage 0 (F(x, t)) must already be in ws.k[0] (FSAL); on return ws.k[6] = F(x_new, t + dt),
/// which is the next step's stage 0 if the step is accepted. Six score evaluations.
inline void dopri_step(const ForwardSde& sde, const ScoreModel& score, CRef x, double t,
                       double dt, Ref x_new, Ref err, DopriWorkspace& ws) {
  using DP = DormandPrince;
  ws.resize(x.rows(), x.cols());
  for (int i = 1; i <= 5; ++i) {
    ws.y = x;
    for (int j = 0; j < i; ++j)
      if (DP::a[i - 1][j] != 0.0) ws.y.noalias() += (dt * DP::a[i - 1][j]) * ws.k[j];
    pf_velocity(sde, score, ws.y, t + DP::c[i] * dt, ws.k[i], ws.drift);
  }
  x_new = x;
  for (int j = 0; j < 6; ++j)
    if (DP::b[j] != 0.0) x_new.noalias() += (dt * DP::b[j]) * ws.k[j];
  pf_velocity(sde, score, x_new, t + dt, ws.k[6], ws.drift);
  err.setZero();
  for (int j = 0; j < 7; ++j)
    if (DP::e[j] != 0.0) err.noalias() += (dt * DP::e[j]) * ws.k[j];
}

}  // namespace sgm

namespace sgm {

// ------------------------------------------------------------------------------------------
// Small helpers shared by the integrator plugins

/// Throws unless a reverse-time sampler got a score model and enough random streams.
inline void require_sampling_inputs(const std::string& who, CRef state, const ScoreModel* score,
                                    const RowRng& rng) {
  if (score == nullptr) throw Error(who + ": sampling needs a score model ([score] stage)");
  if (rng.size() < state.rows())
    throw Error(who + ": the random streams cover fewer rows than the state");
}

/// Validation-time check of the `denoise` option (Tweedie needs a scalar kernel).
inline void check_denoise(const ForwardSde* sde, bool denoise, const std::string& who) {
  if (denoise) require_one_block_linear(sde, who, "denoise = true (a final Tweedie step)");
}

/// Base of the samplers that take one step per interval of a fixed time grid from T to t_min
/// (MATH.md §3): it owns the parameters steps / grid / denoise, the loop, progress, the final
/// Tweedie step and the NFE count, so a sampler plugin only writes its step.
class FixedGridSampler : public Integrator {
 public:
  /// Declare steps (with this default), grid and denoise on a plugin's spec.
  static void add_grid_params(ParamSpec& p, std::int64_t default_steps) {
    p.add<std::int64_t>("steps", default_steps, "number of time steps from T down to t_min").min(1);
    p.add<std::string>("grid", std::string("uniform"),
                       "time grid: uniform, or quadratic (denser near t_min)")
        .choices({"uniform", "quadratic"});
    p.add<bool>("denoise", false, "final Tweedie step x <- (x + sigma^2 s)/m at t_min");
  }

  /// `name` for messages; `evals_per_step` score evaluations per step (NFE accounting).
  FixedGridSampler(const Params& p, const Context& ctx, std::string name, std::uint64_t evals_per_step)
      : name_(std::move(name)),
        steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps"))),
        grid_(grid_kind_from(p.get<std::string>("grid"))),
        denoise_(p.get<bool>("denoise")),
        evals_per_step_(evals_per_step) {
    if (p.get<std::int64_t>("steps") < 1) throw Error(name_ + ": steps must be >= 1");
    check_denoise(ctx.sde, denoise_, name_);
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return steps_; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const final {
    require_sampling_inputs(name_, state, score, rng);
    const std::vector<double> t = sampling_grid(sde, steps_, grid_);
    StepWorkspace ws;
    for (std::uint64_t k = 0; k < steps_; ++k) {
      step(sde, *score, state, t[k], t[k + 1], rng, ws);
      progress.advance(static_cast<std::uint64_t>(state.rows()));
    }
    if (denoise_) tweedie_denoise(sde, *score, state, t.back(), ws);
    return {steps_, evals_per_step_ * steps_ + (denoise_ ? 1 : 0)};
  }

 protected:
  /// Move every row of x from time t down to t_next < t; row i's noise from rng.row(i) only.
  virtual void step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t,
                    double t_next, RowRng& rng, StepWorkspace& ws) const = 0;

 private:
  std::string name_;
  std::uint64_t steps_;
  GridKind grid_;
  bool denoise_;
  std::uint64_t evals_per_step_;
};

}  // namespace sgm
