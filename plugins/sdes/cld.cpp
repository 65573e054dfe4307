// cld.cpp: critically-damped Langevin diffusion (MATH.md §1 "CLD" [EXT]; Dockhorn et al. 2022,
// nv-tlabs/CLD-SGM). The state u = (x, v) has two blocks of d coordinates, row = [x, v]:
//
//   dx = (β/M) v dt
//   dv = (−β x − (Γβ/M) v) dt + √(2Γβ) dW,        Γ = 2√M (critical damping, Γ² = 4M),
//
// i.e. du = β A u dt + G dW with A = [[0, 1/M], [−1, −Γ/M]], G = diag(0, √(2Γβ)). Stationary law
// N(0, I) ⊗ N(0, M I), which is the prior. Defaults (MATH.md §1): β = 4, M = 1/m_inv = 0.25
// (Γ = 1), γ = 0.04 (lifted velocity v0 ~ N(0, γM I), drawn in lift() from rng.row(i)).
//
// Kernel from a deterministic lifted state u0, with B = βt (MATH.md §1):
//   Φ(B)  = e^{−2B/Γ} [[1 + 2B/Γ, 4B/Γ²], [−B, 1 − 2B/Γ]]                      (mean_map)
//   Σ⁰xx  = e^{−4B/Γ} (e^{4B/Γ} − 1 − 4B/Γ − 8B²/Γ²)                          (cov, zero-initial)
//   Σ⁰xv  = e^{−4B/Γ} (4B²/Γ)
//   Σ⁰vv  = e^{−4B/Γ} ((Γ²/4)(e^{4B/Γ} − 1) + ΓB − 2B²)
// so u_t | u0 ~ N((Φ ⊗ I) u0, Σ⁰ ⊗ I). With the random lifted velocity, p_t | x0 has covariance
// Φ diag(0, γM) Φᵀ + Σ⁰ (HSM's Σ, MATH.md §2, §6), which scores such as analytic_gmm build from
// kernel() and initial_block_cov() = diag(0, γM). Computed in double; with y = 4B/Γ the
// cancelling combinations are written with r(y) = e^{−y}(e^y − 1 − y − y²/2) (a series for small
// y): Σ⁰xx = r(y), Σ⁰vv = 2ΓB e^{−y} + (Γ²/4) r(y), so small t keeps full relative precision and
// large t does not overflow.
//
// numerical_eps (default 0) is CLD-SGM's stabiliser, added to Σ⁰xx and Σ⁰vv as in its sde.py
// (its toy configs use 1e-6); MATH.md §6's reference tables use none. Leave it at 0 for the
// exact kernel (the sscs sampler composes kernels, so a non-zero value perturbs its A-steps
// slightly).
//
// Only critical damping Γ = 2√M is provided (the formulas above hold for it alone, as in
// CLD-SGM, whose f = Γ = 2/√m_inv). β is constant (CLD-SGM's β1 = 0).
//
// Example stage:
//   [sde]
//   plugin = "cld"
//   beta = 4.0
//   m_inv = 4.0
//   gamma = 0.04
#include <cmath>
#include <numbers>

#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/params.hpp>
#include <sgm/phase_space.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

namespace sgm::plugins::sdes {

class CriticallyDampedLangevin final : public sgm::ForwardSde {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"cld",
                     "Critically-damped Langevin diffusion on (x, v); "
                     "prior N(0, I) x N(0, M I)"};
    p.add<double>("beta", 4.0, "constant time scaling β of the dynamics").positive();
    p.add<double>("m_inv", 4.0, "inverse mass 1/M; damping Γ = 2√M (critical)").positive();
    p.add<double>("gamma", 0.04, "initial velocity variance factor: v0 ~ N(0, γM I)").min(0.0);
    p.add<double>("numerical_eps", 0.0,
                  "added to the kernel's Σxx and Σvv (CLD-SGM stabiliser; toy configs 1e-6)")
        .min(0.0);
    p.add<double>("t_max", 1.0, "terminal time T").positive();
    p.add<double>("t_min", 1e-3, "time ε at which sampling stops (CLD-SGM sampling_eps)").min(0.0);
    p.example("[sde]\nplugin = \"cld\"\nbeta = 4.0\nm_inv = 4.0\ngamma = 0.04");
    return p;
  }

  explicit CriticallyDampedLangevin(const sgm::Params& p)
      : beta_(p.get<double>("beta")),
        m_(1.0 / p.get<double>("m_inv")),
        damping_(2.0 * std::sqrt(m_)),
        gamma_(p.get<double>("gamma")),
        numerical_eps_(p.get<double>("numerical_eps")),
        t_max_(p.get<double>("t_max")),
        t_min_(p.get<double>("t_min")) {
    if (!(beta_ > 0.0)) throw sgm::Error("cld: beta must be positive");
    if (!(m_ > 0.0) || !std::isfinite(m_)) throw sgm::Error("cld: m_inv must be positive");
    if (!(gamma_ >= 0.0)) throw sgm::Error("cld: gamma must be non-negative");
    if (!(t_min_ < t_max_)) throw sgm::Error("cld: t_min must be smaller than t_max");
  }

  // Documentation inherited.
  int blocks() const override { return 2; }
  double t_max() const override { return t_max_; }
  double t_min() const override { return t_min_; }

  void drift(CRef u, double /*t*/, Ref out) const override {
    const Eigen::Index d = u.cols() / 2;
    out.leftCols(d) = (beta_ / m_) * u.rightCols(d);
    out.rightCols(d) = -beta_ * u.leftCols(d) - (damping_ * beta_ / m_) * u.rightCols(d);
  }
  void diffusion_apply(CRef z, double /*t*/, Ref out) const override {
    const Eigen::Index d = z.cols() / 2;
    out.leftCols(d).setZero();
    out.rightCols(d) = std::sqrt(2.0 * damping_ * beta_) * z.rightCols(d);
  }
  void diffusion_squared_apply(CRef s, double /*t*/, Ref out) const override {
    const Eigen::Index d = s.cols() / 2;
    out.leftCols(d).setZero();
    out.rightCols(d) = (2.0 * damping_ * beta_) * s.rightCols(d);
  }

  void prior_sample(Ref out, RowRng& rng) const override {
    rng.normal(out);
    out.rightCols(out.cols() / 2) *= std::sqrt(m_);
  }
  void prior_log_density(CRef u, VecRef out) const override {
    const Eigen::Index d = u.cols() / 2;
    const double dd = static_cast<double>(d);
    out = (-dd * std::log(2.0 * std::numbers::pi) - 0.5 * dd * std::log(m_) -
           0.5 * u.leftCols(d).array().square().rowwise().sum() -
           (0.5 / m_) * u.rightCols(d).array().square().rowwise().sum())
              .matrix();
  }

  /// state = [data, v0] with v0 ~ N(0, γM I), row i's velocity from rng.row(i).
  void lift(CRef data, Ref state, RowRng& rng) const override {
    lift_with_gaussian_velocity(data, state, rng, gamma_ * m_, "cld");
  }
  Eigen::MatrixXd initial_block_cov() const override {
    return gaussian_velocity_block_cov(gamma_ * m_);
  }

  bool is_linear() const override { return true; }
  LinearKernel kernel(double t) const override {
    const double g = damping_, b = beta_ * t, y = 4.0 * b / g;
    const double e2 = std::exp(-2.0 * b / g), e4 = std::exp(-y), r3 = tail3(y);
    LinearKernel k{Eigen::MatrixXd(2, 2), Eigen::MatrixXd(2, 2)};
    k.mean_map << e2 * (1.0 + 2.0 * b / g), e2 * 4.0 * b / (g * g),  //
        -e2 * b, e2 * (1.0 - 2.0 * b / g);
    const double xx = r3;  // e^{−y} φ₃(y)
    const double xv = e4 * 4.0 * b * b / g;
    const double vv = e4 * 2.0 * g * b + 0.25 * g * g * r3;
    k.cov << xx + numerical_eps_, xv, xv, vv + numerical_eps_;
    return k;
  }

 private:
  // e^{−y} φ₃(y) = 1 − e^{−y}(1 + y + y²/2) = e^{−y} Σ_{k≥3} y^k/k! (y ≥ 0):
  // series for small y (no cancellation), the closed form otherwise (no
  // overflow of e^y for large t).
  static double tail3(double y) {
    if (y > 1.0) return -std::expm1(-y) - std::exp(-y) * (y + 0.5 * y * y);
    double term = y * y * y / 6.0, sum = 0.0;
    for (int k = 4; k < 60 && term > 1e-18 * sum; ++k) {
      sum += term;
      term *= y / k;
    }
    return std::exp(-y) * sum;
  }

  double beta_, m_, damping_, gamma_, numerical_eps_, t_max_, t_min_;
};

}  // namespace sgm::plugins::sdes

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::sdes::CriticallyDampedLangevin>();
}
}  // namespace

SGM_PLUGIN("cld", "0.1.0", register_components)
