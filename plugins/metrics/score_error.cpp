// score_error.cpp: metric `score_error`, the mean squared error of the pipeline's score against the
// exact score of p_t where the data law is known (MATH.md §7 "score_mse"; §B1's explicit score
// matching loss without the ½):
//
//   mse(t) = E_{x ~ p_t} ‖s_model(x, t) − ∇log p_t(x)‖²,   for each t in `times`,
//
// with p_t the dataset's Gaussian mixture pushed through the linear SDE (MATH.md §6; in state
// space, so CLD's (x, v) works too: GaussianMixture::state_perturbed), x drawn from p_t itself
// (`points` draws per time, row i of time k from Rng(seed, streams::metric, k·points + i)), and
// ∇log p_t its exact score. Also reported per time: the relative error mse(t)/E‖∇log p_t‖² (the
// Fisher information of p_t grows like 1/σ_t², so the absolute error is not comparable across t).
// The generated and reference samples are not used: this scores the score model, not the sampler.
//
// Reported: for each k, "t_k", "mse_k", "mse_k_stderr" (s.d./√points), "relative_mse_k"; then
// "mse" (mean over the times), "mse_stderr" (√Σ se_k² / K, the times use independent draws) and
// "relative_mse" (mean over the times). Refused at construction unless the dataset is a Gaussian
// mixture (dataset->mixture()), the SDE is linear and a [score] stage exists.
//
// Example stage:
//   [evaluate.score_error]
//   plugin = "score_error"
//   times = [0.01, 0.1, 0.5, 1.0]
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <sgm/context.hpp>
#include <sgm/dataset.hpp>
#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/gaussian_mixture.hpp>
#include <sgm/metric.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/rng.hpp>
#include <sgm/score_model.hpp>

namespace sgm::plugins::metrics {

namespace {

const GaussianMixture& require_mixture(const Context& ctx) {
  if (ctx.dataset == nullptr || ctx.dataset->mixture() == nullptr)
    throw Error("score_error needs a dataset whose law is a Gaussian mixture (gmm, or circle with "
                "points > 0 and noise > 0): the exact score of p_t is compared with the model's");
  return *ctx.dataset->mixture();
}

const ForwardSde& require_linear_sde(const Context& ctx) {
  if (ctx.sde == nullptr || !ctx.sde->is_linear())
    throw Error("score_error needs a linear [sde] (closed-form perturbation kernel) for the exact "
                "score of p_t");
  return *ctx.sde;
}

const ScoreModel& require_score(const Context& ctx) {
  if (ctx.score == nullptr) throw Error("score_error needs a [score] stage to evaluate");
  return *ctx.score;
}

}  // namespace

class ScoreError final : public Metric {
 public:
  static ParamSpec params() {
    ParamSpec p{"score_error",
                "Mean squared error of the score model against the exact score of p_t "
                "(Gaussian-mixture data)"};
    p.add<DoubleList>("times", DoubleList{0.01, 0.1, 0.5, 1.0}, "times t at which the error is measured")
        .positive();
    p.add<std::int64_t>("points", 10000, "draws from p_t per time").min(2);
    p.example("[evaluate.score_error]\nplugin = \"score_error\"\ntimes = [0.01, 0.1, 0.5, 1.0]");
    return p;
  }

  ScoreError(const Params& p, const Context& ctx)
      : mixture_(require_mixture(ctx)),
        sde_(&require_linear_sde(ctx)),
        score_(&require_score(ctx)),
        times_(p.get<DoubleList>("times")),
        points_(p.get<std::int64_t>("points")) {
    if (times_.empty()) throw Error("score_error: times is empty");
  }

  // Documentation inherited.
  MetricValues evaluate(const MetricInput& in) const override {
    MetricValues out;
    double sum = 0.0, var = 0.0, rel = 0.0;
    for (std::size_t k = 0; k < times_.size(); ++k) {
      const Moments m = at_time(times_[k], k, in);
      const std::string key = std::string("_") + std::to_string(k);
      out.emplace_back(std::string("t") + key, times_[k]);
      out.emplace_back(std::string("mse") + key, m.mse);
      out.emplace_back(std::string("mse") + key + "_stderr", m.se);
      out.emplace_back(std::string("relative_mse") + key, m.mse / m.fisher);
      sum += m.mse;
      var += m.se * m.se;
      rel += m.mse / m.fisher;
    }
    const double kk = static_cast<double>(times_.size());
    out.emplace_back("mse", sum / kk);
    out.emplace_back("mse_stderr", std::sqrt(var) / kk);
    out.emplace_back("relative_mse", rel / kk);
    return out;
  }

 private:
  struct Moments {
    double mse, se, fisher;  // E‖s − ∇log p_t‖², its standard error, E‖∇log p_t‖²
  };

  /// Draws `points` states from p_t (stream offset k·points) and compares the scores.
  Moments at_time(double t, std::size_t k, const MetricInput& in) const {
    const LinearKernel kern = sde_->kernel(t);
    GaussianMixture pt;
    try {
      pt = mixture_.state_perturbed(kern.mean_map, kern.cov, sde_->initial_block_cov());
    } catch (const Error& e) {
      throw Error(std::string("score_error: p_t is degenerate at t = ") + std::to_string(t) + ": " +
                  e.what());
    }
    const Eigen::Index n = points_, dim = pt.dim();
    Eigen::VectorXd err(n), fisher(n);
    constexpr std::size_t grain = 1024;
    in.executor.for_blocks(static_cast<std::size_t>(n), grain, [&](std::size_t b, std::size_t e) {
      const auto first = static_cast<Eigen::Index>(b), rows = static_cast<Eigen::Index>(e - b);
      Matrix x(rows, dim), exact(rows, dim), model(rows, dim);
      RowRng rng(in.seed, streams::metric, static_cast<std::uint64_t>(k) * static_cast<std::uint64_t>(n) + b, rows);
      pt.sample(x, rng);
      pt.score(x, exact);
      score_->score(x, t, model);
      err.segment(first, rows) = (model - exact).rowwise().squaredNorm();
      fisher.segment(first, rows) = exact.rowwise().squaredNorm();
    });
    const double dn = static_cast<double>(n), mean = err.mean();
    const double sd = std::sqrt((err.array() - mean).square().sum() / (dn - 1.0));
    return {mean, sd / std::sqrt(dn), fisher.mean()};
  }

  GaussianMixture mixture_;  // a copy: independent of the dataset's lifetime
  const ForwardSde* sde_;    // the host keeps earlier stages alive while metrics run
  const ScoreModel* score_;
  DoubleList times_;
  Eigen::Index points_;
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::ScoreError>(); }
}  // namespace

SGM_PLUGIN("score_error", "0.1.0", register_components)
