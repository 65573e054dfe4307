// ancestral.cpp: ancestral sampling (DDPM eq. 7.4 / SMLD eq. B.33; MATH.md §3, §B4), written
// generically from the kernel of any one-block linear SDE. With the forward transition between
// consecutive grid times s < t, x_t | x_s ~ N(a x_s, c I), a = m_t/m_s, c = σ_t² − a²σ_s²:
//
//   x_s = (x_t + c s(x_t, t)) / a + √v z,
//   v = c             when the mean scale changes (VP-type, a ≠ 1): β_i := c = 1 − a² for VP,
//                     so x_{i−1} = (x_i + β_i s)/√(1 − β_i) + √β_i z  (DDPM);
//   v = c σ_s²/σ_t²    when it does not (VE-type, a = 1): σ_i² := σ_t², so
//                     x_{i−1} = x_i + (σ_i² − σ_{i−1}²) s + √(σ_{i−1}²(σ_i² − σ_{i−1}²)/σ_i²) z (SMLD).
//
// The mean is the forward posterior mean E[x_s | x_t, x_0] with x_0 replaced by Tweedie's
// estimate (x_t + σ_t² s)/m_t [DER]; v = cσ_s²/σ_t² is that posterior's variance (DDPM's
// alternative "β̃"). Kernel: sgm::ancestral_step (samplers.hpp). SDEs without a scalar kernel
// (CLD, nonlinear) are refused at validation. `denoise = true` ends with a Tweedie step.
// NFE = steps (+1 with denoise).
//
// Example stage:
//   [sample]
//   plugin = "ancestral"
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

class Ancestral final : public FixedGridSampler {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"ancestral", "Ancestral sampling (DDPM for VP-type, SMLD for VE-type SDEs)"};
    add_grid_params(p, 1000);
    p.example("[sample]\nplugin = \"ancestral\"\nsteps = 1000");
    return p;
  }
  Ancestral(const sgm::Params& p, const sgm::Context& ctx)
      : FixedGridSampler(p, ctx, "ancestral", 1) {
    require_one_block_linear(ctx.sde, "ancestral", "ancestral sampling");
  }

 protected:
  void step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t, double t_next,
            RowRng& rng, StepWorkspace& ws) const override {
    ancestral_step(sde, score, x, t, t_next, rng, ws);
  }
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::integrators::Ancestral>(); }
}  // namespace

SGM_PLUGIN("ancestral", "0.1.0", register_components)
