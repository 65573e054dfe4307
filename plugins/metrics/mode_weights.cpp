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
//   Streams (sgm::StreamingMetric): the counts are integers, exact at any chunking.
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
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

/// Counts of samples per component of maximum responsibility; integer counts, so the result
/// is exact whatever the chunking.
class ModeCounts final : public sgm::MetricAccumulator {
 public:
  ModeCounts(const GaussianMixture& g, const Executor& ex) : g_(g), ex_(ex), total_(g.components(), 0) {
    // One single-component mixture per component gives log N(x; μ_k, C_k).
    for (Eigen::Index c = 0; c < g.components(); ++c)
      parts_.emplace_back(Eigen::VectorXd::Ones(1), Matrix(g.means().row(c)),
                          std::vector<Eigen::MatrixXd>{g.covariances()[static_cast<std::size_t>(c)]});
  }

  void add(CRef samples, std::uint64_t) override {
    check_points(samples, "mode_weights", "samples");
    if (samples.cols() != g_.dim())
      throw Error("mode_weights: samples have dimension " + std::to_string(samples.cols()) +
                  " but the mixture has dimension " + std::to_string(g_.dim()));
    const Eigen::Index k = g_.components();
    constexpr std::size_t grain = 1024;
    const auto un = static_cast<std::size_t>(samples.rows());
    std::vector<std::vector<std::int64_t>> counts((un + grain - 1) / grain,
                                                  std::vector<std::int64_t>(static_cast<std::size_t>(k), 0));
    ex_.for_blocks(un, grain, [&](std::size_t b, std::size_t e) {
      const auto rows = static_cast<Eigen::Index>(e - b);
      const CRef block = samples.middleRows(static_cast<Eigen::Index>(b), rows);
      Eigen::MatrixXd logp(rows, k);
      Eigen::VectorXd col(rows);
      for (Eigen::Index c = 0; c < k; ++c) {
        parts_[static_cast<std::size_t>(c)].log_density(block, col);
        logp.col(c) = col.array() + std::log(g_.weights()[c]);
      }
      auto& cnt = counts[b / grain];
      for (Eigen::Index i = 0; i < rows; ++i) {
        Eigen::Index best = 0;
        for (Eigen::Index c = 1; c < k; ++c)
          if (logp(i, c) > logp(i, best)) best = c;
        ++cnt[static_cast<std::size_t>(best)];
      }
    });
    for (const auto& c : counts)
      for (std::size_t j = 0; j < c.size(); ++j) total_[j] += c[j];
    n_ += samples.rows();
  }

  sgm::MetricValues finish() override {
    if (n_ == 0) throw Error("mode_weights: no samples");
    sgm::MetricValues out;
    double l1 = 0.0, mx = 0.0;
    for (Eigen::Index c = 0; c < g_.components(); ++c) {
      const double w = static_cast<double>(total_[static_cast<std::size_t>(c)]) / static_cast<double>(n_);
      const double err = std::fabs(w - g_.weights()[c]);
      l1 += err;
      mx = std::max(mx, err);
      const std::string key = "weight_" + std::to_string(c);
      out.emplace_back(key, w);
      out.emplace_back(key + "_stderr", std::sqrt(w * (1.0 - w) / static_cast<double>(n_)));
      out.emplace_back("true_" + key, g_.weights()[c]);
    }
    out.emplace_back("weight_error_l1", l1);
    out.emplace_back("weight_error_max", mx);
    return out;
  }

 private:
  const GaussianMixture& g_;
  const Executor& ex_;
  std::vector<GaussianMixture> parts_;
  std::vector<std::int64_t> total_;
  Eigen::Index n_ = 0;
};

/// Mode weights by maximum responsibility; see the file header.
class ModeWeights final : public sgm::Metric, public sgm::StreamingMetric {
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
    return sgm::evaluate_in_one_chunk(*this, in);
  }

  std::unique_ptr<sgm::MetricAccumulator> accumulate(const sgm::MetricInput& in) const override {
    if (in.dataset == nullptr) throw Error("mode_weights: needs a dataset");
    const GaussianMixture* g = in.dataset->mixture();
    if (g == nullptr) throw Error("mode_weights: needs a Gaussian-mixture dataset; this one is not");
    return std::make_unique<ModeCounts>(*g, in.executor);
  }
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::ModeWeights>(); }
}  // namespace

SGM_PLUGIN("mode_weights", "0.1.0", register_components)
