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

class StochasticHeun final : public FixedGridSampler {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"stochastic_heun",
                     "Stochastic Heun for the reverse SDE (additive noise, 2 NFE/step)"};
    add_grid_params(p, 500);
    p.example("[sample]\nplugin = \"stochastic_heun\"\nsteps = 500");
    return p;
  }
  StochasticHeun(const sgm::Params& p, const sgm::Context& ctx)
      : FixedGridSampler(p, ctx, "stochastic_heun", 2) {}

 protected:
  void step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t, double t_next,
            RowRng& rng, StepWorkspace& ws) const override {
    // The Brownian increment ξ ~ N(0, h I), shared by the predictor and the corrector.
    ws.dw.resize(x.rows(), x.cols());
    rng.normal(ws.dw);
    ws.dw *= std::sqrt(t - t_next);
    stochastic_heun_step(sde, score, x, t, t_next, ws.dw, ws);
  }
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::integrators::StochasticHeun>();
}
}  // namespace

SGM_PLUGIN("stochastic_heun", "0.1.0", register_components)
