// cld_elliptic.cpp: critically-damped Langevin diffusion with noise on x as well (MATH.md §1
// "Elliptic CLD", the CLD slides' "solution 2"), state u = (x, v), row = [x, v]:
//
//   dx = (β/M) v dt + ε dW_x
//   dv = (−β x − (Γβ/M) v) dt + √(2Γβ) dW_v,        Γ = 2√M (critical damping).
//
// The diffusion diag(ε, √(2Γβ)) is non-degenerate, so the score needs both blocks (x and v;
// analytic_gmm provides them) and the sscs sampler, whose split assumes noise on v only, refuses
// it. Stationary law, from βAΣ + ΣβAᵀ + diag(ε², 2Γβ) = 0 (MATH.md §1):
//   Σ∞ = [[1 + 5Γε²/(8β), −Γ²ε²/(8β)], [·, M + Γ³ε²/(32β)]]  (the prior, sampled by Cholesky).
// Kernel from a deterministic u0 (B = βt): the mean map Φ(B) of cld, and covariance
//   Σ = Σ⁰_cld(B) + ε² ∫₀ᵗ Φ_col0(βτ) Φ_col0(βτ)ᵀ dτ,   Φ_col0(B) = e^{−2B/Γ} (1 + 2B/Γ, −B),
// i.e. with c = 4β/Γ, k = 2β/Γ and
//   I_j = ∫₀ᵗ τ^j e^{−cτ} dτ = j!/c^{j+1} (1 − e^{−ct} Σ_{i≤j} (ct)^i/i!):
//   Σxx += ε² (I0 + 2k I1 + k² I2),  Σxv += −ε² β (I1 + k I2),  Σvv += ε² β² I2.
// All in double, with series where terms cancel. ε = 0 is the cld plugin (without its
// numerical_eps). Defaults as cld (β = 4, M = 0.25, γ = 0.04); ε = 0.1 is this plugin's choice
// (the slides ablate it; MATH.md §4, Neal's funnel).
//
// Example stage:
//   [sde]
//   plugin = "cld_elliptic"
//   epsilon = 0.1
#include <cmath>
#include <numbers>

#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/params.hpp>
#include <sgm/phase_space.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

namespace sgm::plugins::sdes {

class EllipticCld final : public sgm::ForwardSde {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"cld_elliptic",
                     "Critically-damped Langevin diffusion with extra noise epsilon on x"};
    p.add<double>("beta", 4.0, "constant time scaling β of the dynamics").positive();
    p.add<double>("m_inv", 4.0, "inverse mass 1/M; damping Γ = 2√M (critical)").positive();
    p.add<double>("gamma", 0.04, "initial velocity variance factor: v0 ~ N(0, γM I)").min(0.0);
    p.add<double>("epsilon", 0.1, "noise amplitude ε on x (0: the cld plugin)").min(0.0);
    p.add<double>("t_max", 1.0, "terminal time T").positive();
    p.add<double>("t_min", 1e-3, "time ε_s at which sampling stops").min(0.0);
    p.example("[sde]\nplugin = \"cld_elliptic\"\nepsilon = 0.1");
    return p;
  }

  explicit EllipticCld(const sgm::Params& p)
      : beta_(p.get<double>("beta")),
        m_(1.0 / p.get<double>("m_inv")),
        damping_(2.0 * std::sqrt(m_)),
        gamma_(p.get<double>("gamma")),
        eps_(p.get<double>("epsilon")),
        t_max_(p.get<double>("t_max")),
        t_min_(p.get<double>("t_min")) {
    if (!(beta_ > 0.0)) throw sgm::Error("cld_elliptic: beta must be positive");
    if (!(m_ > 0.0) || !std::isfinite(m_)) throw sgm::Error("cld_elliptic: m_inv must be positive");
    if (!(gamma_ >= 0.0) || !(eps_ >= 0.0))
      throw sgm::Error("cld_elliptic: gamma and epsilon must be non-negative");
    if (!(t_min_ < t_max_)) throw sgm::Error("cld_elliptic: t_min must be smaller than t_max");
    const double g = damping_, e2 = eps_ * eps_;
    const double sxx = 1.0 + 5.0 * g * e2 / (8.0 * beta_), sxv = -g * g * e2 / (8.0 * beta_);
    const double svv = m_ + g * g * g * e2 / (32.0 * beta_);
    l11_ = std::sqrt(sxx);
    l21_ = sxv / l11_;
    l22_ = std::sqrt(svv - l21_ * l21_);
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
    out.leftCols(d) = eps_ * z.leftCols(d);
    out.rightCols(d) = std::sqrt(2.0 * damping_ * beta_) * z.rightCols(d);
  }
  void diffusion_squared_apply(CRef s, double /*t*/, Ref out) const override {
    const Eigen::Index d = s.cols() / 2;
    out.leftCols(d) = (eps_ * eps_) * s.leftCols(d);
    out.rightCols(d) = (2.0 * damping_ * beta_) * s.rightCols(d);
  }

  /// u ~ N(0, Σ∞ ⊗ I): x = L11 z1, v = L21 z1 + L22 z2.
  void prior_sample(Ref out, RowRng& rng) const override {
    rng.normal(out);
    const Eigen::Index d = out.cols() / 2;
    out.rightCols(d) = l21_ * out.leftCols(d) + l22_ * out.rightCols(d);
    out.leftCols(d) *= l11_;
  }
  void prior_log_density(CRef u, VecRef out) const override {
    const Eigen::Index d = u.cols() / 2;
    const double dd = static_cast<double>(d);
    // Whitened coordinates w1 = x/L11, w2 = (v − L21 w1)/L22;
    // log det Σ∞ = 2 log(L11 L22).
    const Eigen::ArrayXXd w1 = u.leftCols(d).array() / l11_;
    const Eigen::ArrayXXd w2 = (u.rightCols(d).array() - l21_ * w1) / l22_;
    out = (-dd * std::log(2.0 * std::numbers::pi) - dd * std::log(l11_ * l22_) -
           0.5 * (w1.square().rowwise().sum() + w2.square().rowwise().sum()))
              .matrix();
  }

  /// state = [data, v0] with v0 ~ N(0, γM I), row i's velocity from rng.row(i).
  void lift(CRef data, Ref state, RowRng& rng) const override {
    lift_with_gaussian_velocity(data, state, rng, gamma_ * m_, "cld_elliptic");
  }
  Eigen::MatrixXd initial_block_cov() const override {
    return gaussian_velocity_block_cov(gamma_ * m_);
  }

  bool is_linear() const override { return true; }
  LinearKernel kernel(double t) const override {
    const double g = damping_, b = beta_ * t, y = 4.0 * b / g;
    const double e2 = std::exp(-2.0 * b / g), e4 = std::exp(-y), r3 = tail(y, 2);
    LinearKernel k{Eigen::MatrixXd(2, 2), Eigen::MatrixXd(2, 2)};
    k.mean_map << e2 * (1.0 + 2.0 * b / g), e2 * 4.0 * b / (g * g),  //
        -e2 * b, e2 * (1.0 - 2.0 * b / g);
    // The cld part (cld.cpp): Σ⁰xx = r, Σ⁰xv = e^{−y} 4B²/Γ, Σ⁰vv = 2ΓB e^{−y} + (Γ²/4) r.
    double xx = r3, xv = e4 * 4.0 * b * b / g, vv = e4 * 2.0 * g * b + 0.25 * g * g * r3;
    if (eps_ > 0.0) {
      const double c = 4.0 * beta_ / g, kk = 2.0 * beta_ / g, x = c * t;
      const double i0 = tail(x, 0) / c, i1 = tail(x, 1) / (c * c),
                   i2 = 2.0 * tail(x, 2) / (c * c * c);
      const double s2 = eps_ * eps_;
      xx += s2 * (i0 + 2.0 * kk * i1 + kk * kk * i2);
      xv += -s2 * beta_ * (i1 + kk * i2);
      vv += s2 * beta_ * beta_ * i2;
    }
    k.cov << xx, xv, xv, vv;
    return k;
  }

 private:
  // 1 − e^{−x} Σ_{i≤j} x^i/i! = e^{−x} Σ_{i>j} x^i/i! (x ≥ 0), by series for small x.
  static double tail(double x, int j) {
    if (x > 1.0) {
      double term = 1.0, sum = 1.0;
      for (int i = 1; i <= j; ++i) {
        term *= x / i;
        sum += term;
      }
      return -std::expm1(-x) - (sum - 1.0) * std::exp(-x);
    }
    double term = 1.0;
    for (int i = 1; i <= j + 1; ++i) term *= x / i;  // x^{j+1}/(j+1)!
    double sum = 0.0;
    for (int i = j + 2; i < j + 60 && term > 1e-18 * sum; ++i) {
      sum += term;
      term *= x / i;
    }
    return std::exp(-x) * sum;
  }

  double beta_, m_, damping_, gamma_, eps_, t_max_, t_min_;
  double l11_ = 1.0, l21_ = 0.0, l22_ = 1.0;  // Cholesky factor of Σ∞
};

}  // namespace sgm::plugins::sdes

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::sdes::EllipticCld>(); }
}  // namespace

SGM_PLUGIN("cld_elliptic", "0.1.0", register_components)
