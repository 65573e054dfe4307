// sscs.cpp: symmetric splitting CLD sampler (SSCS; MATH.md §3 [EXT]; Dockhorn et al. 2022,
// nv-tlabs/CLD-SGM). It integrates the reverse-time CLD SDE (MATH.md §1)
//
//   dx̄ = −(β/M) v̄ dt̄,   dv̄ = [β x̄ + (Γβ/M) v̄ + 2Γβ ∇_v log p_t(ū)] dt̄ + √(2Γβ) dW̄
//
// split as A + S, with A the reverse SDE of the score −v/M of the stationary law N(0, I)⊗N(0, MI)
// (a linear SDE, solved exactly) and S: dv̄ = 2Γβ [s(ū, t) + v̄/M] dt̄ (no noise, Euler).
// On the reverse time t̄ ∈ [0, T − ε] (forward time t = T − t̄), with linear striding
// t̄_i = (T − ε) i/N or quadratic striding t̄_i = (T − ε)(1 − (1 − i/N)²), one step of size δ is
//
//   A(δ/2) → S(δ): v̄ += δ·2Γβ [s_v(ū, t) + v̄/M] → A(δ/2),
//
// with the score at the step's start time t (score_time = "start", MATH.md §6's SSCS row) or at
// its middle t − δ/2 ("midpoint"), and at the state after the first half-step. One score
// evaluation per step; denoise = true adds one noise-free reverse Euler-Maruyama step from ε to
// 0 (MATH.md §3 "Final denoising"), one more evaluation.
//
// Generic interface only (the sampler cannot see the cld plugin's class):
//  - A-step: A is the forward linear dynamics with v ↦ −v, D = diag(1, −1). Over the forward
//    interval [a, b] (b − a = δ/2) the forward transition of any linear SDE is
//      Φ_ab = Φ_b Φ_a⁻¹,  Σ_ab = Σ_b − Φ_ab Σ_a Φ_abᵀ   (from kernel(a), kernel(b)),
//    and the A half-step is ū ← (D Φ_ab D ⊗ I) ū + (L ⊗ I) z, L = chol(D Σ_ab D), i.e. MATH.md §3's
//    x' = e^{−2b/Γ}[(1 + 2b/Γ) x̄ − (4b/Γ²) v̄], v' = e^{−2b/Γ}[b x̄ + (1 − 2b/Γ) v̄], noise
//    covariance [[Σ⁰xx, −Σ⁰xv], [·, Σ⁰vv]] (b = ∫β over the half-step). The step coefficients
//    do not depend on the state: they are computed once per integrate() call.
//  - S-step constants, probed on one coordinate at time t: drift(1, 0) = (0, −β),
//    drift(0, 1) = (β/M, −Γβ/M), G Gᵀ(0, 1) = (0, 2Γβ), so β = −f_v(1, 0), M = β/f_x(0, 1) and
//    2Γβ = G Gᵀ_vv. The constructor refuses SDEs that do not have this CLD structure: one block,
//    no kernel, drift in x from x, noise on x, or G Gᵀ_vv ≠ −2 M f_v(0, 1) (the
//    fluctuation-dissipation relation that makes −v/M the stationary velocity score, without
//    which the A/S split is not the reverse SDE).
//
// Example stage:
//   [sample]
//   plugin = "sscs"
//   steps = 1000
//   striding = "linear"
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/LU>

#include <sgm/context.hpp>
#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/integrator.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/reverse.hpp>
#include <sgm/rng.hpp>
#include <sgm/score_model.hpp>
#include <sgm/types.hpp>

namespace sgm::plugins::integrators {

namespace {

/// The constants of the S-step at time t, read from the SDE's generic interface.
struct CldConstants {
  double m;  // mass M
  double q;  // 2Γβ = G Gᵀ on v
};

/// Reads M and 2Γβ at time t and checks the CLD structure; throws a clear Error otherwise.
CldConstants cld_constants(const ForwardSde& sde, double t) {
  if (sde.blocks() != 2)
    throw Error("sscs: the symmetric splitting sampler needs a two-block (x, v) SDE such as cld; "
                "this SDE has " + std::to_string(sde.blocks()) +
                " block(s) (use euler_maruyama or another sampler)");
  if (!sde.is_linear())
    throw Error("sscs: needs a linear two-block SDE with a closed-form kernel (cld)");
  Matrix e(2, 2), f(2, 2), gg(2, 2);
  e.setIdentity();  // row 0: u = (1, 0), row 1: u = (0, 1)
  sde.drift(e, t, f);
  sde.diffusion_squared_apply(e, t, gg);
  const double beta = -f(0, 1), a12 = f(1, 0), a22 = f(1, 1), q = gg(1, 1);
  const double scale = std::abs(beta) + std::abs(a12) + std::abs(a22) + std::abs(q);
  const double tol = 1e-12 * scale;
  if (!(beta > 0.0) || !(a12 > 0.0) || std::abs(f(0, 0)) > tol || std::abs(gg(0, 0)) > tol ||
      std::abs(gg(0, 1)) > tol || std::abs(gg(1, 0)) > tol)
    throw Error("sscs: the SDE does not have the CLD structure dx = (β/M) v dt, "
                "dv = (−βx − (Γβ/M) v) dt + √(2Γβ) dW (noise on v only)");
  const double m = beta / a12;
  if (std::abs(q + 2.0 * m * a22) > 1e-10 * scale)
    throw Error("sscs: the SDE's stationary velocity law is not N(0, M): G Gᵀ_vv = " +
                std::to_string(q) + " but −2 M f_v(0, 1) = " + std::to_string(-2.0 * m * a22));
  return {m, q};
}

}  // namespace

class Sscs final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"sscs",
                     "Symmetric splitting CLD sampler: exact linear half-steps, Euler score step"};
    p.add<std::int64_t>("steps", 1000, "number of steps N").min(1);
    p.add<std::string>("striding", std::string("linear"),
                       "reverse-time grid: linear t_i = (T-eps) i/N, or quadratic "
                       "(T-eps)(1-(1-i/N)^2) (finer near eps)")
        .choices({"linear", "quadratic"});
    p.add<std::string>("score_time", std::string("start"),
                       "time of the score in the S-step: the step's start t, or its midpoint")
        .choices({"start", "midpoint"});
    p.add<bool>("denoise", false, "final noise-free reverse Euler step from eps to 0");
    p.example("[sample]\nplugin = \"sscs\"\nsteps = 1000\nstriding = \"linear\"");
    return p;
  }

  Sscs(const sgm::Params& p, const sgm::Context& ctx)
      : steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps"))),
        quadratic_(p.get<std::string>("striding") == "quadratic"),
        midpoint_(p.get<std::string>("score_time") == "midpoint"),
        denoise_(p.get<bool>("denoise")) {
    if (p.get<std::int64_t>("steps") < 1) throw sgm::Error("sscs: steps must be >= 1");
    if (ctx.sde != nullptr) cld_constants(*ctx.sde, ctx.sde->t_max());  // refuse early
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return steps_ + (denoise_ ? 1 : 0); }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score, RowRng& rng,
                             Progress& progress) const override {
    if (score == nullptr) throw sgm::Error("sscs: sampling needs a score model ([score] stage)");
    cld_constants(sde, sde.t_max());
    const Eigen::Index n = state.rows(), dim = state.cols(), d = dim / 2;
    if (dim % 2 != 0) throw sgm::Error("sscs: the state must have an even number of columns");
    if (rng.size() < n)
      throw sgm::Error("sscs: the random streams cover fewer rows than the state");

    const std::vector<Step> plan = make_plan(sde);  // state-independent: once per call
    Matrix s(n, dim), z(n, dim), tmp(n, d);
    for (const Step& st : plan) {
      half_step(state, st.first, rng, z, tmp);
      score->score(state, st.score_time, s);
      // v += δ 2Γβ [s_v + v/M]
      state.rightCols(d) *= 1.0 + st.kick / st.m;
      state.rightCols(d).noalias() += st.kick * s.rightCols(d);
      half_step(state, st.second, rng, z, tmp);
      progress.advance(static_cast<std::uint64_t>(n));
    }
    if (denoise_) {
      Matrix drift(n, dim);
      DriftWorkspace ws;
      reverse_drift(sde, *score, state, sde.t_min(), 1.0, drift, ws);
      state.noalias() -= sde.t_min() * drift;
      progress.advance(static_cast<std::uint64_t>(n));
    }
    const std::uint64_t nfe = steps_ + (denoise_ ? 1 : 0);
    return {nfe, nfe};
  }

 private:
  double reverse_time(double span, std::uint64_t i) const {
    if (i >= steps_) return span;  // exact end point
    const double r = static_cast<double>(i) / static_cast<double>(steps_);
    return quadratic_ ? span * (1.0 - (1.0 - r) * (1.0 - r)) : span * r;
  }

  /// One exact A half-step ū ← (D Φ D ⊗ I) ū + (L ⊗ I) z, D = diag(1, −1), L = chol(D Σ D).
  struct HalfStep {
    double p00, p01, p10, p11;  // D Φ_ab D
    double l11, l21, l22;       // Cholesky factor of D Σ_ab D
  };
  /// A half-step, S-kick δ·2Γβ with M and the score time, and the second half-step.
  struct Step {
    HalfStep first, second;
    double score_time, kick, m;
  };

  /// The A-part over the forward interval [a, b], run backwards (b → a): see the header.
  static HalfStep half_step_coefficients(const ForwardSde& sde, double a, double b) {
    const LinearKernel ka = sde.kernel(a), kb = sde.kernel(b);
    const Eigen::Matrix2d phi_a = ka.mean_map, phi_b = kb.mean_map;
    const Eigen::Matrix2d phi = phi_b * phi_a.inverse();
    const Eigen::Matrix2d cov = kb.cov - phi * ka.cov * phi.transpose();
    // D Φ D and D Σ D with D = diag(1, −1): flip the off-diagonal signs.
    const double sxx = std::max(0.0, cov(0, 0)), sxv = -0.5 * (cov(0, 1) + cov(1, 0));
    const double l11 = std::sqrt(sxx), l21 = l11 > 0.0 ? sxv / l11 : 0.0;
    return {phi(0, 0),
            -phi(0, 1),
            -phi(1, 0),
            phi(1, 1),
            l11,
            l21,
            std::sqrt(std::max(0.0, cov(1, 1) - l21 * l21))};
  }

  std::vector<Step> make_plan(const ForwardSde& sde) const {
    const double t_end = sde.t_max(), span = t_end - sde.t_min();
    std::vector<Step> plan;
    plan.reserve(steps_);
    for (std::uint64_t i = 0; i < steps_; ++i) {
      const double tb0 = reverse_time(span, i), tb1 = reverse_time(span, i + 1);
      const double t = t_end - tb0, delta = tb1 - tb0;
      const double ts = midpoint_ ? t - 0.5 * delta : t;
      const CldConstants c = cld_constants(sde, ts);
      plan.push_back({half_step_coefficients(sde, t - 0.5 * delta, t),
                      half_step_coefficients(sde, t - delta, t - 0.5 * delta), ts, delta * c.q,
                      c.m});
    }
    return plan;
  }

  static void half_step(Ref u, const HalfStep& h, RowRng& rng, Matrix& z, Matrix& tmp) {
    const Eigen::Index d = u.cols() / 2;
    tmp = u.leftCols(d);  // x̄ before the update
    u.leftCols(d) = h.p00 * tmp + h.p01 * u.rightCols(d);
    u.rightCols(d) = h.p10 * tmp + h.p11 * u.rightCols(d);
    rng.normal(z);
    u.leftCols(d).noalias() += h.l11 * z.leftCols(d);
    u.rightCols(d).noalias() += h.l21 * z.leftCols(d) + h.l22 * z.rightCols(d);
  }

  std::uint64_t steps_;
  bool quadratic_, midpoint_, denoise_;
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::integrators::Sscs>(); }
}  // namespace

SGM_PLUGIN("sscs", "0.1.0", register_components)
