// mala.cpp: the Metropolis-adjusted Langevin algorithm on the dataset's density (MATH.md §3).
// Proposal y = x + h s(x) + √(2h) z, i.e. q(y | x) = N(x + h s(x), 2h I); accept with probability
//
//   min(1, π(y) q(x | y) / (π(x) q(y | x))),   log q(y | x) = −‖y − x − h s(x)‖²/(4h) + const,
//
// with log π = the dataset's exact log density (ctx.dataset->log_density; datasets without one
// are refused at validation) and s the score model at the fixed time t (default: the SDE's t_min).
// The chain is exact (π-invariant) when s = ∇log π: use the `data_score` score model. With another
// score (e.g. analytic_gmm at t_min) the proposal is merely a good one and the chain still targets
// π. The accept test draws one uniform from the particle's own stream after its normals.
// The acceptance rate is not reported (IntegrationStats has only steps and NFE).
// NFE = steps + 1 (the score at the accepted state is reused; +1 with denoise).
//
// Example stage:
//   [score]
//   plugin = "data_score"
//   [sample]
//   plugin = "mala"
//   steps = 1000
//   step = 0.05
#include <cmath>
#include <cstdint>
#include <string>

#include <sgm/context.hpp>
#include <sgm/dataset.hpp>
#include <sgm/error.hpp>
#include <sgm/integrator.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/samplers.hpp>

namespace sgm::plugins::integrators {

class Mala final : public sgm::Integrator {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"mala",
                     "Metropolis-adjusted Langevin on the dataset's exact density (needs one)"};
    p.add<std::int64_t>("steps", 1000, "number of MALA steps").min(1);
    p.add<double>("step", 0.05, "step size h of the proposal N(x + h s(x), 2h I)").positive();
    p.add<double>("t", -1.0, "time at which the score is evaluated; negative: the SDE's t_min");
    p.add<bool>("denoise", false, "final Tweedie step x <- (x + sigma_t^2 s)/m_t at t");
    p.example(
        "[score]\nplugin = \"data_score\"\n[sample]\nplugin = \"mala\"\nsteps = 1000\n"
        "step = 0.05");
    return p;
  }

  Mala(const sgm::Params& p, const sgm::Context& ctx)
      : steps_(static_cast<std::uint64_t>(p.get<std::int64_t>("steps"))),
        h_(p.get<double>("step")),
        t_(p.get<double>("t")),
        denoise_(p.get<bool>("denoise")),
        dataset_(ctx.dataset) {
    if (p.get<std::int64_t>("steps") < 1 || !(h_ > 0.0))
      throw sgm::Error("mala: steps must be >= 1 and step > 0");
    if (dataset_ == nullptr || !dataset_->has_density())
      throw sgm::Error("mala: the Metropolis test needs the target's log density, taken from the "
                       "[dataset]; this pipeline's dataset has no known density");
    if (ctx.sde != nullptr && ctx.sde->blocks() != 1)
      throw sgm::Error("mala: the target is the data density, so the state must be the data "
                       "(a one-block SDE); this SDE has " +
                       std::to_string(ctx.sde->blocks()) + " blocks");
    check_denoise(ctx.sde, denoise_, "mala");
  }

  // Documentation inherited.
  std::uint64_t planned_steps() const override { return steps_; }

  IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                             RowRng& rng, Progress& progress) const override {
    require_sampling_inputs("mala", state, score, rng);
    const double t = t_ < 0.0 ? sde.t_min() : t_;
    const Eigen::Index n = state.rows(), d = state.cols();
    Matrix sx(n, d), y(n, d), sy(n, d), z(n, d);
    Eigen::VectorXd lpx(n), lpy(n);
    score->score(state, t, sx);
    dataset_->log_density(state, lpx);
    const double inv4h = 1.0 / (4.0 * h_);
    for (std::uint64_t k = 0; k < steps_; ++k) {
      rng.normal(z);
      y = state + h_ * sx + std::sqrt(2.0 * h_) * z;
      score->score(y, t, sy);
      dataset_->log_density(y, lpy);
      for (Eigen::Index i = 0; i < n; ++i) {
        // log q(y|x) = −‖y − x − h s(x)‖²/(4h) = −(2h)‖z‖²/(4h); log q(x|y) likewise.
        const double fwd = -(y.row(i) - state.row(i) - h_ * sx.row(i)).squaredNorm() * inv4h;
        const double bwd = -(state.row(i) - y.row(i) - h_ * sy.row(i)).squaredNorm() * inv4h;
        const double log_ratio = lpy(i) - lpx(i) + bwd - fwd;
        const double u = rng.row(i).uniform();
        if (std::log(u) < log_ratio) {
          state.row(i) = y.row(i);
          sx.row(i) = sy.row(i);
          lpx(i) = lpy(i);
        }
      }
      progress.advance(static_cast<std::uint64_t>(n));
    }
    StepWorkspace ws;
    if (denoise_) tweedie_denoise(sde, *score, state, t, ws);
    return {steps_, steps_ + 1 + (denoise_ ? 1 : 0)};
  }

 private:
  std::uint64_t steps_;
  double h_, t_;
  bool denoise_;
  const Dataset* dataset_;
};

}  // namespace sgm::plugins::integrators

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::integrators::Mala>(); }
}  // namespace

SGM_PLUGIN("mala", "0.1.0", register_components)
