// gbm.cpp: geometric Brownian motion, coordinate-wise (Kloeden & Platen §4.4: the textbook SDE
// with multiplicative noise, on which Euler–Maruyama's strong order is 1/2, §10.2):
//
//   dx = μ x dt + σ x dW,   exact solution x_t = x_0 exp((μ − σ²/2) t + σ W_t).
//
// Its diffusion G(x, t) = σ diag(x) depends on the state, so it is a forward-only SDE: the
// reverse-time SDE and every reverse sampler assume G(t) (forward_sde.hpp), and the host refuses
// them for it. It exists to measure forward integrators against a known pathwise solution; it
// has no prior (there is nothing to sample from at T) and no closed-form Gaussian kernel.
//
// Example stage:
//   [sde]
//   plugin = "gbm"
//   mu = 0.5
//   sigma = 1.0
#include <string>

#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

namespace sgm::plugins::sdes {

class GeometricBrownianMotion final : public sgm::ForwardSde {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"gbm",
                     "Geometric Brownian motion dx = mu x dt + sigma x dW (forward only: "
                     "multiplicative noise)"};
    p.add<double>("mu", 0.5, "drift rate μ");
    p.add<double>("sigma", 1.0, "volatility σ (G(x) = σ x)").min(0.0);
    p.add<double>("t_max", 1.0, "terminal time T").positive();
    p.example("[sde]\nplugin = \"gbm\"\nmu = 0.5\nsigma = 1.0");
    return p;
  }

  explicit GeometricBrownianMotion(const sgm::Params& p)
      : mu_(p.get<double>("mu")), sigma_(p.get<double>("sigma")), t_max_(p.get<double>("t_max")) {}

  // Documentation inherited.
  double t_max() const override { return t_max_; }
  double t_min() const override { return 0.0; }

  void drift(CRef x, double /*t*/, Ref out) const override { out = mu_ * x; }
  bool diffusion_depends_on_state() const override { return true; }
  void diffusion_apply_at(CRef x, CRef z, double /*t*/, Ref out) const override {
    out = sigma_ * x.cwiseProduct(z);
  }
  void diffusion_apply(CRef, double, Ref) const override { forward_only("G(t) z"); }
  void diffusion_squared_apply(CRef, double, Ref) const override { forward_only("G Gᵀ(t) s"); }
  void prior_sample(Ref, RowRng&) const override { forward_only("a prior sample"); }
  void prior_log_density(CRef, VecRef) const override { forward_only("a prior density"); }

 private:
  [[noreturn]] static void forward_only(const std::string& what) {
    throw sgm::Error("gbm has state-dependent noise G(x, t) = σ x and is for forward "
                     "integration only; it has no " + what + " for reverse-time sampling");
  }

  double mu_, sigma_, t_max_;
};

}  // namespace sgm::plugins::sdes

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::sdes::GeometricBrownianMotion>();
}
}  // namespace

SGM_PLUGIN("gbm", "0.1.0", register_components)
