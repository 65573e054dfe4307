// cosine_example.cpp: an out-of-tree plugin library with two components.
//
// `vp_cosine`: the variance-preserving SDE dx = −½β(t)x dt + √β(t) dW with the cosine schedule
// (Nichol & Dhariwal 2021): ᾱ(t) = cos²(π/2·(t+s)/(1+s)) / cos²(π/2·s/(1+s)),
// β(t) = −d/dt log ᾱ(t) = π/(1+s)·tan(π/2·(t+s)/(1+s)). Kernel N(√ᾱ x0, (1−ᾱ) I) (MATH.md §1,
// VP with B(t) = −log ᾱ(t)); prior N(0, I). β → ∞ as t → 1, hence T = 0.995 by default.
//
// `reverse_midpoint`: the reverse-time SDE with a midpoint drift and Euler noise,
//   x_mid = x − (h/2) b(x, t),   x' = x − h b(x_mid, t − h/2) + G(t)√h z,
// b = f − GGᵀs the reverse drift (sgm::reverse_drift). Two score evaluations per step.
//
// Example pipeline: pipeline.toml beside this file.
#include <sgm/forward_sde.hpp>
#include <sgm/integrator.hpp>
#include <sgm/plugin.hpp>
#include <sgm/reverse.hpp>

#include <cmath>
#include <numbers>

namespace example {

class VpCosine final : public sgm::ForwardSde {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"vp_cosine", "Variance-preserving SDE with the cosine noise schedule"};
    p.add<double>("s", 0.008, "schedule offset s").min_open(0.0).max(0.5);
    p.add<double>("t_max", 0.995, "terminal time T (beta is infinite at 1)").min_open(0.0).max_open(1.0);
    p.add<double>("t_min", 1e-3, "time at which sampling stops").min(0.0);
    p.example("[sde]\nplugin = \"vp_cosine\"\ns = 0.008");
    return p;
  }
  explicit VpCosine(const sgm::Params& p)
      : s_(p.get<double>("s")), t_max_(p.get<double>("t_max")), t_min_(p.get<double>("t_min")) {
    if (t_min_ >= t_max_) throw sgm::Error("vp_cosine: t_min must be below t_max");
  }

  double t_max() const override { return t_max_; }
  double t_min() const override { return t_min_; }
  void drift(sgm::CRef x, double t, sgm::Ref out) const override { out = -0.5 * beta(t) * x; }
  void diffusion_apply(sgm::CRef z, double t, sgm::Ref out) const override {
    out = std::sqrt(beta(t)) * z;
  }
  void diffusion_squared_apply(sgm::CRef s, double t, sgm::Ref out) const override {
    out = beta(t) * s;
  }
  void prior_sample(sgm::Ref out, sgm::RowRng& rng) const override { rng.normal(out); }
  void prior_log_density(sgm::CRef x, sgm::VecRef out) const override {
    out = (-0.5 * x.rowwise().squaredNorm().array() -
           0.5 * static_cast<double>(x.cols()) * std::log(2.0 * std::numbers::pi))
              .matrix();
  }
  bool is_linear() const override { return true; }
  sgm::LinearKernel kernel(double t) const override {
    const double a = alpha_bar(t);
    return {Eigen::MatrixXd::Constant(1, 1, std::sqrt(a)), Eigen::MatrixXd::Constant(1, 1, 1.0 - a)};
  }

 private:
  double phase(double t) const { return 0.5 * std::numbers::pi * (t + s_) / (1.0 + s_); }
  double alpha_bar(double t) const {
    const double c = std::cos(phase(t)), c0 = std::cos(phase(0.0));
    return (c * c) / (c0 * c0);
  }
  double beta(double t) const { return std::numbers::pi / (1.0 + s_) * std::tan(phase(t)); }
  double s_, t_max_, t_min_;
};

class ReverseMidpoint final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"reverse_midpoint", "Reverse-time SDE: midpoint drift, Euler noise (2 NFE/step)"};
    p.add<std::int64_t>("steps", 250, "number of time steps from T to t_min").min(1);
    p.example("[sample]\nplugin = \"reverse_midpoint\"\nsteps = 250");
    return p;
  }
  explicit ReverseMidpoint(const sgm::Params& p) : steps_(static_cast<std::uint64_t>(p.get_int("steps"))) {}

  std::uint64_t planned_steps() const override { return steps_; }

  sgm::IntegrationStats integrate(sgm::Ref x, const sgm::ForwardSde& sde, const sgm::ScoreModel* score,
                                  sgm::RowRng& rng, sgm::Progress& progress) const override {
    if (score == nullptr) throw sgm::Error("reverse_midpoint needs a score model");
    const auto grid = sgm::uniform_grid(sde.t_max(), sde.t_min(), steps_);
    sgm::Matrix b(x.rows(), x.cols()), mid(x.rows(), x.cols()), z(x.rows(), x.cols()),
        noise(x.rows(), x.cols());
    sgm::DriftWorkspace ws;
    for (std::uint64_t k = 0; k < steps_; ++k) {
      const double t = grid[k], h = grid[k] - grid[k + 1];
      sgm::reverse_drift(sde, *score, x, t, 1.0, b, ws);
      mid = x - 0.5 * h * b;
      sgm::reverse_drift(sde, *score, mid, t - 0.5 * h, 1.0, b, ws);
      rng.normal(z);
      sde.diffusion_apply(z, t, noise);
      x -= h * b;
      x += std::sqrt(h) * noise;
      progress.advance(static_cast<std::uint64_t>(x.rows()));
    }
    return {steps_, 2 * steps_};
  }

 private:
  std::uint64_t steps_;
};

void register_components(sgm::Registry& r) {
  r.add<VpCosine>();
  r.add<ReverseMidpoint>();
}

}  // namespace example

SGM_PLUGIN("cosine_example", "0.1.0", example::register_components)
