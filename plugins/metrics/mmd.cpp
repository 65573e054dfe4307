// mmd.cpp: maximum mean discrepancy with a Gaussian (RBF) kernel, unbiased (Gretton et al.
// 2012, eq. 3; issue 6).
//
//   k(x, y) = exp(−‖x − y‖² / (2h²));
//   MMD²_u = mean_{i≠i'} k(x_i, x_i') + mean_{j≠j'} k(y_j, y_j') − 2 mean_ij k(x_i, y_j)
//   (unbiased, so it can be slightly negative for equal laws), with the first-order standard
//   error of sgm/two_sample.hpp. O((n + m)² d), parallel over rows.
//   Bandwidth: h = bandwidth if > 0, else the median heuristic: the median of the pairwise
//   distances ‖z_a − z_b‖ (a < b, the lower middle element) of the pooled first ≤ 500 rows of each
//   set. Only the first max_points rows of each set are used (rows are i.i.d.).
//   Reference value: for N(0, s²I_d) vs N(δ, s²I_d),
//   MMD² = 2 (h²/(h² + 2s²))^{d/2} (1 − exp(−‖δ‖²/(2(h² + 2s²)))).
//   Reported: "mmd2", "mmd2_stderr", "mmd_bandwidth", "points_used".
//
// Example stage:
//   [evaluate.mmd]
//   plugin = "mmd"
//   bandwidth = 0.0   # 0 = median heuristic
//   max_points = 5000
#include <sgm/metric.hpp>
#include <sgm/metric_checks.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/two_sample.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

/// Unbiased RBF-kernel MMD²; see the file header.
class Mmd final : public sgm::Metric {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"mmd", "Unbiased MMD² with a Gaussian kernel (median-heuristic bandwidth)"};
    p.add<double>("bandwidth", 0.0, "kernel bandwidth h; 0 = median heuristic").min(0.0);
    p.add<std::int64_t>("max_points", 5000,
                        "use at most this many rows of each set (cost is quadratic)")
        .min(2);
    p.example("[evaluate.mmd]\nplugin = \"mmd\"\nbandwidth = 0.0\nmax_points = 5000");
    return p;
  }

  explicit Mmd(const sgm::Params& p)
      : bandwidth_{p.get<double>("bandwidth")}, max_points_{p.get<std::int64_t>("max_points")} {}

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    const std::string name = "mmd";
    check_points(in.samples, name, "samples", 2);
    check_points(in.reference, name, "reference", 2);
    check_same_dim(in.samples, in.reference, name);
    const Eigen::Index n = std::min<Eigen::Index>(in.samples.rows(), max_points_);
    const Eigen::Index m = std::min<Eigen::Index>(in.reference.rows(), max_points_);
    const CRef x = in.samples.topRows(n), y = in.reference.topRows(m);
    const double h = bandwidth_ > 0.0 ? bandwidth_ : median_distance(x, y);
    if (!(h > 0.0)) throw Error("mmd: the median heuristic gives bandwidth 0 (all points equal); set bandwidth");
    const double scale = -0.5 / (h * h);
    const auto k = [scale](const double* a, const double* b, Eigen::Index d) {
      double s = 0.0;
      for (Eigen::Index j = 0; j < d; ++j) s += (a[j] - b[j]) * (a[j] - b[j]);
      return std::exp(scale * s);
    };
    const TwoSampleStat r = kernel_two_sample(x, y, k, in.executor);
    return {{"mmd2", r.value},
            {"mmd2_stderr", r.std_error},
            {"mmd_bandwidth", h},
            {"points_used", static_cast<double>(n)}};
  }

 private:
  /// Median pairwise distance of the pooled first ≤ 500 rows of x and of y.
  static double median_distance(CRef x, CRef y) {
    const Eigen::Index nx = std::min<Eigen::Index>(x.rows(), 500), ny = std::min<Eigen::Index>(y.rows(), 500);
    Matrix z(nx + ny, x.cols());
    z.topRows(nx) = x.topRows(nx);
    z.bottomRows(ny) = y.topRows(ny);
    std::vector<double> dist;
    dist.reserve(static_cast<std::size_t>(z.rows() * (z.rows() - 1) / 2));
    for (Eigen::Index a = 0; a < z.rows(); ++a)
      for (Eigen::Index b = a + 1; b < z.rows(); ++b) dist.push_back((z.row(a) - z.row(b)).norm());
    const auto mid = dist.begin() + static_cast<std::ptrdiff_t>((dist.size() - 1) / 2);
    std::nth_element(dist.begin(), mid, dist.end());
    return *mid;
  }

  double bandwidth_;
  std::int64_t max_points_;
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::Mmd>(); }
}  // namespace

SGM_PLUGIN("mmd", "0.1.0", register_components)
