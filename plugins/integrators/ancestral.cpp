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

class Ancestral final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"ancestral",
                     "Ancestral sampler (DDPM form for VP-type, SMLD form for VE-type SDEs)"};
    p.add<std::int64_t>("steps", 1000, "number of time steps from T down to t_min").min(1);
    p.add<std::string>("grid", std::string("uniform"),
                       "time grid: uniform, or quadratic (denser near t_min)")
        .choices({"uniform", "quadratic"});
    p.add<bool>("denoise", false, "final Tweedie step x <- (x + sigma^2 s)/m at t_min");
    p.example("[sample]\nplugin = \"ancestral\"\nsteps = 1000");
    return p;
  }

  Ancestral(const sgm::Params& p, const sgm::Context& ctx)
      : steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps"))),
        grid_(grid_kind_from(p.get<std::string>("grid"))),
        denoise_(p.get<bool>("denoise")) {
    if (p.get<std::int64_t>("steps") < 1) throw sgm::Error("ancestral: steps must be >= 1");
    require_one_block_linear(ctx.sde, "ancestral", "ancestral sampling");
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return steps_; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const override {
    require_sampling_inputs("ancestral", state, score, rng);
    require_one_block_linear(&sde, "ancestral", "ancestral sampling");
    const std::vector<double> t = sampling_grid(sde, steps_, grid_);
    StepWorkspace ws;
    for (std::uint64_t k = 0; k < steps_; ++k) {
      ancestral_step(sde, *score, state, t[k], t[k + 1], rng, ws);
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
void register_components(sgm::Registry& r) { r.add<sgm::plugins::integrators::Ancestral>(); }
}  // namespace

SGM_PLUGIN("ancestral", "0.1.0", register_components)
