// ve.cpp: the variance-exploding SDE with a geometric noise schedule (MATH.md §1, §B4; Song's
// thesis (B.19)):
//
//   dx = √(dσ²/dt) dW,   σ(t) = σ_min (σ_max/σ_min)^t,   g(t) = σ(t) √(2 ln(σ_max/σ_min)).
//
// Kernel: x_t | x0 ~ N(x0, (σ²(t) − σ²(0)) I); prior N(0, (σ²(T) − σ²(0)) I).
// Song's thesis and score_sde write the kernel as N(x0, σ(t)² I) and the prior as N(0, σ_max² I),
// which ignores that the process starts with zero variance at t = 0; we implement the form that
// solves the SDE exactly (MATH.md Part A §1). The two differ by σ_min² = 1e-4 (defaults).
// Time cutoff ε = 1e-5 for VE (§B4).
//
// Example stage:
//   [sde]
//   plugin = "ve"
//   sigma_min = 0.01
//   sigma_max = 50.0
#include <cmath>
#include <numbers>

#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

namespace sgm::plugins::sdes {

class VarianceExploding final : public sgm::ForwardSde {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"ve",
                     "Variance-exploding SDE, geometric sigma(t) = sigma_min (sigma_max/sigma_min)^t"};
    p.add<double>("sigma_min", 0.01, "σ(0), the smallest noise level").positive();
    p.add<double>("sigma_max", 50.0, "σ(1), the largest noise level (> sigma_min)").positive();
    p.add<double>("t_max", 1.0, "terminal time T").positive();
    p.add<double>("t_min", 1e-5, "time ε at which sampling stops").min(0.0);
    p.example("[sde]\nplugin = \"ve\"\nsigma_min = 0.01\nsigma_max = 50.0");
    return p;
  }

  explicit VarianceExploding(const sgm::Params& p)
      : sigma_min_(p.get<double>("sigma_min")),
        sigma_max_(p.get<double>("sigma_max")),
        t_max_(p.get<double>("t_max")),
        t_min_(p.get<double>("t_min")),
        log_ratio_(std::log(sigma_max_ / sigma_min_)) {
    if (!(sigma_min_ < sigma_max_))
      throw sgm::Error("ve: sigma_min must be smaller than sigma_max");
    if (!(t_min_ < t_max_)) throw sgm::Error("ve: t_min must be smaller than t_max");
  }

  // Documentation inherited.
  double t_max() const override { return t_max_; }
  double t_min() const override { return t_min_; }

  void drift(CRef /*x*/, double /*t*/, Ref out) const override { out.setZero(); }
  void diffusion_apply(CRef z, double t, Ref out) const override { out = g(t) * z; }
  void diffusion_squared_apply(CRef s, double t, Ref out) const override {
    const double gt = g(t);
    out = (gt * gt) * s;
  }

  void prior_sample(Ref out, RowRng& rng) const override {
    isotropic_gaussian_sample(out, rng, variance(t_max_));
  }
  void prior_log_density(CRef x, VecRef out) const override {
    isotropic_gaussian_log_density(x, out, variance(t_max_));
  }

  bool is_linear() const override { return true; }
  LinearKernel kernel(double t) const override {
    LinearKernel k{Eigen::MatrixXd::Ones(1, 1), Eigen::MatrixXd(1, 1)};
    k.cov(0, 0) = variance(t);
    return k;
  }

 private:
  double sigma(double t) const { return sigma_min_ * std::exp(t * log_ratio_); }
  double g(double t) const { return sigma(t) * std::sqrt(2.0 * log_ratio_); }
  /// σ²(t) − σ²(0) = σ_min² (e^{2t ln r} − 1), without cancellation at small t.
  double variance(double t) const {
    return sigma_min_ * sigma_min_ * std::expm1(2.0 * t * log_ratio_);
  }

  double sigma_min_, sigma_max_, t_max_, t_min_, log_ratio_;
};

}  // namespace sgm::plugins::sdes

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::sdes::VarianceExploding>(); }
}  // namespace

SGM_PLUGIN("ve", "0.1.0", register_components)
