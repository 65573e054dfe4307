// wasserstein_1d.cpp: exact W1 and W2 between generated and reference samples, coordinate by
// coordinate (MATH.md §C4; seed 000 §3.3).
//
//   W_p(μ, ν) = ( ∫₀¹ |F_μ⁻¹(u) − F_ν⁻¹(u)|^p du )^{1/p}  for the empirical laws of column j of
//   the samples (n values) and of the reference (m values); exact for any n, m (sorted quantile
//   functions merged on the breakpoints i/n, j/m; sgm/wasserstein.hpp). O((n + m) log(n + m))
//   per coordinate; coordinates run in parallel.
//   Reported: "w1", "w2" = mean over coordinates of W1, W2 (the values themselves for d = 1);
//   for d > 1 also "w1_<j>", "w2_<j>" per coordinate j.
//   Reference values: W1(N(a, s²), N(b, s²)) = W2 = |a − b|; W2(N(0,s1²), N(0,s2²)) = |s1 − s2|,
//   W1(N(0,s1²), N(0,s2²)) = |s1 − s2|·√(2/π).
//
// Example stage:
//   [evaluate.w1d]
//   plugin = "wasserstein_1d"
#include <sgm/metric.hpp>
#include <sgm/metric_checks.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/wasserstein.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

/// Exact per-coordinate W1 and W2; see the file header.
class Wasserstein1d final : public sgm::Metric {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"wasserstein_1d",
                     "Exact W1 and W2 between samples and reference, per coordinate"};
    p.example("[evaluate.w1d]\nplugin = \"wasserstein_1d\"");
    return p;
  }

  explicit Wasserstein1d(const sgm::Params&) {}

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    const std::string name = "wasserstein_1d";
    check_points(in.samples, name, "samples");
    check_points(in.reference, name, "reference");
    check_same_dim(in.samples, in.reference, name);
    const auto d = static_cast<std::size_t>(in.samples.cols());
    std::vector<double> w1(d), w2(d);
    in.executor.for_blocks(d, 1, [&](std::size_t begin, std::size_t end) {
      for (std::size_t j = begin; j < end; ++j) {
        const auto col = static_cast<Eigen::Index>(j);
        std::vector<double> a(static_cast<std::size_t>(in.samples.rows()));
        std::vector<double> b(static_cast<std::size_t>(in.reference.rows()));
        for (std::size_t i = 0; i < a.size(); ++i) a[i] = in.samples(static_cast<Eigen::Index>(i), col);
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = in.reference(static_cast<Eigen::Index>(i), col);
        std::sort(a.begin(), a.end());
        std::sort(b.begin(), b.end());
        w1[j] = wasserstein_pp_sorted(a, b, 1);
        w2[j] = std::sqrt(wasserstein_pp_sorted(a, b, 2));
      }
    });
    double s1 = 0.0, s2 = 0.0;
    for (std::size_t j = 0; j < d; ++j) {
      s1 += w1[j];
      s2 += w2[j];
    }
    sgm::MetricValues out{{"w1", s1 / static_cast<double>(d)}, {"w2", s2 / static_cast<double>(d)}};
    if (d > 1)
      for (std::size_t j = 0; j < d; ++j) {
        out.emplace_back("w1_" + std::to_string(j), w1[j]);
        out.emplace_back("w2_" + std::to_string(j), w2[j]);
      }
    return out;
  }
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::Wasserstein1d>(); }
}  // namespace

SGM_PLUGIN("wasserstein_1d", "0.1.0", register_components)
