// pf_euler.cpp: the probability-flow ODE dx/dt = F(x, t) = f(x, t) − ½ G Gᵀ(t) s(x, t) (MATH.md §1,
// §3, §B4 (7.13)) integrated from T = sde.t_max() down to ε = sde.t_min() by the Euler method
// (first order; measured in tests/convergence/test_samplers.cpp), h = t − s:
//
//   x_s = x_t − h F(x_t, t).
//
// Deterministic: no noise is drawn. Works with every SDE. Kernel: sgm::pf_euler_step
// (samplers.hpp). `denoise = true` ends with a Tweedie step (one-block linear SDEs).
// NFE = steps (+1 with denoise).
//
// Example stage:
//   [sample]
//   plugin = "pf_euler"
//   steps = 1000
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

class PfEuler final : public FixedGridSampler {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"pf_euler", "Probability-flow ODE, Euler method (first order)"};
    add_grid_params(p, 1000);
    p.example("[sample]\nplugin = \"pf_euler\"\nsteps = 1000");
    return p;
  }
  PfEuler(const sgm::Params& p, const sgm::Context& ctx) : FixedGridSampler(p, ctx, "pf_euler", 1) {}

 protected:
  void step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t, double t_next,
            RowRng& /*rng*/, StepWorkspace& ws) const override {
    pf_euler_step(sde, score, x, t, t_next, ws);
  }
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::integrators::PfEuler>(); }
}  // namespace

SGM_PLUGIN("pf_euler", "0.1.0", register_components)
