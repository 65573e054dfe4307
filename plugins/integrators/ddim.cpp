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

class Ddim final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"ddim", "DDIM sampler (eta = 0 deterministic, eta > 0 stochastic)"};
    p.add<std::int64_t>("steps", 50, "number of time steps from T down to t_min").min(1);
    p.add<double>("eta", 0.0, "stochasticity eta (0: deterministic; 1: ancestral)").min(0.0);
    p.add<std::string>("grid", std::string("uniform"),
                       "time grid: uniform, or quadratic (denser near t_min)")
        .choices({"uniform", "quadratic"});
    p.add<bool>("denoise", false, "final Tweedie step x <- (x + sigma^2 s)/m at t_min");
    p.example("[sample]\nplugin = \"ddim\"\nsteps = 50\neta = 0.0");
    return p;
  }

  Ddim(const sgm::Params& p, const sgm::Context& ctx)
      : steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps"))),
        eta_(p.get<double>("eta")),
        grid_(grid_kind_from(p.get<std::string>("grid"))),
        denoise_(p.get<bool>("denoise")) {
    if (p.get<std::int64_t>("steps") < 1) throw sgm::Error("ddim: steps must be >= 1");
    if (!(eta_ >= 0.0)) throw sgm::Error("ddim: eta must be >= 0");
    require_one_block_linear(ctx.sde, "ddim", "DDIM");
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return steps_; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const override {
    require_sampling_inputs("ddim", state, score, rng);
    require_one_block_linear(&sde, "ddim", "DDIM");
    const std::vector<double> t = sampling_grid(sde, steps_, grid_);
    StepWorkspace ws;
    for (std::uint64_t k = 0; k < steps_; ++k) {
      ddim_step(sde, *score, state, t[k], t[k + 1], eta_, rng, ws);
      progress.advance(static_cast<std::uint64_t>(state.rows()));
    }
    if (denoise_) tweedie_denoise(sde, *score, state, t.back(), ws);
    return {steps_, steps_ + (denoise_ ? 1 : 0)};
  }

 private:
  std::uint64_t steps_;
  double eta_;
  GridKind grid_;
  bool denoise_;
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::integrators::Ddim>(); }
}  // namespace

SGM_PLUGIN("ddim", "0.1.0", register_components)
