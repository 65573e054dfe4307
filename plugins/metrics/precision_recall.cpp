// precision_recall.cpp: improved precision and recall of generative models (Kynkäänniemi et al.,
// NeurIPS 2019), computed on the raw coordinates.
//
//   Each set approximates its manifold by the union of balls B(z, r_k(z)), r_k(z) = distance from
//   z to its k-th nearest neighbour in its own set (z itself excluded).
//   precision = #{samples x inside some reference ball B(y, r_k(y))} / n   (fidelity)
//   recall    = #{reference y inside some sample ball B(x, r_k(x))} / m     (coverage)
//   each with its binomial standard error √(f(1 − f)/size). Exact k-d tree searches
//   (sgm/nearest_neighbors.hpp), O((n + m) log(n + m)) in low dimensions, parallel over queries.
//   Reported: "precision", "precision_stderr", "recall", "recall_stderr".
//
// Example stage:
//   [evaluate.pr]
//   plugin = "precision_recall"
//   k = 3
#include <sgm/metric.hpp>
#include <sgm/metric_checks.hpp>
#include <sgm/nearest_neighbors.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

/// k-NN precision and recall; see the file header.
class PrecisionRecall final : public sgm::Metric {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"precision_recall",
                     "k-NN precision (fidelity) and recall (coverage), Kynkäänniemi et al. 2019"};
    p.add<std::int64_t>("k", 3, "neighbour rank defining each point's ball radius").range(1, 1000);
    p.example("[evaluate.pr]\nplugin = \"precision_recall\"\nk = 3");
    return p;
  }

  explicit PrecisionRecall(const sgm::Params& p) : k_{p.get_int("k")} {}

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    const std::string name = "precision_recall";
    check_points(in.samples, name, "samples", k_ + 1);
    check_points(in.reference, name, "reference", k_ + 1);
    check_same_dim(in.samples, in.reference, name);
    const Matrix x = in.samples, y = in.reference;  // contiguous rows
    const double precision = coverage(x, y, in.executor);
    const double recall = coverage(y, x, in.executor);
    const double n = static_cast<double>(x.rows()), m = static_cast<double>(y.rows());
    return {{"precision", precision},
            {"precision_stderr", std::sqrt(precision * (1.0 - precision) / n)},
            {"recall", recall},
            {"recall_stderr", std::sqrt(recall * (1.0 - recall) / m)}};
  }

 private:
  /// Fraction of the rows of q inside the k-NN balls of the set `manifold`.
  double coverage(const Matrix& q, const Matrix& manifold, const Executor& ex) const {
    const auto m = static_cast<std::size_t>(manifold.rows());
    const Eigen::Index d = manifold.cols();
    std::vector<double> radius(m);
    {
      const KdTree own(manifold);
      ex.for_blocks(m, 256, [&](std::size_t b, std::size_t e) {
        std::vector<Neighbor> nb;
        for (std::size_t j = b; j < e; ++j) {
          own.knn(manifold.data() + static_cast<Eigen::Index>(j) * d, k_, nb,
                  static_cast<Eigen::Index>(j));
          radius[j] = std::sqrt(nb.back().dist2);
        }
      });
    }
    const KdTree balls(manifold, radius);
    const auto n = static_cast<std::size_t>(q.rows());
    std::vector<char> inside(n);
    ex.for_blocks(n, 256, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i)
        inside[i] = balls.covered(q.data() + static_cast<Eigen::Index>(i) * d) ? 1 : 0;
    });
    double count = 0.0;
    for (char c : inside) count += c;
    return count / static_cast<double>(n);
  }

  int k_;
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::PrecisionRecall>(); }
}  // namespace

SGM_PLUGIN("precision_recall", "0.1.0", register_components)
