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

class PfEuler final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"pf_euler", "Probability-flow ODE, Euler method (first order)"};
    p.add<std::int64_t>("steps", 1000, "number of time steps from T down to t_min").min(1);
    p.add<std::string>("grid", std::string("uniform"),
                       "time grid: uniform, or quadratic (denser near t_min)")
        .choices({"uniform", "quadratic"});
    p.add<bool>("denoise", false, "final Tweedie step x <- (x + sigma^2 s)/m at t_min");
    p.example("[sample]\nplugin = \"pf_euler\"\nsteps = 1000");
    return p;
  }

  PfEuler(const sgm::Params& p, const sgm::Context& ctx)
      : steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps"))),
        grid_(grid_kind_from(p.get<std::string>("grid"))),
        denoise_(p.get<bool>("denoise")) {
    if (p.get<std::int64_t>("steps") < 1) throw sgm::Error("pf_euler: steps must be >= 1");
    check_denoise(ctx.sde, denoise_, "pf_euler");
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return steps_; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const override {
    require_sampling_inputs("pf_euler", state, score, rng);
    const std::vector<double> t = sampling_grid(sde, steps_, grid_);
    StepWorkspace ws;
    for (std::uint64_t k = 0; k < steps_; ++k) {
      pf_euler_step(sde, *score, state, t[k], t[k + 1], ws);
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
void register_components(sgm::Registry& r) { r.add<sgm::plugins::integrators::PfEuler>(); }
}  // namespace

SGM_PLUGIN("pf_euler", "0.1.0", register_components)
