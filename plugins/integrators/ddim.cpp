// ddim.cpp: DDIM (Song, Meng & Ermon 2021; MATH.md §3) for any one-block linear SDE, written via
// the kernel x_t | x_0 ~ N(m_t x_0, σ_t² I) (for VP m_t = √ᾱ_t, σ_t² = 1 − ᾱ_t). Per step from
// t down to s, with a = m_t/m_s and c = σ_t² − a²σ_s²:
//
//   x̂0 = (x + σ_t² s(x, t))/m_t,   ε̂ = −σ_t s,   σ̃² = η² c σ_s²/σ_t²,
//   x_s = m_s x̂0 + √(σ_s² − σ̃²) ε̂ + σ̃ z.
//
// η = 0: deterministic (MATH.md §3's x_{t'} = √ᾱ_{t'} x̂0 + √(1 − ᾱ_{t'}) ε̂); η = 1: the ancestral
// posterior step. SDEs without a scalar kernel are refused at validation. Kernel: sgm::ddim_step.
// `denoise = true` ends with a Tweedie step (x̂0 at t_min). NFE = steps (+1 with denoise).
//
// Example stage:
//   [sample]
//   plugin = "ddim"
//   steps = 50
//   eta = 0.0
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

class Ddim final : public FixedGridSampler {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"ddim", "DDIM: deterministic (eta = 0) or stochastic (eta > 0) implicit sampler"};
    add_grid_params(p, 50);
    p.add<double>("eta", 0.0, "stochasticity eta (0: deterministic; 1: ancestral)").min(0.0);
    p.example("[sample]\nplugin = \"ddim\"\nsteps = 50\neta = 0.0");
    return p;
  }
  Ddim(const sgm::Params& p, const sgm::Context& ctx)
      : FixedGridSampler(p, ctx, "ddim", 1), eta_(p.get<double>("eta")) {
    require_one_block_linear(ctx.sde, "ddim", "DDIM");
  }

 protected:
  void step(const ForwardSde& sde, const ScoreModel& score, Ref x, double t, double t_next,
            RowRng& rng, StepWorkspace& ws) const override {
    ddim_step(sde, score, x, t, t_next, eta_, rng, ws);
  }

 private:
  double eta_;
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::integrators::Ddim>(); }
}  // namespace

SGM_PLUGIN("ddim", "0.1.0", register_components)
