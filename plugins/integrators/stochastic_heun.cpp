// stochastic_heun.cpp: stochastic Heun (improved Euler) for the reverse-time SDE with additive
// noise (G depends on t only), MATH.md §3. With b = −[f − G Gᵀ s] the reverse-time drift and one
// shared increment ξ ~ N(0, h I) per step from t down to s = t − h:
//
//   x̃ = x + h b(x, t) + G(t) ξ,
//   x' = x + (h/2)(b(x, t) + b(x̃, s)) + ½ (G(t) + G(s)) ξ.
//
// Strong order 1 for additive noise (tests/convergence/test_samplers.cpp). Kernel:
// sgm::stochastic_heun_step (samplers.hpp). Works with any SDE whose G does not depend on x
// (every SDE in sgm). `denoise = true` ends with a Tweedie step (one-block linear SDEs).
// NFE = 2·steps (+1 with denoise).
//
// Example stage:
//   [sample]
//   plugin = "stochastic_heun"
//   steps = 500
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <sgm/context.hpp>
#include <sgm/error.hpp>
#include <sgm/integrator.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/samplers.hpp>

namespace sgm::plugins::integrators {

class StochasticHeun final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"stochastic_heun",
                     "Stochastic Heun for the reverse-time SDE (additive noise, strong order 1)"};
    p.add<std::int64_t>("steps", 500, "number of time steps from T down to t_min").min(1);
    p.add<std::string>("grid", std::string("uniform"),
                       "time grid: uniform, or quadratic (denser near t_min)")
        .choices({"uniform", "quadratic"});
    p.add<bool>("denoise", false, "final Tweedie step x <- (x + sigma^2 s)/m at t_min");
    p.example("[sample]\nplugin = \"stochastic_heun\"\nsteps = 500");
    return p;
  }

  StochasticHeun(const sgm::Params& p, const sgm::Context& ctx)
      : steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps"))),
        grid_(grid_kind_from(p.get<std::string>("grid"))),
        denoise_(p.get<bool>("denoise")) {
    if (p.get<std::int64_t>("steps") < 1) throw sgm::Error("stochastic_heun: steps must be >= 1");
    check_denoise(ctx.sde, denoise_, "stochastic_heun");
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return steps_; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const override {
    require_sampling_inputs("stochastic_heun", state, score, rng);
    const std::vector<double> t = sampling_grid(sde, steps_, grid_);
    StepWorkspace ws;
    Matrix dw(state.rows(), state.cols());
    for (std::uint64_t k = 0; k < steps_; ++k) {
      rng.normal(dw);
      dw *= std::sqrt(t[k] - t[k + 1]);
      stochastic_heun_step(sde, *score, state, t[k], t[k + 1], dw, ws);
      progress.advance(static_cast<std::uint64_t>(state.rows()));
    }
    if (denoise_) tweedie_denoise(sde, *score, state, t.back(), ws);
    return {steps_, 2 * steps_ + (denoise_ ? 1 : 0)};
  }

 private:
  std::uint64_t steps_;
  GridKind grid_;
  bool denoise_;
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::integrators::StochasticHeun>();
}
}  // namespace

SGM_PLUGIN("stochastic_heun", "0.1.0", register_components)
