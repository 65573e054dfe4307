// euler_maruyama.cpp: the Euler-Maruyama scheme for the forward SDE and for the reverse-time SDE
// of any ForwardSde (MATH.md §1, §3; weak order 1; strong order 1 when G depends on t only, 1/2
// for state-dependent noise G(x, t), which only the forward direction allows):
//
//   reverse: x_{t−h} = x_t − h [f(x_t, t) − G Gᵀ(t) s(x_t, t)] + G(t) √h z,   t = T, T−h, ..., ε+h
//   forward: x_{t+h} = x_t + h f(x_t, t) + G(x_t, t) √h z,                        t = 0, h, ..., T−h
//
// on a uniform grid with `steps` steps (reverse: T = sde.t_max() down to ε = sde.t_min(); forward:
// 0 up to T). Drift, diffusion and score are evaluated at the left end of each step in the
// direction of integration, so the score is never queried at ε: with ε = 0 the chain is exactly
// the one of MATH.md §6's W2 table and of seed 000 (§C1). `denoise = true` drops the noise of the
// last reverse step (returns the mean of the last transition, like score_sde's `denoise=True`,
// which returns x_mean, and diffusionjax). NFE = steps (reverse), 0 (forward).
//
// Example stage:
//   [sample]
//   plugin = "euler_maruyama"
//   steps = 1000
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <sgm/context.hpp>
#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/samplers.hpp>
#include <sgm/integrator.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/reverse.hpp>
#include <sgm/rng.hpp>
#include <sgm/score_model.hpp>
#include <sgm/types.hpp>

namespace sgm::plugins::integrators {

class EulerMaruyama final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"euler_maruyama",
                     "Euler-Maruyama for the reverse-time SDE (sampling) or the forward SDE"};
    p.add<std::int64_t>("steps", 1000, "number of uniform time steps").min(1);
    p.add<std::string>("direction", std::string("reverse"),
                       "reverse: prior at T down to t_min (needs a score); forward: 0 up to T")
        .choices({"reverse", "forward"});
    p.add<bool>("denoise", false, "last reverse step without noise (returns its mean)");
    p.example("[sample]\nplugin = \"euler_maruyama\"\nsteps = 1000");
    return p;
  }

  explicit EulerMaruyama(const sgm::Params& p)
      : steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps"))),
        direction_(p.get<std::string>("direction") == "forward" ? Direction::forward
                                                                 : Direction::reverse),
        denoise_(p.get<bool>("denoise")) {
    if (p.get<std::int64_t>("steps") < 1) throw sgm::Error("euler_maruyama: steps must be >= 1");
  }

  // Documentation inherited.
  Direction direction() const override { return direction_; }
  std::uint64_t planned_steps() const override { return steps_; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const override {
    const bool reverse = direction_ == Direction::reverse;
    if (reverse && score == nullptr)
      throw sgm::Error("euler_maruyama: reverse-time sampling needs a score model");
    const Eigen::Index n = state.rows(), dim = state.cols();
    if (rng.size() < n)
      throw sgm::Error("euler_maruyama: the random streams cover fewer rows than the state");

    const std::vector<double> grid = reverse ? uniform_grid(sde.t_max(), sde.t_min(), steps_)
                                             : uniform_grid(0.0, sde.t_max(), steps_);
    // All buffers once per call; none per step.
    Matrix drift(n, dim), z(n, dim), noise(n, dim);
    DriftWorkspace ws;
    ws.resize(n, dim);
    StepWorkspace forward_ws;

    for (std::uint64_t k = 0; k < steps_; ++k) {
      const double t = grid[k];
      const double h = std::abs(grid[k + 1] - t);
      if (!reverse) {  // G(x, t) may depend on the state: the SDK's step takes it before the drift
        rng.normal(z);
        euler_maruyama_forward_step(sde, state, t, h, z, forward_ws);
        progress.advance(static_cast<std::uint64_t>(n));
        continue;
      }
      reverse_drift(sde, *score, state, t, 1.0, drift, ws);
      state.noalias() -= h * drift;
      if (!(denoise_ && k + 1 == steps_)) {
        rng.normal(z);
        sde.diffusion_apply(z, t, noise);
        state.noalias() += std::sqrt(h) * noise;
      }
      progress.advance(static_cast<std::uint64_t>(n));
    }
    return {steps_, reverse ? steps_ : 0};
  }

 private:
  std::uint64_t steps_;
  Direction direction_;
  bool denoise_;
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::integrators::EulerMaruyama>();
}
}  // namespace

SGM_PLUGIN("euler_maruyama", "0.1.0", register_components)
