// annealed_langevin.cpp: annealed Langevin dynamics (NCSN; MATH.md §3, §B2 Alg 5.1, Ch5
// convention). L noise levels σ_1 > ... > σ_L, geometric between σ(T) and σ(ε) as in NCSN, are
// placed at the times t_l where the SDE's kernel variance (for multi-block linear SDEs the mean
// of the diagonal of the block covariance) equals σ_l² (t_1 = T, t_L = ε = sde.t_min()). For VE
// these are evenly spaced times. At each level, T steps of
//
//   α_l = ε σ_l²/σ_L²,   x ← x + (α_l/2) s(x, t_l) + √α_l z          (Ch5 form, Alg 5.1)
//
// (Alg 6.1 / Ch7 writes x + α s + √(2α) z with the same symbol ε: that is this rule with 2ε.)
// Defaults L = 10, T = 100, ε = 2e-5 (§B2). The particles start from the SDE's prior (the host's
// initial state); NCSN initialises from uniform noise: pass such a state when calling directly.
// Needs a linear SDE (σ_l from the kernel), refused at validation otherwise. `denoise = true`
// ends with Alg 6.1's denoising step, here Tweedie at ε: x ← (x + σ_ε² s)/m_ε.
// NFE = L·T (+1 with denoise).
//
// Example stage:
//   [sample]
//   plugin = "annealed_langevin"
//   levels = 10
//   steps_per_level = 100
//   epsilon = 2e-5
#include <cstdint>
#include <string>
#include <cmath>
#include <vector>

#include <sgm/context.hpp>
#include <sgm/error.hpp>
#include <sgm/integrator.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/samplers.hpp>

namespace sgm::plugins::integrators {

class AnnealedLangevin final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"annealed_langevin",
                     "Annealed Langevin dynamics (NCSN), noise levels from the SDE's kernel"};
    p.add<std::int64_t>("levels", 10, "number of noise levels L").min(1);
    p.add<std::int64_t>("steps_per_level", 100, "Langevin steps T per level").min(1);
    p.add<double>("epsilon", 2e-5, "step size ε at the smallest level (alpha_l = ε σ_l²/σ_L²)")
        .positive();
    p.add<bool>("denoise", false, "final Tweedie step x <- (x + sigma^2 s)/m at t_min");
    p.example(
        "[sample]\nplugin = \"annealed_langevin\"\nlevels = 10\nsteps_per_level = 100\n"
        "epsilon = 2e-5");
    return p;
  }

  AnnealedLangevin(const sgm::Params& p, const sgm::Context& ctx)
      : levels_(static_cast<std::uint64_t>(p.get<std::int64_t>("levels"))),
        per_level_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps_per_level"))),
        epsilon_(p.get<double>("epsilon")),
        denoise_(p.get<bool>("denoise")) {
    if (levels_ < 1 || per_level_ < 1)
      throw sgm::Error("annealed_langevin: levels and steps_per_level must be >= 1");
    if (ctx.sde != nullptr && !ctx.sde->is_linear())
      throw sgm::Error("annealed_langevin: the noise levels come from the SDE's perturbation "
                       "kernel, and this SDE has none (is_linear() is false)");
    check_denoise(ctx.sde, denoise_, "annealed_langevin");
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return levels_ * per_level_; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const override {
    require_sampling_inputs("annealed_langevin", state, score, rng);
    if (!sde.is_linear())
      throw sgm::Error("annealed_langevin: the SDE has no perturbation kernel");
    // Levels geometric in σ between σ(T) and σ(ε), as NCSN's σ_1 > ... > σ_L; for VE (σ
    // geometric in t) these are evenly spaced times. For VP an even time grid would crowd the
    // levels near σ ≈ 1 and stop at a level whose mean scale m_t is still far from 1.
    const double v_first = level_variance(sde, sde.t_max()), v_last = level_variance(sde, sde.t_min());
    if (!(v_last > 0.0))
      throw sgm::Error("annealed_langevin: the kernel variance at t_min is zero; set t_min > 0");
    std::vector<double> t(levels_), var(levels_);
    for (std::uint64_t l = 0; l < levels_; ++l) {
      const double frac = levels_ == 1 ? 1.0 : static_cast<double>(l) / static_cast<double>(levels_ - 1);
      var[l] = v_first * std::pow(v_last / v_first, frac);
      t[l] = l + 1 == levels_ ? sde.t_min() : l == 0 ? sde.t_max() : time_of_variance(sde, var[l]);
    }
    StepWorkspace ws;
    for (std::uint64_t l = 0; l < levels_; ++l) {
      const double alpha = epsilon_ * var[l] / var.back();
      for (std::uint64_t j = 0; j < per_level_; ++j) {
        annealed_langevin_step(*score, state, t[l], alpha, rng, ws);
        progress.advance(static_cast<std::uint64_t>(state.rows()));
      }
    }
    if (denoise_) tweedie_denoise(sde, *score, state, t.back(), ws);
    return {levels_ * per_level_, levels_ * per_level_ + (denoise_ ? 1 : 0)};
  }

 private:
  static double level_variance(const ForwardSde& sde, double t) {
    return sde.kernel(t).cov.diagonal().mean();
  }
  // The time at which the kernel variance equals v, by bisection (the variance grows with t).
  static double time_of_variance(const ForwardSde& sde, double v) {
    double lo = sde.t_min(), hi = sde.t_max();
    for (int i = 0; i < 100 && hi - lo > 1e-14 * hi; ++i) {
      const double mid = 0.5 * (lo + hi);
      (level_variance(sde, mid) < v ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }

  std::uint64_t levels_, per_level_;
  double epsilon_;
  bool denoise_;
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::integrators::AnnealedLangevin>();
}
}  // namespace

SGM_PLUGIN("annealed_langevin", "0.1.0", register_components)
