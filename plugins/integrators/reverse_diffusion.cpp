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

class ReverseDiffusion final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"reverse_diffusion",
                     "Reverse-diffusion predictor (exact kernel discretisation for linear SDEs)"};
    p.add<std::int64_t>("steps", 1000, "number of time steps from T down to t_min").min(1);
    p.add<std::string>("grid", std::string("uniform"),
                       "time grid: uniform, or quadratic (denser near t_min)")
        .choices({"uniform", "quadratic"});
    p.add<bool>("denoise", false, "final Tweedie step x <- (x + sigma^2 s)/m at t_min");
    p.example("[sample]\nplugin = \"reverse_diffusion\"\nsteps = 1000");
    return p;
  }

  ReverseDiffusion(const sgm::Params& p, const sgm::Context& ctx)
      : steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps"))),
        grid_(grid_kind_from(p.get<std::string>("grid"))),
        denoise_(p.get<bool>("denoise")) {
    if (p.get<std::int64_t>("steps") < 1) throw sgm::Error("reverse_diffusion: steps must be >= 1");
    check_denoise(ctx.sde, denoise_, "reverse_diffusion");
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return steps_; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const override {
    require_sampling_inputs("reverse_diffusion", state, score, rng);
    const std::vector<double> t = sampling_grid(sde, steps_, grid_);
    StepWorkspace ws;
    for (std::uint64_t k = 0; k < steps_; ++k) {
      reverse_diffusion_step(sde, *score, state, t[k], t[k + 1], rng, ws);
      progress.advance(static_cast<std::uint64_t>(state.rows()));
    }
    if (denoise_) tweedie_denoise(sde, *score, state, t.back(), ws);
    return {steps_, steps_ + (denoise_ ? 1 : 0)};
  }

 private:
  std::uint64_t steps_;
  GridKind grid_;
  bool denoise_;
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::integrators::ReverseDiffusion>();
}
}  // namespace

SGM_PLUGIN("reverse_diffusion", "0.1.0", register_components)
