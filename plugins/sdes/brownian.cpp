// brownian.cpp: scaled Brownian motion (MATH.md §1, §7 "brownian"; the heat SDE with σ = √(2D)):
//
//   dx = σ dW.
//
// Kernel: x_t | x0 ~ N(x0, σ² t I) (no drift: the mean map is 1). Prior N(0, σ² T I), which is
// p_T only for data concentrated at 0: it mismatches p_T by the data's spread, as VE's prior
// does (MATH.md §4). Hence the default σ = 5: σ²T = 25 dwarfs the spread of unit-scale data
// (like VE's large σ_max), while the noise left at ε, σ²ε = 0.025, stays small; with σ = 1 the
// prior misses p_T = data ⊛ N(0, 1) and deterministic (PF-ODE) samplers carry that error to the
// end. Time cutoff ε = 1e-3 (the score of p_t is singular at t = 0 for discrete data).
//
// Example stage:
//   [sde]
//   plugin = "brownian"
//   sigma = 5.0
//   t_max = 1.0
#include <cmath>
#include <numbers>

#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

namespace sgm::plugins::sdes {

class Brownian final : public sgm::ForwardSde {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"brownian", "Brownian motion dx = sigma dW; prior N(0, sigma^2 T I)"};
    p.add<double>("sigma", 5.0, "diffusion coefficient σ (heat equation: σ = √(2D))").positive();
    p.add<double>("t_max", 1.0, "terminal time T").positive();
    p.add<double>("t_min", 1e-3, "time ε at which sampling stops").min(0.0);
    p.example("[sde]\nplugin = \"brownian\"\nsigma = 5.0\nt_max = 1.0");
    return p;
  }

  explicit Brownian(const sgm::Params& p)
      : sigma_(p.get<double>("sigma")),
        t_max_(p.get<double>("t_max")),
        t_min_(p.get<double>("t_min")) {
    if (!(sigma_ > 0.0)) throw sgm::Error("brownian: sigma must be positive");
    if (!(t_min_ < t_max_)) throw sgm::Error("brownian: t_min must be smaller than t_max");
  }

  // Documentation inherited.
  double t_max() const override { return t_max_; }
  double t_min() const override { return t_min_; }

  void drift(CRef /*x*/, double /*t*/, Ref out) const override { out.setZero(); }
  void diffusion_apply(CRef z, double /*t*/, Ref out) const override { out = sigma_ * z; }
  void diffusion_squared_apply(CRef s, double /*t*/, Ref out) const override {
    out = (sigma_ * sigma_) * s;
  }

  void prior_sample(Ref out, RowRng& rng) const override {
    isotropic_gaussian_sample(out, rng, prior_variance());
  }
  void prior_log_density(CRef x, VecRef out) const override {
    isotropic_gaussian_log_density(x, out, prior_variance());
  }

  bool is_linear() const override { return true; }
  LinearKernel kernel(double t) const override {
    LinearKernel k{Eigen::MatrixXd(1, 1), Eigen::MatrixXd(1, 1)};
    k.mean_map(0, 0) = 1.0;
    k.cov(0, 0) = sigma_ * sigma_ * t;
    return k;
  }

 private:
  double prior_variance() const { return sigma_ * sigma_ * t_max_; }

  double sigma_, t_max_, t_min_;
};

}  // namespace sgm::plugins::sdes

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::sdes::Brownian>(); }
}  // namespace

SGM_PLUGIN("brownian", "0.1.0", register_components)
