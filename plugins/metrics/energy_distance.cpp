// energy_distance.cpp: the energy distance between generated and reference samples, unbiased
// (Székely & Rizzo 2013; issue 6).
//
//   E(μ, ν) = 2E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖ ≥ 0, zero iff μ = ν;
//   estimated by the U-statistic 2·mean_ij ‖x_i − y_j‖ − mean_{i≠i'} ‖x_i − x_i'‖ −
//   mean_{j≠j'} ‖y_j − y_j'‖ (unbiased, so it can be slightly negative for equal laws), with the
//   first-order standard error of sgm/two_sample.hpp. O((n + m)² d), parallel over rows.
//   Only the first max_points rows of each set are used (rows are i.i.d., so they are a random
//   subset); "points_used" reports how many samples were used.
//   Reference value: E(N(0,1), N(δ,1)) = 2E|N(δ,2)| − 2E|N(0,2)| with
//   E|N(δ,2)| = 2φ(δ/√2)·√2 + δ(2Φ(δ/√2) − 1), E|N(0,2)| = 2/√π.
//   Reported: "energy_distance", "energy_distance_stderr", "points_used".
//
// Example stage:
//   [evaluate.energy]
//   plugin = "energy_distance"
//   max_points = 5000
#include <sgm/metric.hpp>
#include <sgm/metric_checks.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/two_sample.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

namespace sgm::plugins::metrics {

/// Unbiased energy distance; see the file header.
class EnergyDistance final : public sgm::Metric {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"energy_distance", "Unbiased energy distance between samples and reference"};
    p.add<std::int64_t>("max_points", 5000,
                        "use at most this many rows of each set (cost is quadratic)")
        .min(2);
    p.example("[evaluate.energy]\nplugin = \"energy_distance\"\nmax_points = 5000");
    return p;
  }

  explicit EnergyDistance(const sgm::Params& p) : max_points_{p.get<std::int64_t>("max_points")} {}

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    const std::string name = "energy_distance";
    check_points(in.samples, name, "samples", 2);
    check_points(in.reference, name, "reference", 2);
    check_same_dim(in.samples, in.reference, name);
    const Eigen::Index n = std::min<Eigen::Index>(in.samples.rows(), max_points_);
    const Eigen::Index m = std::min<Eigen::Index>(in.reference.rows(), max_points_);
    // Kernel k = −‖a − b‖ turns D of two_sample.hpp into the energy distance's U-statistic.
    const auto k = [](const double* a, const double* b, Eigen::Index d) {
      double s = 0.0;
      for (Eigen::Index j = 0; j < d; ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
      return -std::sqrt(s);
    };
    const TwoSampleStat r = kernel_two_sample(in.samples.topRows(n), in.reference.topRows(m), k,
                                              in.executor);
    return {{"energy_distance", r.value},
            {"energy_distance_stderr", r.std_error},
            {"points_used", static_cast<double>(n)}};
  }

 private:
  std::int64_t max_points_;
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::EnergyDistance>(); }
}  // namespace

SGM_PLUGIN("energy_distance", "0.1.0", register_components)
