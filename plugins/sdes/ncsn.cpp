// ncsn.cpp: the discrete NCSN/SMLD noise levels as a forward SDE (MATH.md §3, §B2, §B4; Song &
// Ermon 2019). L geometric levels σ_1 < ... < σ_L from σ_min to σ_max, σ_0 = 0, placed at
// t_k = k/L on [0, 1]. Between levels the process is the VE SDE whose variance is linear in t:
//
//   dx = √(g²(t)) dW,   g²(t) = L (σ_k² − σ_{k−1}²) on ((k−1)/L, k/L],
//   x_t | x0 ~ N(x0, σ²(t) I),  σ²(t) = σ_{k−1}² + (tL − k + 1)(σ_k² − σ_{k−1}²),
//
// exact at every level, so the SMLD chain x_k = x_{k−1} + √(σ_k² − σ_{k−1}²) z is this SDE on the
// level grid and the generic ancestral sampler there is exactly SMLD's (B.33). Prior
// N(0, σ_L² I); t_min = 1/L (level 1, σ = σ_min). Defaults: score_sde's VE discretisation
// (σ_min = 0.01, σ_max = 50, L = 1000); NCSN's annealed-Langevin levels are σ 1 → 0.01, L = 10.
//
// Example stage:
//   [sde]
//   plugin = "ncsn"
//   sigma_min = 0.01
//   sigma_max = 50.0
//   levels = 1000
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

namespace sgm::plugins::sdes {

class Ncsn final : public sgm::ForwardSde {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"ncsn", "Discrete NCSN/SMLD geometric noise levels as a VE SDE on [0, 1]"};
    p.add<double>("sigma_min", 0.01, "σ_1, the smallest level").positive();
    p.add<double>("sigma_max", 50.0, "σ_L, the largest level").positive();
    p.add<std::int64_t>("levels", 1000, "number of levels L (t_k = k/L)").min(1);
    p.example(
        "[sde]\nplugin = \"ncsn\"\nsigma_min = 0.01\nsigma_max = "
        "50.0\nlevels = 1000");
    return p;
  }

  explicit Ncsn(const sgm::Params& p) {
    const double lo = p.get<double>("sigma_min"), hi = p.get<double>("sigma_max");
    const std::int64_t n = p.get<std::int64_t>("levels");
    if (n < 1) throw sgm::Error("ncsn: levels must be >= 1");
    if (!(lo > 0.0) || !(hi >= lo)) throw sgm::Error("ncsn: need 0 < sigma_min <= sigma_max");
    n_ = static_cast<std::size_t>(n);
    var_.assign(n_ + 1, 0.0);
    for (std::size_t k = 1; k <= n_; ++k) {
      const double r = n_ == 1 ? 0.0 : static_cast<double>(k - 1) / static_cast<double>(n_ - 1);
      const double s = lo * std::pow(hi / lo, r);
      var_[k] = s * s;
    }
  }

  // Documentation inherited.
  double t_max() const override { return 1.0; }
  double t_min() const override { return 1.0 / static_cast<double>(n_); }

  void drift(CRef /*x*/, double /*t*/, Ref out) const override { out.setZero(); }
  void diffusion_apply(CRef z, double t, Ref out) const override { out = std::sqrt(g2(t)) * z; }
  void diffusion_squared_apply(CRef s, double t, Ref out) const override { out = g2(t) * s; }

  void prior_sample(Ref out, RowRng& rng) const override {
    isotropic_gaussian_sample(out, rng, var_[n_]);
  }
  void prior_log_density(CRef x, VecRef out) const override {
    isotropic_gaussian_log_density(x, out, var_[n_]);
  }

  bool is_linear() const override { return true; }
  LinearKernel kernel(double t) const override {
    LinearKernel k{Eigen::MatrixXd(1, 1), Eigen::MatrixXd(1, 1)};
    k.mean_map(0, 0) = 1.0;
    if (t <= 0.0) {
      k.cov(0, 0) = 0.0;
      return k;
    }
    const std::size_t i = interval(t);
    const double frac = std::min(1.0, t * static_cast<double>(n_) - static_cast<double>(i));
    k.cov(0, 0) = var_[i] + frac * (var_[i + 1] - var_[i]);
    return k;
  }

 private:
  // Index k (0-based) of the level interval (k/L, (k+1)/L] containing t,
  // clamped to [0, L−1].
  std::size_t interval(double t) const {
    const double u = std::ceil(t * static_cast<double>(n_)) - 1.0;
    if (!(u > 0.0)) return 0;
    return u >= static_cast<double>(n_ - 1) ? n_ - 1 : static_cast<std::size_t>(u);
  }
  double g2(double t) const {
    const std::size_t i = interval(t);
    return static_cast<double>(n_) * (var_[i + 1] - var_[i]);
  }

  std::size_t n_ = 1;
  std::vector<double> var_;  // σ_k², k = 0..L (σ_0 = 0)
};

}  // namespace sgm::plugins::sdes

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::sdes::Ncsn>(); }
}  // namespace

SGM_PLUGIN("ncsn", "0.1.0", register_components)
