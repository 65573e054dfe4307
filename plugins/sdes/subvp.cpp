// subvp.cpp: the sub-variance-preserving SDE (MATH.md §1 sub-VP [EXT], §B4 (B.16); Song et al.
// 2021), with the linear β schedule of `vp`:
//
//   dx = −½ β(t) x dt + √(β(t) (1 − e^{−2B(t)})) dW,   β(t) = β_min + t (β_max − β_min),
//   B(t) = ∫₀ᵗ β = β_min t + ½ (β_max − β_min) t².
//
// Kernel: x_t | x0 ~ N(e^{−B/2} x0, (1 − e^{−B})² I) (std 1 − e^{−B}; from the covariance ODE
// Σ(t) = I + e^{−2B} I + e^{−B}(Σ0 − 2I) with Σ0 = 0). The variance is at most VP's 1 − e^{−B}.
// Prior N(0, I). Time cutoff ε = 1e-3 for sampling (§B4). Computed with expm1 so that small B
// keeps full relative precision.
//
// Example stage:
//   [sde]
//   plugin = "subvp"
//   beta_min = 0.1
//   beta_max = 20.0
#include <cmath>
#include <numbers>

#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

namespace sgm::plugins::sdes {

class SubVariancePreserving final : public sgm::ForwardSde {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"subvp",
                     "Sub-VP SDE: VP drift, diffusion sqrt(beta (1 - "
                     "exp(-2B))), linear beta(t)"};
    p.add<double>("beta_min", 0.1, "β(0)").min(0.0);
    p.add<double>("beta_max", 20.0, "β(1)").positive();
    p.add<double>("t_max", 1.0, "terminal time T").positive();
    p.add<double>("t_min", 1e-3, "time ε at which sampling stops").min(0.0);
    p.example("[sde]\nplugin = \"subvp\"\nbeta_min = 0.1\nbeta_max = 20.0");
    return p;
  }

  explicit SubVariancePreserving(const sgm::Params& p)
      : beta_min_(p.get<double>("beta_min")),
        beta_max_(p.get<double>("beta_max")),
        t_max_(p.get<double>("t_max")),
        t_min_(p.get<double>("t_min")) {
    if (!(t_min_ < t_max_)) throw sgm::Error("subvp: t_min must be smaller than t_max");
    if (beta(t_max_) < 0.0)
      throw sgm::Error(
          "subvp: beta(t) = beta_min + t (beta_max - beta_min) is "
          "negative at t_max");
  }

  // Documentation inherited.
  double t_max() const override { return t_max_; }
  double t_min() const override { return t_min_; }

  void drift(CRef x, double t, Ref out) const override { out = (-0.5 * beta(t)) * x; }
  void diffusion_apply(CRef z, double t, Ref out) const override { out = std::sqrt(g2(t)) * z; }
  void diffusion_squared_apply(CRef s, double t, Ref out) const override { out = g2(t) * s; }

  void prior_sample(Ref out, RowRng& rng) const override {
    isotropic_gaussian_sample(out, rng, 1.0);
  }
  void prior_log_density(CRef x, VecRef out) const override {
    isotropic_gaussian_log_density(x, out, 1.0);
  }

  bool is_linear() const override { return true; }
  LinearKernel kernel(double t) const override {
    const double b = integrated_beta(t);
    const double sd = -std::expm1(-b);  // 1 − e^{−B}
    LinearKernel k{Eigen::MatrixXd(1, 1), Eigen::MatrixXd(1, 1)};
    k.mean_map(0, 0) = std::exp(-0.5 * b);
    k.cov(0, 0) = sd * sd;
    return k;
  }

 private:
  double beta(double t) const { return beta_min_ + t * (beta_max_ - beta_min_); }
  double integrated_beta(double t) const {
    return beta_min_ * t + 0.5 * (beta_max_ - beta_min_) * t * t;
  }
  // g²(t) = β(t) (1 − e^{−2B(t)}).
  double g2(double t) const { return beta(t) * -std::expm1(-2.0 * integrated_beta(t)); }

  double beta_min_, beta_max_, t_max_, t_min_;
};

}  // namespace sgm::plugins::sdes

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::sdes::SubVariancePreserving>(); }
}  // namespace

SGM_PLUGIN("subvp", "0.1.0", register_components)
