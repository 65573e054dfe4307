// mode_weights.cpp: how generated samples spread over the components of a Gaussian-mixture
// dataset, against the true weights (seed 000 Fig 5.3; MATH.md §C2 "mode weights").
//
//   Each sample goes to the component of maximum responsibility
//   k*(x) = argmax_k w_k N(x; μ_k, C_k)   (ties to the lower k);
//   ŵ_k = #{i : k*(x_i) = k} / n,  se(ŵ_k) = √(ŵ_k(1 − ŵ_k)/n) (binomial).
//   Errors against the mixture's weights w_k: "weight_error_l1" = Σ_k |ŵ_k − w_k|,
//   "weight_error_max" = max_k |ŵ_k − w_k|. Note the assignment is by responsibility, so even exact
//   samples of overlapping components give ŵ ≠ w; for well-separated modes ŵ → w.
//   Reported: "weight_<k>", "weight_<k>_stderr", "true_weight_<k>" per component, then the errors.
//   Needs a dataset whose mixture() is not null; the reference samples are not used.
//
// Example stage:
//   [evaluate.modes]
//   plugin = "mode_weights"
#include <sgm/dataset.hpp>
#include <sgm/gaussian_mixture.hpp>
#include <sgm/metric.hpp>
#include <sgm/metric_checks.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

/// Mode weights by maximum responsibility; see the file header.
class ModeWeights final : public sgm::Metric {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"mode_weights",
                     "Fraction of samples per mixture component (max responsibility) vs true weights"};
    p.example("[evaluate.modes]\nplugin = \"mode_weights\"");
    return p;
  }

  explicit ModeWeights(const sgm::Params&) {}

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    const std::string name = "mode_weights";
    if (in.dataset == nullptr) throw Error("mode_weights: needs a dataset");
    const GaussianMixture* g = in.dataset->mixture();
    if (g == nullptr) throw Error("mode_weights: needs a Gaussian-mixture dataset; this one is not");
    check_points(in.samples, name, "samples");
    if (in.samples.cols() != g->dim())
      throw Error("mode_weights: samples have dimension " + std::to_string(in.samples.cols()) +
                  " but the mixture has dimension " + std::to_string(g->dim()));
    const Eigen::Index k = g->components(), n = in.samples.rows();
    // One single-component mixture per component gives log N(x; μ_k, C_k).
    std::vector<GaussianMixture> parts;
    for (Eigen::Index c = 0; c < k; ++c)
      parts.emplace_back(Eigen::VectorXd::Ones(1), Matrix(g->means().row(c)),
                         std::vector<Eigen::MatrixXd>{g->covariances()[static_cast<std::size_t>(c)]});
    constexpr std::size_t grain = 1024;
    const auto un = static_cast<std::size_t>(n);
    std::vector<std::vector<double>> counts((un + grain - 1) / grain,
                                            std::vector<double>(static_cast<std::size_t>(k), 0.0));
    in.executor.for_blocks(un, grain, [&](std::size_t b, std::size_t e) {
      const auto rows = static_cast<Eigen::Index>(e - b);
      const CRef block = in.samples.middleRows(static_cast<Eigen::Index>(b), rows);
      Eigen::MatrixXd logp(rows, k);
      Eigen::VectorXd col(rows);
      for (Eigen::Index c = 0; c < k; ++c) {
        parts[static_cast<std::size_t>(c)].log_density(block, col);
        logp.col(c) = col.array() + std::log(g->weights()[c]);
      }
      auto& cnt = counts[b / grain];
      for (Eigen::Index i = 0; i < rows; ++i) {
        Eigen::Index best = 0;
        for (Eigen::Index c = 1; c < k; ++c)
          if (logp(i, c) > logp(i, best)) best = c;
        cnt[static_cast<std::size_t>(best)] += 1.0;
      }
    });
    std::vector<double> total(static_cast<std::size_t>(k), 0.0);
    for (const auto& c : counts)
      for (std::size_t j = 0; j < c.size(); ++j) total[j] += c[j];
    sgm::MetricValues out;
    double l1 = 0.0, mx = 0.0;
    for (Eigen::Index c = 0; c < k; ++c) {
      const double w = total[static_cast<std::size_t>(c)] / static_cast<double>(n);
      const double err = std::fabs(w - g->weights()[c]);
      l1 += err;
      mx = std::max(mx, err);
      const std::string key = "weight_" + std::to_string(c);
      out.emplace_back(key, w);
      out.emplace_back(key + "_stderr", std::sqrt(w * (1.0 - w) / static_cast<double>(n)));
      out.emplace_back("true_" + key, g->weights()[c]);
    }
    out.emplace_back("weight_error_l1", l1);
    out.emplace_back("weight_error_max", mx);
    return out;
  }
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::ModeWeights>(); }
}  // namespace

SGM_PLUGIN("mode_weights", "0.1.0", register_components)
