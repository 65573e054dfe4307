// pf_rk45.cpp: the probability-flow ODE dx/dt = F(x, t) = f − ½ G Gᵀ s (MATH.md §1, §3, §B4)
// from T = sde.t_max() down to ε = sde.t_min() by Dormand–Prince 5(4) (MATH.md §D7; scipy RK45):
// the 5th-order solution is propagated, the embedded 4th-order one estimates the error.
//
// Adaptive mode (fixed_steps = 0), as scipy's RK45: error norm E = RMS over coordinates of
// err/(atol + rtol·max(|y|, |y_new|)); accept if E < 1; next h ← h·min(10, 0.9 E^{−1/5}) (at most
// h right after a rejection); on rejection h ← h·max(0.2, 0.9 E^{−1/5}); initial step by Hairer's
// rule (one extra score evaluation). The step size is controlled PER PARTICLE: each row is
// integrated on its own, with its own step sequence, so a particle's result depends only on its
// own initial state and never on which rows share its block: bit-identical at any chunk size and
// thread count. (A batch-wide step, as in score_sde's solve_ivp on the flattened batch, would
// make every trajectory depend on the chunking.) Per-particle NFE = 2 + 6·attempts (FSAL);
// IntegrationStats reports the mean over the block's particles, rounded up (steps likewise).
//
// Fixed-step mode (fixed_steps = N > 0): N uniform Dormand–Prince steps, for order tests
// (measured order ≈ 5 in tests/convergence/test_samplers.cpp); NFE = 1 + 6N.
//
// Kernel: sgm::dopri_step (samplers.hpp). `denoise = true` ends with a Tweedie step (one-block
// linear SDEs; +1 NFE).
//
// Example stage:
//   [sample]
//   plugin = "pf_rk45"
//   rtol = 1e-5
//   atol = 1e-5
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
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

class PfRk45 final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"pf_rk45",
                     "Probability-flow ODE, adaptive Dormand-Prince RK45 (per-particle steps)"};
    p.add<double>("rtol", 1e-5, "relative tolerance").positive();
    p.add<double>("atol", 1e-5, "absolute tolerance").positive();
    p.add<std::int64_t>("fixed_steps", 0, "0: adaptive; N > 0: N uniform steps (order tests)")
        .min(0);
    p.add<std::int64_t>("max_steps", 100000, "attempted steps per particle before giving up")
        .min(1);
    p.add<bool>("denoise", false, "final Tweedie step x <- (x + sigma^2 s)/m at t_min");
    p.example("[sample]\nplugin = \"pf_rk45\"\nrtol = 1e-5\natol = 1e-5");
    return p;
  }

  PfRk45(const sgm::Params& p, const sgm::Context& ctx)
      : rtol_(p.get<double>("rtol")),
        atol_(p.get<double>("atol")),
        fixed_(static_cast<std::uint64_t>(std::max<std::int64_t>(0, p.get<std::int64_t>("fixed_steps")))),
        max_steps_(static_cast<std::uint64_t>(std::max<std::int64_t>(1, p.get<std::int64_t>("max_steps")))),
        denoise_(p.get<bool>("denoise")) {
    if (!(rtol_ > 0.0) || !(atol_ > 0.0)) throw sgm::Error("pf_rk45: rtol and atol must be > 0");
    check_denoise(ctx.sde, denoise_, "pf_rk45");
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return fixed_ > 0 ? fixed_ : 100; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const override {
    require_sampling_inputs("pf_rk45", state, score, rng);
    const Eigen::Index n = state.rows(), dim = state.cols();
    Matrix y(1, dim), y_new(1, dim), err(1, dim);
    DopriWorkspace ws;
    ws.resize(1, dim);
    std::uint64_t nfe = 0, steps = 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      y = state.row(i);
      const auto r = fixed_ > 0 ? solve_fixed(sde, *score, y, y_new, err, ws)
                                : solve_adaptive(sde, *score, y, y_new, err, ws);
      state.row(i) = y;
      nfe += r.score_evals;
      steps += r.steps;
    }
    progress.advance(static_cast<std::uint64_t>(n) * planned_steps());
    StepWorkspace sw;
    if (denoise_) tweedie_denoise(sde, *score, state, sde.t_min(), sw);
    const auto per = [n](std::uint64_t total) {
      return n > 0 ? (total + static_cast<std::uint64_t>(n) - 1) / static_cast<std::uint64_t>(n)
                   : 0;
    };
    return {per(steps), per(nfe) + (denoise_ ? 1 : 0)};
  }

 private:
  IntegrationStats solve_fixed(const ForwardSde& sde, const ScoreModel& score, Matrix& y,
                               Matrix& y_new, Matrix& err, DopriWorkspace& ws) const {
    const std::vector<double> t = uniform_grid(sde.t_max(), sde.t_min(), fixed_);
    pf_velocity(sde, score, y, t[0], ws.k[0], ws.drift);
    for (std::uint64_t k = 0; k < fixed_; ++k) {
      dopri_step(sde, score, y, t[k], t[k + 1] - t[k], y_new, err, ws);
      y = y_new;
      ws.k[0] = ws.k[6];
    }
    return {fixed_, 1 + 6 * fixed_};
  }

  double error_norm(const Matrix& y, const Matrix& y_new, const Matrix& err) const {
    const auto scale = atol_ + rtol_ * y.array().abs().max(y_new.array().abs());
    return std::sqrt((err.array() / scale).square().mean());
  }

  IntegrationStats solve_adaptive(const ForwardSde& sde, const ScoreModel& score, Matrix& y,
                                  Matrix& y_new, Matrix& err, DopriWorkspace& ws) const {
    const double t0 = sde.t_max(), t_end = sde.t_min();
    std::uint64_t nfe = 0, accepted = 0, attempts = 0;
    pf_velocity(sde, score, y, t0, ws.k[0], ws.drift);
    ++nfe;
    // Hairer's initial step (scipy's select_initial_step), order 4 error estimate.
    double h;
    {
      const auto sc = atol_ + rtol_ * y.array().abs();
      const double d0 = std::sqrt((y.array() / sc).square().mean());
      const double d1 = std::sqrt((ws.k[0].array() / sc).square().mean());
      double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
      h0 = std::min(h0, t0 - t_end);
      ws.y = y - h0 * ws.k[0];
      pf_velocity(sde, score, ws.y, t0 - h0, ws.k[1], ws.drift);
      ++nfe;
      const double d2 = std::sqrt(((ws.k[1] - ws.k[0]).array() / sc).square().mean()) / h0;
      const double h1 = (d1 <= 1e-15 && d2 <= 1e-15) ? std::max(1e-6, h0 * 1e-3)
                                                     : std::pow(0.01 / std::max(d1, d2), 0.2);
      h = std::min(100.0 * h0, h1);
    }
    double t = t0;
    bool rejected = false;
    while (t > t_end) {
      if (++attempts > max_steps_)
        throw Error("pf_rk45: more than max_steps = " + std::to_string(max_steps_) +
                    " attempted steps for one particle; loosen rtol/atol or raise max_steps");
      const double min_h = 10.0 * std::numeric_limits<double>::epsilon() * std::abs(t);
      if (h < min_h) throw Error("pf_rk45: step size underflow at t = " + std::to_string(t));
      const bool last = h >= t - t_end;
      const double hh = last ? t - t_end : h;
      dopri_step(sde, score, y, t, -hh, y_new, err, ws);
      nfe += 6;
      const double e = error_norm(y, y_new, err);
      if (e < 1.0) {
        double factor = e == 0.0 ? 10.0 : std::min(10.0, 0.9 * std::pow(e, -0.2));
        if (rejected) factor = std::min(1.0, factor);
        t = last ? t_end : t - hh;
        y = y_new;
        ws.k[0] = ws.k[6];
        h = hh * factor;
        rejected = false;
        ++accepted;
      } else {
        h = hh * std::max(0.2, 0.9 * std::pow(e, -0.2));
        rejected = true;
      }
    }
    return {accepted, nfe};
  }

  double rtol_, atol_;
  std::uint64_t fixed_, max_steps_;
  bool denoise_;
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::integrators::PfRk45>(); }
}  // namespace

SGM_PLUGIN("pf_rk45", "0.1.0", register_components)
