// forward_sde.hpp: a forward (noising) SDE dx = f(x,t) dt + G(t) dW on [0, T] (MATH.md §1);
// forward-only SDEs may have a state-dependent G(x, t) (diffusion_depends_on_state()).
// Integrators use only this generic interface, so every SDE works with every sampler.
//
// State layout: a data point x ∈ R^d lifts to a state of `blocks()` blocks of d coordinates
// (CLD: blocks = 2, state (x, v)). Linear SDEs act identically on each data coordinate, so their
// perturbation kernel is a small blocks x blocks matrix pair, applied Kronecker-wise (⊗ I_d).
#pragma once

#include <cmath>
#include <numbers>

#include <Eigen/Core>

#include "sgm/abi.hpp"
#include "sgm/component.hpp"
#include "sgm/error.hpp"
#include "sgm/rng.hpp"
#include "sgm/types.hpp"

namespace sgm {

/// Perturbation kernel of a linear SDE from a deterministic lifted initial state u0:
/// u_t | u0 ~ N((mean_map ⊗ I_d) u0, cov ⊗ I_d), both blocks x blocks (1 x 1 for VP, VE, OU:
/// mean_map = [m_t], cov = [σ_t²]).
struct LinearKernel {
  Eigen::MatrixXd mean_map;
  Eigen::MatrixXd cov;
  double mean_scale() const { return mean_map(0, 0); }  // m_t for one-block SDEs
  double variance() const { return cov(0, 0); }          // σ_t² for one-block SDEs
};

class SGM_SDK_VISIBLE ForwardSde {
 public:
  static constexpr ComponentKind kind = ComponentKind::sde;
  virtual ~ForwardSde() = default;

  /// Number of d-dimensional blocks in the state (1; 2 for CLD's (x, v)).
  virtual int blocks() const { return 1; }
  int state_dim(int data_dim) const { return blocks() * data_dim; }
  /// Terminal time T.
  virtual double t_max() const = 0;
  /// Smallest time ε at which sampling stops (the score is singular at 0).
  virtual double t_min() const = 0;

  /// out = f(x, t), row-wise. x and out may not alias.
  virtual void drift(CRef x, double t, Ref out) const = 0;
  /// out = G(t) z, row-wise (the noise increment is G(t) √h z).
  virtual void diffusion_apply(CRef z, double t, Ref out) const = 0;
  /// out = G(t) G(t)ᵀ s, row-wise (the score term of the reverse SDE).
  virtual void diffusion_squared_apply(CRef s, double t, Ref out) const = 0;

  /// Whether G depends on the state (multiplicative noise, dx = f dt + G(x, t) dW, e.g. geometric
  /// Brownian motion). Every score SDE has G(t) independent of x, which the reverse-time SDE
  /// (MATH.md §1) and all reverse samplers assume; such an SDE is for forward integration only
  /// (the host refuses reverse-time samplers with it) and then diffusion_apply_at() is its G.
  virtual bool diffusion_depends_on_state() const { return false; }
  /// out = G(x, t) z, row-wise (row i of x with row i of z). Default: G(t) z.
  virtual void diffusion_apply_at(CRef /*x*/, CRef z, double t, Ref out) const {
    diffusion_apply(z, t, out);
  }

  /// Draw each row of `out` (n x state_dim) from the prior π ≈ p_T, row i with rng.row(i).
  virtual void prior_sample(Ref out, RowRng& rng) const = 0;
  /// log π(x) per row.
  virtual void prior_log_density(CRef x, VecRef out) const = 0;

  /// Lift data (n x d) to states (n x state_dim); CLD draws v0 here. Default: copy.
  virtual void lift(CRef data, Ref state, RowRng& /*rng*/) const { state = data; }
  /// Block covariance of the lifted initial state given the data (CLD: diag(0, γM)).
  virtual Eigen::MatrixXd initial_block_cov() const {
    return Eigen::MatrixXd::Zero(blocks(), blocks());
  }

  /// Whether kernel() is available (drift linear in x, diffusion independent of x).
  virtual bool is_linear() const { return false; }
  /// The exact perturbation kernel at time t. \throws Error if !is_linear().
  virtual LinearKernel kernel(double /*t*/) const {
    throw Error("this SDE has no closed-form perturbation kernel");
  }
};

/// The isotropic Gaussian prior N(mean·1, var·I) most one-block SDEs use: each row of `out`
/// from its own stream (rng.row(i)).
inline void isotropic_gaussian_sample(Ref out, RowRng& rng, double var, double mean = 0.0) {
  rng.normal(out);
  out.array() = mean + std::sqrt(var) * out.array();
}

/// log N(x; mean·1, var·I) per row.
inline void isotropic_gaussian_log_density(CRef x, VecRef out, double var, double mean = 0.0) {
  const double d = static_cast<double>(x.cols());
  out = (-0.5 * d * std::log(2.0 * std::numbers::pi * var) -
         (0.5 / var) * (x.array() - mean).square().rowwise().sum())
            .matrix();
}

}  // namespace sgm
