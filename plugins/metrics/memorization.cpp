// memorization.cpp: how close generated samples lie to the training set (seed 001; seed 000
// §3.2; MATH.md §C5–C6).
//
//   The training set is the metric's `reference` input: a pipeline that measures memorisation
//   passes its training points as the reference set.
//   For each sample x_i: d1_i = ‖x_i − nearest training point‖, d2_i = distance to the second
//   nearest, ratio_i = d1_i / d2_i (0 when d2 = 0; 1 when there is only one training point).
//   "fraction_within_delta" = #{d1_i ≤ delta}/n (a sample within δ of a training point counts as
//   memorised), "fraction_ratio_below" = #{ratio_i < ratio_threshold}/n (Yoon et al. 2023 use
//   1/3), each with its binomial standard error √(f(1 − f)/n); "nn_distance_mean",
//   "nn_distance_median" (lower median), "nn_ratio_mean".
//   Search: a k-d tree on the training set (sgm/nearest_neighbors.hpp), O((n + N) log N) in low
//   dimensions, exact; queries run in parallel.
//
// Example stage:
//   [evaluate.memorization]
//   plugin = "memorization"
//   delta = 0.01
//   ratio_threshold = 0.3333333333
#include <sgm/metric.hpp>
#include <sgm/metric_checks.hpp>
#include <sgm/nearest_neighbors.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

/// Nearest-training-point statistics; see the file header.
class Memorization final : public sgm::Metric {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"memorization",
                     "Distances of samples to the nearest training points (reference = training set)"};
    p.add<double>("delta", 0.01, "a sample within delta of a training point counts as memorised")
        .min(0.0);
    p.add<double>("ratio_threshold", 1.0 / 3.0,
                  "a sample with d1/d2 below this counts as memorised (Yoon et al. 2023)")
        .range(0.0, 1.0);
    p.example("[evaluate.memorization]\nplugin = \"memorization\"\ndelta = 0.01\n"
              "ratio_threshold = 0.3333333333");
    return p;
  }

  explicit Memorization(const sgm::Params& p)
      : delta_{p.get<double>("delta")}, ratio_threshold_{p.get<double>("ratio_threshold")} {}

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    const std::string name = "memorization";
    check_points(in.samples, name, "samples");
    check_points(in.reference, name, "reference (training set)");
    check_same_dim(in.samples, in.reference, name);
    const KdTree tree(in.reference);
    const auto n = static_cast<std::size_t>(in.samples.rows());
    std::vector<double> d1(n), ratio(n);
    const Matrix x = in.samples;  // contiguous rows
    in.executor.for_blocks(n, 256, [&](std::size_t b, std::size_t e) {
      std::vector<Neighbor> nb;
      for (std::size_t i = b; i < e; ++i) {
        tree.knn(x.data() + static_cast<Eigen::Index>(i) * x.cols(), 2, nb);
        d1[i] = std::sqrt(nb[0].dist2);
        if (nb.size() < 2) ratio[i] = 1.0;
        else {
          const double d2 = std::sqrt(nb[1].dist2);
          ratio[i] = d2 > 0.0 ? d1[i] / d2 : 0.0;
        }
      }
    });
    double within = 0.0, below = 0.0, sum_d = 0.0, sum_r = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      within += d1[i] <= delta_ ? 1.0 : 0.0;
      below += ratio[i] < ratio_threshold_ ? 1.0 : 0.0;
      sum_d += d1[i];
      sum_r += ratio[i];
    }
    const double dn = static_cast<double>(n);
    const double fw = within / dn, fr = below / dn;
    std::vector<double> sorted = d1;
    const auto mid = sorted.begin() + static_cast<std::ptrdiff_t>((n - 1) / 2);
    std::nth_element(sorted.begin(), mid, sorted.end());
    return {{"fraction_within_delta", fw},
            {"fraction_within_delta_stderr", std::sqrt(fw * (1.0 - fw) / dn)},
            {"fraction_ratio_below", fr},
            {"fraction_ratio_below_stderr", std::sqrt(fr * (1.0 - fr) / dn)},
            {"nn_distance_mean", sum_d / dn},
            {"nn_distance_median", *mid},
            {"nn_ratio_mean", sum_r / dn}};
  }

 private:
  double delta_, ratio_threshold_;
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::Memorization>(); }
}  // namespace

SGM_PLUGIN("memorization", "0.1.0", register_components)
