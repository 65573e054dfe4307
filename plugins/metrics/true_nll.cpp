// true_nll.cpp: the exact negative log-likelihood of generated samples under the dataset's own
// density (issue 6 "true_nll"; MATH.md §7 "nll_true").
//
//   NLL = −(1/n) Σ_i log p_data(x_i)  (nats), se = s.d.(log p_data(x_i))/√n,
//   bits/dim = NLL/(d ln 2). This is the cross-entropy H(q_gen, p_data) = H(q_gen) + KL(q_gen‖p_data)
//   estimated from samples; for exact samples of p_data it estimates the data entropy.
//   Needs a dataset with has_density(); the reference samples are not used. A sample of density 0
//   gives +inf (reported as such: the model put mass where the data have none).
//   Reported: "nll", "nll_stderr", "nll_bits_per_dim".
//   Reference: for N(0, I_d) data and exact samples, E NLL = (d/2)(1 + ln 2π).
//
// Example stage:
//   [evaluate.true_nll]
//   plugin = "true_nll"
#include <sgm/dataset.hpp>
#include <sgm/metric.hpp>
#include <sgm/metric_checks.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

/// Exact data NLL of the samples; see the file header.
class TrueNll final : public sgm::Metric {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"true_nll", "Mean −log p_data of the samples under the dataset's exact density"};
    p.example("[evaluate.true_nll]\nplugin = \"true_nll\"");
    return p;
  }

  explicit TrueNll(const sgm::Params&) {}

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    const std::string name = "true_nll";
    if (in.dataset == nullptr || !in.dataset->has_density())
      throw Error("true_nll: needs a dataset with a known density");
    check_points(in.samples, name, "samples", 2);
    if (in.samples.cols() != in.dataset->dim())
      throw Error("true_nll: samples have dimension " + std::to_string(in.samples.cols()) +
                  " but the dataset has dimension " + std::to_string(in.dataset->dim()));
    constexpr std::size_t grain = 1024;
    const auto n = static_cast<std::size_t>(in.samples.rows());
    Eigen::VectorXd logp(static_cast<Eigen::Index>(n));
    in.executor.for_blocks(n, grain, [&](std::size_t b, std::size_t e) {
      const auto rows = static_cast<Eigen::Index>(e - b);
      in.dataset->log_density(in.samples.middleRows(static_cast<Eigen::Index>(b), rows),
                              logp.segment(static_cast<Eigen::Index>(b), rows));
    });
    double sum = 0.0;
    for (Eigen::Index i = 0; i < logp.size(); ++i) sum += logp[i];
    const double dn = static_cast<double>(n);
    const double mean = sum / dn;
    double ss = 0.0;
    for (Eigen::Index i = 0; i < logp.size(); ++i) ss += (logp[i] - mean) * (logp[i] - mean);
    const double se = std::isfinite(mean) ? std::sqrt(ss / (dn - 1.0) / dn) : std::nan("");
    const double nll = -mean;
    return {{"nll", nll},
            {"nll_stderr", se},
            {"nll_bits_per_dim", nll / (static_cast<double>(in.samples.cols()) * std::numbers::ln2)}};
  }
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::TrueNll>(); }
}  // namespace

SGM_PLUGIN("true_nll", "0.1.0", register_components)
