// reverse_diffusion.cpp: the reverse-diffusion predictor of Song et al. (MATH.md §B4 (B.32), §3):
//
//   x_s = x_t − f_t(x_t) + G_t G_tᵀ s(x_t, t) + G_t z,
//
// with (f_t, G_t) the forward discretisation of the step from s to t. For one-block linear SDEs
// the discretisation is the exact kernel transition x_t = a x_s + √c z (a = m_t/m_s,
// c = σ_t² − a²σ_s²), giving x_s = (2 − a) x_t + c s + √c z: VP (2 − √(1−β_i)) x + β_i s + √β_i z,
// VE x + (σ_t² − σ_s²) s + √(σ_t² − σ_s²) z, as in §B4. Any other SDE (CLD, nonlinear) uses the
// Euler discretisation f·h, G√h, which is the reverse Euler-Maruyama step. Kernel:
// sgm::reverse_diffusion_step (samplers.hpp). Grid from T = sde.t_max() to ε = sde.t_min().
// `denoise = true` ends with a Tweedie step x ← (x + σ_ε² s)/m_ε (one-block linear SDEs).
// NFE = steps (+1 with denoise).
//
// Example stage:
//   [sample]
//   plugin = "reverse_diffusion"
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

class ReverseDiffusion final : public FixedGridSampler {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"reverse_diffusion",
                     "Reverse-diffusion predictor (exact kernel discretisation for linear SDEs)"};
    add_grid_params(p, 1000);
    p.example("[sample]\nplugin = \"reverse_diffusion\"\nsteps = 1000");
    return p;
  }
  ReverseDiffusion(const sgm::Params& p, const sgm::Context& ctx)
      : FixedGridSampler(p, ctx, "reverse_diffusion", 1) {}

 protected:
  void step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t, double t_next,
            RowRng& rng, StepWorkspace& ws) const override {
    reverse_diffusion_step(sde, score, x, t, t_next, rng, ws);
  }
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::integrators::ReverseDiffusion>();
}
}  // namespace

SGM_PLUGIN("reverse_diffusion", "0.1.0", register_components)
