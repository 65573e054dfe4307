// ddpm.cpp: the discrete DDPM noise schedule as a forward SDE (MATH.md §1 "VP ... DDPM", §6,
// §B4; Ho et al. 2020). N levels β_1..β_N = linspace(β_start, β_end, N), ᾱ_k = Π_{i≤k}(1 − β_i),
// placed at t_k = k/N on [0, 1]. Between levels the process is the VP SDE with the piecewise-
// constant rate β(t) = −N log(1 − β_k) on ((k−1)/N, k/N]:
//
//   dx = −½ β(t) x dt + √β(t) dW,   log ᾱ(t) = log ᾱ_{k−1} + (tN − k + 1) log(1 − β_k),
//
// so the kernel N(√ᾱ(t) x0, (1 − ᾱ(t)) I) is exact and equals DDPM's at every level: the
// transition between levels k−1 and k is N(√(1 − β_k) x, β_k I), which makes the generic
// ancestral sampler on the N-step grid exactly DDPM's (7.4) and ddim exactly DDIM. Prior
// N(0, I); t_min = 1/N (level 1, Song's ε = 1e-3 for N = 1000).
// Reference (MATH.md §6, linspace(1e-4, 0.02, 1000)): ᾱ_100 = 0.897018146,
// ᾱ_500 = 0.078587243, ᾱ_1000 = 4.035830e-5.
//
// Example stage:
//   [sde]
//   plugin = "ddpm"
//   beta_start = 1e-4
//   beta_end = 0.02
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

class Ddpm final : public sgm::ForwardSde {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"ddpm",
                     "Discrete DDPM schedule (beta_1..beta_N linear) as a VP SDE on [0, 1]"};
    p.add<double>("beta_start", 1e-4, "β_1").positive();
    p.add<double>("beta_end", 0.02, "β_N").positive();
    p.add<std::int64_t>("levels", 1000, "number of levels N (t_k = k/N)").min(1);
    p.example(
        "[sde]\nplugin = \"ddpm\"\nbeta_start = 1e-4\nbeta_end = "
        "0.02\nlevels = 1000");
    return p;
  }

  explicit Ddpm(const sgm::Params& p) {
    const double b0 = p.get<double>("beta_start"), b1 = p.get<double>("beta_end");
    const std::int64_t n = p.get<std::int64_t>("levels");
    if (n < 1) throw sgm::Error("ddpm: levels must be >= 1");
    if (!(b0 > 0.0 && b0 < 1.0 && b1 > 0.0 && b1 < 1.0))
      throw sgm::Error("ddpm: beta_start and beta_end must lie in (0, 1)");
    n_ = static_cast<std::size_t>(n);
    log1m_.resize(n_);
    log_abar_.assign(n_ + 1, 0.0);
    for (std::size_t k = 0; k < n_; ++k) {
      const double beta =
          n_ == 1 ? b0 : b0 + (b1 - b0) * static_cast<double>(k) / static_cast<double>(n_ - 1);
      log1m_[k] = std::log1p(-beta);
      log_abar_[k + 1] = log_abar_[k] + log1m_[k];
    }
  }

  // Documentation inherited.
  double t_max() const override { return 1.0; }
  double t_min() const override { return 1.0 / static_cast<double>(n_); }

  void drift(CRef x, double t, Ref out) const override { out = (-0.5 * beta(t)) * x; }
  void diffusion_apply(CRef z, double t, Ref out) const override { out = std::sqrt(beta(t)) * z; }
  void diffusion_squared_apply(CRef s, double t, Ref out) const override { out = beta(t) * s; }

  void prior_sample(Ref out, RowRng& rng) const override {
    isotropic_gaussian_sample(out, rng, 1.0);
  }
  void prior_log_density(CRef x, VecRef out) const override {
    isotropic_gaussian_log_density(x, out, 1.0);
  }

  bool is_linear() const override { return true; }
  LinearKernel kernel(double t) const override {
    const double la = log_abar(t);
    LinearKernel k{Eigen::MatrixXd(1, 1), Eigen::MatrixXd(1, 1)};
    k.mean_map(0, 0) = std::exp(0.5 * la);
    k.cov(0, 0) = -std::expm1(la);
    return k;
  }

 private:
  // Index k (0-based) of the level interval (k/N, (k+1)/N] containing t,
  // clamped to [0, N−1].
  std::size_t interval(double t) const {
    const double u = std::ceil(t * static_cast<double>(n_)) - 1.0;
    if (!(u > 0.0)) return 0;
    return u >= static_cast<double>(n_ - 1) ? n_ - 1 : static_cast<std::size_t>(u);
  }
  double beta(double t) const { return -static_cast<double>(n_) * log1m_[interval(t)]; }
  double log_abar(double t) const {
    if (t <= 0.0) return 0.0;
    const std::size_t k = interval(t);
    const double frac = std::min(1.0, t * static_cast<double>(n_) - static_cast<double>(k));
    return log_abar_[k] + frac * log1m_[k];
  }

  std::size_t n_ = 1;
  std::vector<double> log1m_;     // log(1 − β_k), k = 1..N (0-based)
  std::vector<double> log_abar_;  // log ᾱ_k, k = 0..N
};

}  // namespace sgm::plugins::sdes

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::sdes::Ddpm>(); }
}  // namespace

SGM_PLUGIN("ddpm", "0.1.0", register_components)
