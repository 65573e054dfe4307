// ou.cpp: the Ornstein-Uhlenbeck SDE of seed 000 and of the CLD slides (MATH.md §1, §C1):
//
//   dX = −β (X − α) dt + σ dW,   σ = √(2β) unless given (unit stationary variance).
//
// Kernel: X_t | x0 ~ N(α + (x0 − α) e^{−βt}, s∞² (1 − e^{−2βt}) I), s∞² = σ²/(2β).
// Prior: the stationary law N(α, s∞² I), which is also the prior of seed 000 for every β
// (with α = 0 and σ = √(2β): m_t = e^{−βt}, σ_t² = 1 − e^{−2βt}, prior N(0, I)).
// Seed 000 runs every experiment on [0, 1] (β, not T, sets how far the data are noised), and its
// reverse Euler-Maruyama chain queries the score at 1, 0.99, ..., 0.01 and stops at t = 0: set
// t_min = 0 to reproduce it (the score is then never evaluated at 0 by a left-point scheme).
// The perturbation kernel is reported (is_linear()) only for α = 0: LinearKernel has no offset.
//
// Example stage:
//   [sde]
//   plugin = "ou"
//   beta = 1.0
//   t_max = 1.0
#include <cmath>
#include <numbers>

#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

namespace sgm::plugins::sdes {

class OrnsteinUhlenbeck final : public sgm::ForwardSde {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"ou", "Ornstein-Uhlenbeck SDE dX = -beta (X - alpha) dt + sigma dW"};
    p.add<double>("beta", 1.0, "mean-reversion rate β").positive();
    p.add<double>("alpha", 0.0, "mean α the process reverts to (every coordinate)");
    p.add<double>("sigma", 0.0, "diffusion coefficient σ; 0 means √(2β) (stationary law N(α, I))")
        .min(0.0);
    p.add<double>("t_max", 1.0, "terminal time T").positive();
    p.add<double>("t_min", 1e-3, "time ε at which sampling stops (0: seed 000's grid)").min(0.0);
    p.example("[sde]\nplugin = \"ou\"\nbeta = 1.0\nt_max = 1.0");
    return p;
  }

  explicit OrnsteinUhlenbeck(const sgm::Params& p)
      : beta_(p.get<double>("beta")),
        alpha_(p.get<double>("alpha")),
        sigma_(p.get<double>("sigma") > 0.0 ? p.get<double>("sigma") : std::sqrt(2.0 * beta_)),
        t_max_(p.get<double>("t_max")),
        t_min_(p.get<double>("t_min")),
        stationary_var_(sigma_ * sigma_ / (2.0 * beta_)) {
    if (!(t_min_ < t_max_)) throw sgm::Error("ou: t_min must be smaller than t_max");
  }

  // Documentation inherited.
  double t_max() const override { return t_max_; }
  double t_min() const override { return t_min_; }

  void drift(CRef x, double /*t*/, Ref out) const override {
    out.array() = -beta_ * (x.array() - alpha_);
  }
  void diffusion_apply(CRef z, double /*t*/, Ref out) const override { out = sigma_ * z; }
  void diffusion_squared_apply(CRef s, double /*t*/, Ref out) const override {
    out = (sigma_ * sigma_) * s;
  }

  void prior_sample(Ref out, RowRng& rng) const override {
    isotropic_gaussian_sample(out, rng, stationary_var_, alpha_);
  }
  void prior_log_density(CRef x, VecRef out) const override {
    isotropic_gaussian_log_density(x, out, stationary_var_, alpha_);
  }

  bool is_linear() const override { return alpha_ == 0.0; }
  LinearKernel kernel(double t) const override {
    if (!is_linear())
      throw sgm::Error("ou: with alpha != 0 the kernel mean is affine, not linear, in x0");
    LinearKernel k{Eigen::MatrixXd(1, 1), Eigen::MatrixXd(1, 1)};
    k.mean_map(0, 0) = std::exp(-beta_ * t);
    k.cov(0, 0) = -stationary_var_ * std::expm1(-2.0 * beta_ * t);
    return k;
  }

 private:
  double beta_, alpha_, sigma_, t_max_, t_min_, stationary_var_;
};

}  // namespace sgm::plugins::sdes

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::sdes::OrnsteinUhlenbeck>(); }
}  // namespace

SGM_PLUGIN("ou", "0.1.0", register_components)
