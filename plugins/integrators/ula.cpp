// ula.cpp: the unadjusted Langevin algorithm on a fixed target (MATH.md §3):
//
//   x ← x + h s(x, t) + √(2h) z,
//
// with the score model frozen at time t (default: the SDE's t_min, where p_t ≈ the data; use the
// `data_score` score model for the dataset's exact score). Not a reverse-time sampler: it runs
// `steps` Langevin steps from whatever state it is given (the host passes the SDE's prior). ULA is
// biased: on N(0, s²) its stationary variance is s²/(1 − h/(2s²)) (MATH.md §6; 1.0526316 for s² = 1,
// h = 0.1); `mala` removes the bias. Kernel: sgm::langevin_step. `denoise = true` ends with a
// Tweedie step at t (one-block linear SDEs; only meaningful when the score is p_t's).
// NFE = steps (+1 with denoise).
//
// Example stage:
//   [sample]
//   plugin = "ula"
//   steps = 1000
//   step = 0.01
#include <cstdint>
#include <string>

#include <sgm/context.hpp>
#include <sgm/error.hpp>
#include <sgm/integrator.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/samplers.hpp>

namespace sgm::plugins::integrators {

class Ula final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"ula", "Unadjusted Langevin algorithm on the score at a fixed time t"};
    p.add<std::int64_t>("steps", 1000, "number of Langevin steps").min(1);
    p.add<double>("step", 0.01, "step size h").positive();
    p.add<double>("t", -1.0, "time at which the score is evaluated; negative: the SDE's t_min");
    p.add<bool>("denoise", false, "final Tweedie step x <- (x + sigma_t^2 s)/m_t at t");
    p.example("[sample]\nplugin = \"ula\"\nsteps = 1000\nstep = 0.01");
    return p;
  }

  Ula(const sgm::Params& p, const sgm::Context& ctx)
      : steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps"))),
        h_(p.get<double>("step")),
        t_(p.get<double>("t")),
        denoise_(p.get<bool>("denoise")) {
    if (p.get<std::int64_t>("steps") < 1 || !(h_ > 0.0))
      throw sgm::Error("ula: steps must be >= 1 and step > 0");
    check_denoise(ctx.sde, denoise_, "ula");
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return steps_; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const override {
    require_sampling_inputs("ula", state, score, rng);
    const double t = t_ < 0.0 ? sde.t_min() : t_;
    StepWorkspace ws;
    for (std::uint64_t k = 0; k < steps_; ++k) {
      langevin_step(*score, state, t, h_, rng, ws);
      progress.advance(static_cast<std::uint64_t>(state.rows()));
    }
    if (denoise_) tweedie_denoise(sde, *score, state, t, ws);
    return {steps_, steps_ + (denoise_ ? 1 : 0)};
  }

 private:
  std::uint64_t steps_;
  double h_, t_;
  bool denoise_;
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::integrators::Ula>(); }
}  // namespace

SGM_PLUGIN("ula", "0.1.0", register_components)
