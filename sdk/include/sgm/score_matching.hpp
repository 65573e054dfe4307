// score_matching.hpp: the pieces every score-matching objective shares (MATH.md §2, §B1, §B4
// (7.7), §B5, §D8): drawing t, perturbing data through a linear SDE's kernel, the weighting of the
// score residual, and the Jacobian-vector-product form of sliced and implicit score matching.
// The objective plugins dsm, esm, ssm, ssm_vr and ism are thin layers over these functions.
//
// Conventions (one chunk of n data rows x0, state dimension D = blocks·d):
// - Randomness. Row i draws everything from rng.row(i), in this order: its time t_i, the lifted
//   auxiliary variables (ForwardSde::lift, e.g. CLD's v0), its kernel noise ε_i ~ N(0, I_D), then
//   whatever the objective draws afterwards (projections). Results do not depend on chunking.
// - Times. t_i ~ U(t_eps, T) with T = sde.t_max() and t_eps the objective's `eps`, or the SDE's
//   t_min() when eps = 0 (MATH.md §B4: Song trains from 1e-5, samples from 1e-3).
// - Perturbation (MATH.md §1; forward_sde.hpp's LinearKernel). With the kernel at t_i,
//   u_t | u0 ~ N((A ⊗ I_d) u0, Σ ⊗ I_d), A = mean_map and Σ = cov (blocks x blocks), and the
//   Cholesky factor Σ = L Lᵀ:
//       u_t = (A ⊗ I) u0 + (L ⊗ I) ε,     ∇log p(u_t | u0) = −(Σ⁻¹ ⊗ I)(u_t − mean) = −(L⁻ᵀ ⊗ I) ε.
//   One-block SDEs (VP, VE, OU, ...): A = [m_t], L = [σ_t], so x_t = m_t x0 + σ_t ε, target −ε/σ_t.
// - Objectives are evaluated on the perturbed states u_t at time t (noise-conditional score
//   matching, Song's thesis §5 and (B.8)): the model learns ∇log p_t, the score of the
//   perturbed marginal, at every t — which is what samplers need.
// - Weighting. Every objective weights the score residual r = s − ∇log p_t by a positive
//   semi-definite W_t = B_t B_tᵀ, per row: ESM/DSM ½ rᵀ W r; ISM ½ sᵀWs + tr(W ∇ₓs); SSM with
//   directions w = B v. `weighting`:
//     sigma2  (default) W = Σ_t ⊗ I, B = L_t ⊗ I: the kernel variance λ = σ_t² of Song's (7.7),
//             i.e. the ε-loss ½‖σ_t s + ε‖² for one-block SDEs and ½‖(Lᵀ ⊗ I) s + ε‖² in general;
//     g2      W = G(t) G(t)ᵀ (ForwardSde::diffusion_squared_apply), B = G(t) (diffusion_apply):
//             the likelihood weighting λ = g(t)² for one-block SDEs (Song et al. 2021, MATH.md
//             §B5 Thm 9.1: ½∫ E‖Gᵀ(s − ∇log p_t)‖² dt bounds the KL up to the prior term; the
//             constant factor T − t_eps of uniform t is dropped). For CLD only the velocity block
//             is diffused, so only the velocity score is weighted (and trained);
//     uniform W = I, B = I.
//   The ½ in every per-row loss is the ½ of MATH.md §2 (ESM ½E‖∇log p − s‖²): with it, the
//   gradient of the DSM loss w.r.t. s is exactly W (s − target). (Song's code computes the
//   likelihood-weighted loss without the ½: a constant factor, MATH.md §2 "code: g²/2".)
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include "sgm/context.hpp"
#include "sgm/error.hpp"
#include "sgm/forward_sde.hpp"
#include "sgm/params.hpp"
#include "sgm/rng.hpp"
#include "sgm/trainable.hpp"
#include "sgm/types.hpp"

namespace sgm {

// ------------------------------------------------------------------------------------------
// Times and kernels

/// The interval t is drawn from: t ~ U(lo, hi) (open, so t > 0 even when lo = 0).
struct TimeRange {
  double lo = 0.0, hi = 1.0;
  /// One uniform draw from `r`.
  double draw(Rng& r) const { return lo + (hi - lo) * r.uniform(); }
};

/// [eps, T] for an SDE: eps = 0 selects sde.t_min(); T = sde.t_max().
/// \throws Error naming `who` if the interval is empty.
inline TimeRange training_times(const ForwardSde& sde, double eps, const std::string& who) {
  const TimeRange r{eps > 0.0 ? eps : sde.t_min(), sde.t_max()};
  if (!(r.lo >= 0.0 && r.lo < r.hi))
    throw Error(who + ": eps = " + format_number(r.lo) + " must lie in [0, t_max = " +
                format_number(r.hi) + ") of the SDE");
  return r;
}

/// The perturbation kernel at one time, with its Cholesky factors (MATH.md §1):
/// u_t | u0 ~ N((A ⊗ I) u0, Σ ⊗ I), Σ = L Lᵀ.
struct FactoredKernel {
  double t = 0.0;
  Eigen::MatrixXd mean_map;    // A
  Eigen::MatrixXd cov;         // Σ
  Eigen::MatrixXd chol;        // L, lower triangular
  Eigen::MatrixXd inv_chol_t;  // L⁻ᵀ
};

/// How the lifted initial state enters the kernel: `lifted` draws it (ForwardSde::lift) and the
/// kernel conditions on it (DSM); `marginal` integrates it out, as hybrid score matching does
/// (MATH.md §1 "HSM uses Σ0xx=0, Σ0vv=γM, mean with v0=0"): u0 = (x0, 0) and
/// Σ ← Σ + A C0 Aᵀ with C0 = ForwardSde::initial_block_cov().
enum class InitialState { lifted, marginal };

/// sde.kernel(t), factored (with A C0 Aᵀ added for InitialState::marginal).
/// \throws Error if Σ is not positive definite at t.
inline FactoredKernel factor_kernel(const ForwardSde& sde, double t,
                                    InitialState initial = InitialState::lifted) {
  LinearKernel k = sde.kernel(t);
  if (initial == InitialState::marginal)
    k.cov += k.mean_map * sde.initial_block_cov() * k.mean_map.transpose();
  Eigen::LLT<Eigen::MatrixXd> llt(k.cov);
  if (llt.info() != Eigen::Success || !(k.cov.diagonal().array() > 0.0).all())
    throw Error("the SDE's kernel covariance is not positive definite at t = " +
                format_number(t) + " (raise eps)");
  FactoredKernel f{t, std::move(k.mean_map), std::move(k.cov), llt.matrixL(), {}};
  const auto n = f.chol.rows();
  f.inv_chol_t = f.chol.triangularView<Eigen::Lower>()
                     .solve(Eigen::MatrixXd::Identity(n, n))
                     .transpose();
  return f;
}

/// The velocity block of hybrid score matching's kernel for a two-block (x, v) SDE such as CLD
/// (MATH.md §2 "HSM (CLD)"): factor_kernel(sde, t, InitialState::marginal), whose Cholesky
/// factor gives the target −ℓ_t ε_v of ∇_v log p(u_t | x0) with ℓ_t = 1/L22, and whose Σvv is the
/// variance of v_t in CLD's "mixed" score s_v = −v/Σvv − ℓ_t α.
struct VelocityKernel {
  double var_v = 0.0;  // Σvv(t)
  double ell = 0.0;    // ℓ_t = 1/L22, L22 = √(Σvv − Σxv²/Σxx)
};

/// Σvv(t) and ℓ_t of the marginal (v0 integrated out) kernel of a two-block linear SDE.
/// \throws Error if the SDE has not two blocks or the covariance is not positive definite at t.
inline VelocityKernel velocity_kernel(const ForwardSde& sde, double t) {
  if (sde.blocks() != 2)
    throw Error("the velocity kernel needs a two-block (x, v) SDE; this SDE has " +
                std::to_string(sde.blocks()) + " block(s)");
  const FactoredKernel k = factor_kernel(sde, t, InitialState::marginal);
  return {k.cov(1, 1), 1.0 / k.chol(1, 1)};
}

/// out = (M ⊗ I_d) z row-wise, for a blocks x blocks matrix M and rows of blocks·d coordinates
/// (block j of a row holds coordinates [j d, (j + 1) d)). out must not alias z.
inline void kron_apply(const Eigen::MatrixXd& m, CRef z, Ref out) {
  const Eigen::Index b = m.cols(), d = z.cols() / b;
  for (Eigen::Index i = 0; i < z.rows(); ++i)
    for (Eigen::Index a = 0; a < m.rows(); ++a) {
      auto o = out.row(i).segment(a * d, d);
      o.setZero();
      for (Eigen::Index c = 0; c < b; ++c) o += m(a, c) * z.row(i).segment(c * d, d);
    }
}

// ------------------------------------------------------------------------------------------
// Perturbing a chunk

/// A chunk of data rows carried to random times through the kernel (header conventions).
struct PerturbedChunk {
  Eigen::VectorXd t;                   // t_i
  std::vector<FactoredKernel> kernel;  // the kernel at t_i
  Matrix u0;                           // lifted data, n x D
  Matrix noise;                        // ε_i ~ N(0, I_D)
  Matrix ut;                           // (A ⊗ I) u0 + (L ⊗ I) ε
  Eigen::Index rows() const { return ut.rows(); }
  Eigen::Index state_dim() const { return ut.cols(); }
};

/// Draws t_i, lifts x0 (n x d; or marginalises the lift) and draws ε_i, each row from
/// rng.row(i) only (in that order).
inline PerturbedChunk perturb_chunk(const ForwardSde& sde, CRef x0, RowRng& rng,
                                    const TimeRange& times,
                                    InitialState initial = InitialState::lifted) {
  const Eigen::Index n = x0.rows(), dim = sde.state_dim(static_cast<int>(x0.cols()));
  if (rng.size() < n)
    throw Error("score matching: " + std::to_string(n) + " rows but only " +
                std::to_string(rng.size()) + " random streams");
  PerturbedChunk c;
  c.t.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) c.t[i] = times.draw(rng.row(i));
  c.u0.resize(n, dim);
  if (initial == InitialState::lifted) {
    sde.lift(x0, c.u0, rng);
  } else {
    c.u0.setZero();
    c.u0.leftCols(x0.cols()) = x0;
  }
  c.noise.resize(n, dim);
  rng.normal(c.noise);
  c.ut.resize(n, dim);
  Matrix scaled(1, dim);
  c.kernel.reserve(static_cast<std::size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    c.kernel.push_back(factor_kernel(sde, c.t[i], initial));
    const FactoredKernel& k = c.kernel.back();
    kron_apply(k.mean_map, c.u0.middleRows(i, 1), c.ut.middleRows(i, 1));  // (A ⊗ I) u0
    kron_apply(k.chol, c.noise.middleRows(i, 1), scaled);                   // (L ⊗ I) ε
    c.ut.row(i) += scaled;
  }
  return c;
}

// ------------------------------------------------------------------------------------------
// Weighting

/// W_t = B_t B_tᵀ of the header: sigma2 (Σ_t ⊗ I), g2 (G Gᵀ) or uniform (I).
class ScoreWeighting {
 public:
  enum class Kind { sigma2, g2, uniform };

  ScoreWeighting(Kind kind, const ForwardSde& sde) : kind_(kind), sde_(&sde) {}
  /// Parses "sigma2" / "g2" / "uniform". \throws Error for anything else.
  static ScoreWeighting from(const std::string& name, const ForwardSde& sde) {
    if (name == "sigma2") return {Kind::sigma2, sde};
    if (name == "g2") return {Kind::g2, sde};
    if (name == "uniform") return {Kind::uniform, sde};
    throw Error("unknown weighting '" + name + "' (expected sigma2, g2 or uniform)");
  }
  Kind kind() const { return kind_; }

  /// out = B_t z for rows z at the kernel's time (out must not alias z).
  void factor(const FactoredKernel& k, CRef z, Ref out) const {
    switch (kind_) {
      case Kind::sigma2: kron_apply(k.chol, z, out); return;
      case Kind::g2: sde_->diffusion_apply(z, k.t, out); return;
      case Kind::uniform: out = z; return;
    }
  }
  /// out = W_t r for rows r at the kernel's time (out must not alias r).
  void apply(const FactoredKernel& k, CRef r, Ref out) const {
    switch (kind_) {
      case Kind::sigma2: kron_apply(k.cov, r, out); return;
      case Kind::g2: sde_->diffusion_squared_apply(r, k.t, out); return;
      case Kind::uniform: out = r; return;
    }
  }

 private:
  Kind kind_;
  const ForwardSde* sde_;
};

/// Σ_i ½ r_iᵀ W_i r_i over the chunk's rows, and wr.row(i) = W_i r_i (its gradient w.r.t. r_i).
inline double weighted_half_squares(const ScoreWeighting& w, const PerturbedChunk& c, CRef r,
                                    Ref wr) {
  double sum = 0.0;
  for (Eigen::Index i = 0; i < r.rows(); ++i) {
    w.apply(c.kernel[static_cast<std::size_t>(i)], r.middleRows(i, 1), wr.middleRows(i, 1));
    sum += 0.5 * r.row(i).dot(wr.row(i));
  }
  return sum;
}

// ------------------------------------------------------------------------------------------
// Construction: the parameters and checks every score-matching objective shares

/// Declares `eps` and `weighting` on an objective's schema.
inline void add_score_matching_params(ParamSpec& p) {
  p.add<double>("eps", 0.0,
                "smallest training time: t ~ U(eps, T); 0 uses the SDE's t_min (Song trains VP "
                "from 1e-5)")
      .min(0.0);
  p.add<std::string>("weighting", std::string("sigma2"),
                     "residual weighting: sigma2 (kernel variance, the ε-loss), g2 (likelihood "
                     "weighting G Gᵀ), uniform")
      .choices({"sigma2", "g2", "uniform"});
}

/// The linear SDE of the context. \throws Error naming `who` if there is none.
inline const ForwardSde& require_linear_sde(const Context& ctx, const std::string& who) {
  if (ctx.sde == nullptr) throw Error(who + " needs an [sde] stage (a linear SDE)");
  if (!ctx.sde->is_linear())
    throw Error(who + " needs a linear SDE with a closed-form perturbation kernel (vp, ve, ou, "
                      "cld, ...): the data are perturbed through that kernel; this SDE has none "
                      "(is_linear() is false)");
  return *ctx.sde;
}

/// What an objective keeps from its parameters and context.
struct ScoreMatchingSetup {
  const ForwardSde* sde;
  TimeRange times;
  ScoreWeighting weighting;

  static ScoreMatchingSetup from(const Params& p, const Context& ctx, const std::string& who) {
    const ForwardSde& sde = require_linear_sde(ctx, who);
    return {&sde, training_times(sde, p.get<double>("eps"), who),
            ScoreWeighting::from(p.get<std::string>("weighting"), sde)};
  }
  PerturbedChunk perturb(CRef x0, RowRng& rng) const {
    return perturb_chunk(*sde, x0, rng, times);
  }
};

// ------------------------------------------------------------------------------------------
// Losses through the model

/// Σ_i ½ (s_i − target_i)ᵀ W_i (s_i − target_i) with s_i = s(u_t,i, t_i) (ESM, DSM); adds the
/// gradient of the sum w.r.t. the parameters into `grad`.
inline double residual_loss_and_gradient(const TrainableScore& model, const PerturbedChunk& c,
                                         CRef target, const ScoreWeighting& w, ModelTape& tape,
                                         std::span<double> grad) {
  Matrix s(c.rows(), c.state_dim());
  std::vector<Matrix> jvp;
  model.forward(c.ut, c.t, {}, tape, s, jvp);
  const Matrix r = s - target;
  Matrix wr(r.rows(), r.cols());
  const double loss = weighted_half_squares(w, c, r, wr);
  model.backward(tape, wr, {}, grad);
  return loss;
}

/// How jacobian_loss_and_gradient treats ½‖s‖²_W.
enum class QuadraticTerm {
  sliced,  ///< (scale) Σ_k ½ (w_kᵀ s)²: SSM, E_v[½(vᵀ B ᵀ s)²] = ½ sᵀ W s (MATH.md §B1 (3.5))
  exact    ///< ½ sᵀ W s: SSM-VR (3.8) and ISM (3.2)
};

/// Score matching through Jacobian–vector products (MATH.md §B1), with directions w_ik
/// (directions[k].row(i)) and s_i = s(u_t,i, t_i), J_i = ∇ₓs(u_t,i, t_i):
///   loss_i = scale Σ_k w_ikᵀ J_i w_ik  +  quadratic term,
/// scale = 1/M for M sliced projections (an average), 1 for ISM's exact trace (w_k = B e_k, so
/// Σ_k w_kᵀ J w_k = tr(W J)). The JVPs come from the model's forward mode; the gradient of the
/// sum over rows is added into `grad` by its reverse mode (grad_out and grad_jvp).
inline double jacobian_loss_and_gradient(const TrainableScore& model, const PerturbedChunk& c,
                                         const std::vector<Matrix>& directions, double scale,
                                         QuadraticTerm quadratic, const ScoreWeighting& w,
                                         ModelTape& tape, std::span<double> grad) {
  const Eigen::Index n = c.rows(), dim = c.state_dim();
  Matrix s(n, dim);
  std::vector<Matrix> jvp;
  model.forward(c.ut, c.t, directions, tape, s, jvp);
  // d loss / d jvp_k = scale w_k (the trace term is linear in each JVP).
  std::vector<Matrix> grad_jvp;
  double loss = 0.0;
  for (std::size_t k = 0; k < directions.size(); ++k) {
    loss += scale * (directions[k].array() * jvp[k].array()).sum();
    grad_jvp.push_back(scale * directions[k]);
  }
  Matrix grad_s(n, dim);
  if (quadratic == QuadraticTerm::exact) {
    loss += weighted_half_squares(w, c, s, grad_s);  // d/ds ½ sᵀWs = W s
  } else {
    grad_s.setZero();
    for (const Matrix& dir : directions) {
      const Eigen::VectorXd proj = (dir.array() * s.array()).rowwise().sum();  // w_kᵀ s
      loss += 0.5 * scale * proj.squaredNorm();
      grad_s += scale * (dir.array().colwise() * proj.array()).matrix();  // d/ds ½(wᵀs)² = (wᵀs) w
    }
  }
  model.backward(tape, grad_s, grad_jvp, grad);
  return loss;
}

/// Distribution of the slicing directions v, with E[v vᵀ] = I (MATH.md §B1).
enum class ProjectionLaw { gaussian, rademacher };

/// Parses "gaussian" / "rademacher". \throws Error for anything else.
inline ProjectionLaw projection_law_from(const std::string& name) {
  if (name == "gaussian") return ProjectionLaw::gaussian;
  if (name == "rademacher") return ProjectionLaw::rademacher;
  throw Error("unknown projection distribution '" + name + "' (expected gaussian or rademacher)");
}

/// M weighted slicing directions per row, w_ik = B_i v_ik with v_ik ~ law (so E[w wᵀ] = W_i):
/// row i's v_i1, ..., v_iM drawn from rng.row(i) after its perturbation draws.
inline std::vector<Matrix> draw_projections(const PerturbedChunk& c, const ScoreWeighting& w,
                                            int projections, ProjectionLaw law, RowRng& rng) {
  const Eigen::Index n = c.rows(), dim = c.state_dim();
  std::vector<Matrix> out(static_cast<std::size_t>(projections), Matrix(n, dim));
  Matrix v(1, dim);
  for (Eigen::Index i = 0; i < n; ++i) {
    Rng& r = rng.row(i);
    for (Matrix& dir : out) {
      for (Eigen::Index j = 0; j < dim; ++j)
        v(0, j) = law == ProjectionLaw::gaussian ? r.normal() : ((r.next_u64() & 1u) ? 1.0 : -1.0);
      w.factor(c.kernel[static_cast<std::size_t>(i)], v, dir.middleRows(i, 1));
    }
  }
  return out;
}


/// Declares `projections` and `distribution` (ssm, ssm_vr).
inline void add_projection_params(ParamSpec& p) {
  p.add<std::int64_t>("projections", 1, "slicing directions M per data point (§B1 (3.7))")
      .range(1, 1024);
  p.add<std::string>("distribution", std::string("gaussian"),
                     "law of the directions v (E[v vᵀ] = I): gaussian or rademacher")
      .choices({"gaussian", "rademacher"});
}

/// Sliced score matching, SSM (QuadraticTerm::sliced) or SSM-VR (QuadraticTerm::exact), on the
/// perturbed states (MATH.md §B1 (3.5), (3.8); noise-conditional as in (B.8)). Per row,
/// with M directions w_k = B v_k:
///   SSM    (1/M) Σ_k [w_kᵀ ∇ₓs w_k + ½ (w_kᵀ s)²],
///   SSM-VR (1/M) Σ_k  w_kᵀ ∇ₓs w_k + ½ sᵀ W s.
struct SlicedScoreMatching {
  ScoreMatchingSetup setup;
  int projections;
  ProjectionLaw law;
  QuadraticTerm quadratic;

  static SlicedScoreMatching from(const Params& p, const Context& ctx, const std::string& who,
                                  QuadraticTerm quadratic) {
    return {ScoreMatchingSetup::from(p, ctx, who), p.get_int("projections"),
            projection_law_from(p.get<std::string>("distribution")), quadratic};
  }
  double loss_and_gradient(const TrainableScore& model, CRef x0, RowRng& rng, ModelTape& tape,
                           std::span<double> grad) const {
    const PerturbedChunk c = setup.perturb(x0, rng);
    const std::vector<Matrix> dirs = draw_projections(c, setup.weighting, projections, law, rng);
    return jacobian_loss_and_gradient(model, c, dirs, 1.0 / projections, quadratic,
                                      setup.weighting, tape, grad);
  }
};

}  // namespace sgm
