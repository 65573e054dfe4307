// pc.cpp: predictor-corrector sampling (Song et al.; MATH.md §3, §B4 Alg B.3–B.7). For each step
// of the grid from T = sde.t_max() down to ε = sde.t_min(), from t to s:
//
//   1. predictor from t to s: euler_maruyama, reverse_diffusion, ancestral, or none;
//   2. corrector_steps Langevin corrector steps at the new time s (Alg B.3 order), each
//        ε = 2 a_i (r ‖z‖/‖s(x, s)‖)²,   x ← x + ε s(x, s) + √(2ε) z,
//      with r = snr and a_i = (m_t/m_s)² = 1 − β_i for VP-type steps, 1 for VE-type steps and for
//      SDEs without a scalar kernel (score_sde uses α_i = 1 − β_i).
//
// Norms (corrector_norms): score_sde averages ‖z‖ and ‖s‖ over the batch, which couples every
// particle to the rows that share its block, so results would change with the chunk size and
// thread count. sgm offers two chunk-independent rules instead:
//   kernel (default, one-block linear SDEs): ‖z‖² → d, ‖s‖² → d/σ_t² (their noise-dominated
//     values), i.e. ε = 2 a_i r² σ_t², the same for every particle;
//   particle: per-row norms, ε capped at σ_t² (Langevin's stability bound on p_t). A step size
//     that depends on the particle's own state is biased in low dimension (near a mode ‖s‖ → 0,
//     so particles there are kicked away): on 1-D N(2, 0.25) data under VP it ends at variance
//     0.77 instead of 0.25. In high dimension the norms concentrate and all rules agree.
// SDEs without a scalar kernel always use the particle rule (uncapped). predictor = none with a
// corrector is the corrector-only sampler ("C2000"); corrector = none is the bare predictor.
// The ancestral predictor needs a one-block linear SDE (refused at validation otherwise).
// Kernels: samplers.hpp. `denoise = true` ends with a Tweedie step. NFE per particle =
// steps·(predictor ≠ none) + steps·corrector_steps·(corrector ≠ none) (+1 with denoise).
//
// Example stage:
//   [sample]
//   plugin = "pc"
//   predictor = "reverse_diffusion"
//   corrector = "langevin"
//   steps = 1000
//   corrector_steps = 1
//   snr = 0.16
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

class PredictorCorrector final : public sgm::Integrator {
 public:
  enum class Predictor { euler_maruyama, reverse_diffusion, ancestral, none };

  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"pc", "Predictor-corrector sampler (predictor + Langevin corrector)"};
    p.add<std::int64_t>("steps", 1000, "number of time steps from T down to t_min").min(1);
    p.add<std::string>("predictor", std::string("reverse_diffusion"), "predictor step")
        .choices({"euler_maruyama", "reverse_diffusion", "ancestral", "none"});
    p.add<std::string>("corrector", std::string("langevin"), "corrector step")
        .choices({"langevin", "none"});
    p.add<std::int64_t>("corrector_steps", 1, "Langevin corrector steps per time step").min(0);
    p.add<double>("snr", 0.16, "signal-to-noise ratio r of the corrector step size").positive();
    p.add<std::string>("corrector_norms", std::string("kernel"),
                       "norms in eps = 2a(r|z|/|s|)^2: kernel (|z|^2 -> d, |s|^2 -> d/sigma_t^2, "
                       "one-block linear SDEs; else particle) or particle (per-row norms)")
        .choices({"kernel", "particle"});
    p.add<std::string>("grid", std::string("uniform"),
                       "time grid: uniform, or quadratic (denser near t_min)")
        .choices({"uniform", "quadratic"});
    p.add<bool>("denoise", false, "final Tweedie step x <- (x + sigma^2 s)/m at t_min");
    p.example(
        "[sample]\nplugin = \"pc\"\npredictor = \"reverse_diffusion\"\ncorrector = "
        "\"langevin\"\nsteps = 1000\ncorrector_steps = 1\nsnr = 0.16");
    return p;
  }

  PredictorCorrector(const sgm::Params& p, const sgm::Context& ctx)
      : steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps"))),
        predictor_(predictor_from(p.get<std::string>("predictor"))),
        corrector_(p.get<std::string>("corrector") == "langevin"),
        corrector_steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("corrector_steps"))),
        snr_(p.get<double>("snr")),
        kernel_norms_(p.get<std::string>("corrector_norms") == "kernel"),
        grid_(grid_kind_from(p.get<std::string>("grid"))),
        denoise_(p.get<bool>("denoise")) {
    if (p.get<std::int64_t>("steps") < 1) throw sgm::Error("pc: steps must be >= 1");
    if (p.get<std::int64_t>("corrector_steps") < 0)
      throw sgm::Error("pc: corrector_steps must be >= 0");
    if (predictor_ == Predictor::none && !(corrector_ && corrector_steps_ > 0))
      throw sgm::Error("pc: predictor = \"none\" needs a corrector with corrector_steps >= 1 "
                       "(otherwise nothing moves the particles)");
    if (predictor_ == Predictor::ancestral)
      require_one_block_linear(ctx.sde, "pc", "the ancestral predictor");
    check_denoise(ctx.sde, denoise_, "pc");
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return steps_; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const override {
    require_sampling_inputs("pc", state, score, rng);
    const std::vector<double> t = sampling_grid(sde, steps_, grid_);
    const std::uint64_t csteps = corrector_ ? corrector_steps_ : 0;
    StepWorkspace ws;
    for (std::uint64_t k = 0; k < steps_; ++k) {
      const double from = t[k], to = t[k + 1];
      switch (predictor_) {
        case Predictor::euler_maruyama:
          euler_maruyama_reverse_step(sde, *score, state, from, to, rng, ws);
          break;
        case Predictor::reverse_diffusion:
          reverse_diffusion_step(sde, *score, state, from, to, rng, ws);
          break;
        case Predictor::ancestral: ancestral_step(sde, *score, state, from, to, rng, ws); break;
        case Predictor::none: break;
      }
      if (csteps > 0) {
        const double a = corrector_alpha(sde, to, from);
        if (kernel_norms_ && is_one_block_linear(sde)) {
          const double eps = corrector_kernel_eps(sde, to, snr_, a);
          for (std::uint64_t j = 0; j < csteps; ++j)
            langevin_step(*score, state, to, eps, rng, ws);  // x += ε s + √(2ε) z
        } else {
          const double cap = corrector_eps_max(sde, to);
          for (std::uint64_t j = 0; j < csteps; ++j)
            langevin_corrector_step(*score, state, to, snr_, a, rng, ws, cap);
        }
      }
      progress.advance(static_cast<std::uint64_t>(state.rows()));
    }
    if (denoise_) tweedie_denoise(sde, *score, state, t.back(), ws);
    const std::uint64_t per_step = (predictor_ != Predictor::none ? 1 : 0) + csteps;
    return {steps_, steps_ * per_step + (denoise_ ? 1 : 0)};
  }

 private:
  static Predictor predictor_from(const std::string& name) {
    if (name == "euler_maruyama") return Predictor::euler_maruyama;
    if (name == "reverse_diffusion") return Predictor::reverse_diffusion;
    if (name == "ancestral") return Predictor::ancestral;
    if (name == "none") return Predictor::none;
    throw sgm::Error("pc: unknown predictor '" + name +
                     "' (expected euler_maruyama, reverse_diffusion, ancestral or none)");
  }

  std::uint64_t steps_;
  Predictor predictor_;
  bool corrector_;
  std::uint64_t corrector_steps_;
  double snr_;
  bool kernel_norms_;
  GridKind grid_;
  bool denoise_;
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::integrators::PredictorCorrector>();
}
}  // namespace

SGM_PLUGIN("pc", "0.1.0", register_components)
