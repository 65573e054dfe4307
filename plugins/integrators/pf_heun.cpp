// pf_heun.cpp: the probability-flow ODE dx/dt = F(x, t) = f(x, t) − ½ G Gᵀ(t) s(x, t) (MATH.md §1,
// §3, §B4 (7.13)) integrated from T = sde.t_max() down to ε = sde.t_min() by the Heun method
// (second order; measured in tests/convergence/test_samplers.cpp), h = t − s:
//
//   x̃ = x_t − h F(x_t, t),  x_s = x_t − (h/2)(F(x_t, t) + F(x̃, s)).
//
// Deterministic: no noise is drawn. Works with every SDE. Kernel: sgm::pf_heun_step
// (samplers.hpp). `denoise = true` ends with a Tweedie step (one-block linear SDEs).
// NFE = 2·steps (+1 with denoise).
//
// Example stage:
//   [sample]
//   plugin = "pf_heun"
//   steps = 200
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

class PfHeun final : public FixedGridSampler {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"pf_heun", "Probability-flow ODE, Heun's method (second order, 2 NFE/step)"};
    add_grid_params(p, 200);
    p.example("[sample]\nplugin = \"pf_heun\"\nsteps = 200");
    return p;
  }
  PfHeun(const sgm::Params& p, const sgm::Context& ctx) : FixedGridSampler(p, ctx, "pf_heun", 2) {}

 protected:
  void step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t, double t_next,
            RowRng& /*rng*/, StepWorkspace& ws) const override {
    pf_heun_step(sde, score, x, t, t_next, ws);
  }
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::integrators::PfHeun>(); }
}  // namespace

SGM_PLUGIN("pf_heun", "0.1.0", register_components)
