// moments.cpp: first and second moments of generated samples against the reference's
// (MATH.md §7 "moments").
//
//   mean(X) = (1/n) Σ_i x_i,   cov(X) = (1/(n−1)) Σ_i (x_i − mean)(x_i − mean)ᵀ  (unbiased);
//   "mean_error" = ‖mean(samples) − mean(ref)‖₂,
//   "cov_error"  = ‖cov(samples) − cov(ref)‖_F,
//   "mean_<j>", "var_<j>" = mean and (unbiased) variance of coordinate j of the samples,
//         for j < min(d, 4).
//   With exact = true the reference moments are those of the dataset's Gaussian mixture
//   Σ_k w_k N(μ_k, C_k):  μ = Σ_k w_k μ_k,  Σ = Σ_k w_k (C_k + μ_k μ_kᵀ) − μ μᵀ
//   (computed as Σ_k w_k (C_k + (μ_k − μ)(μ_k − μ)ᵀ), the same matrix without cancellation);
//   the reference samples are then not used.
//   Sums run over fixed row blocks combined in block order: bit-identical at any thread count.
//
// Example stage:
//   [evaluate.moments]
//   plugin = "moments"
//   exact = true
#include <sgm/dataset.hpp>
#include <sgm/gaussian_mixture.hpp>
#include <sgm/metric.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

namespace {

struct MeanCov {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;
};

/// Rejects non-finite entries, naming the row.
void check_rows(CRef x, const char* what) {
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      if (!std::isfinite(x(i, j)))
        throw Error(std::string("moments: ") + what + " row " + std::to_string(i) +
                    " is not finite (column " + std::to_string(j) + ")");
}

/// Sample mean and unbiased covariance, two passes over fixed row blocks.
MeanCov sample_moments(CRef x, const Executor& ex) {
  constexpr std::size_t grain = 4096;
  const Eigen::Index d = x.cols();
  const auto n = static_cast<std::size_t>(x.rows());
  const std::size_t blocks = (n + grain - 1) / grain;

  std::vector<Eigen::VectorXd> sums(blocks, Eigen::VectorXd::Zero(d));
  ex.for_blocks(n, grain, [&](std::size_t begin, std::size_t end) {
    Eigen::VectorXd& s = sums[begin / grain];
    for (std::size_t i = begin; i < end; ++i)
      for (Eigen::Index j = 0; j < d; ++j) s[j] += x(static_cast<Eigen::Index>(i), j);
  });
  MeanCov m{Eigen::VectorXd::Zero(d), Eigen::MatrixXd::Zero(d, d)};
  for (const auto& s : sums) m.mean += s;
  m.mean /= static_cast<double>(n);

  // Lower triangle of Σ_i (x_i − mean)(x_i − mean)ᵀ per block.
  std::vector<Eigen::MatrixXd> cross(blocks, Eigen::MatrixXd::Zero(d, d));
  ex.for_blocks(n, grain, [&](std::size_t begin, std::size_t end) {
    Eigen::MatrixXd& c = cross[begin / grain];
    Eigen::VectorXd v(d);
    for (std::size_t i = begin; i < end; ++i) {
      for (Eigen::Index j = 0; j < d; ++j) v[j] = x(static_cast<Eigen::Index>(i), j) - m.mean[j];
      for (Eigen::Index a = 0; a < d; ++a)
        for (Eigen::Index b = 0; b <= a; ++b) c(a, b) += v[a] * v[b];
    }
  });
  for (const auto& c : cross) m.cov += c;
  m.cov /= static_cast<double>(n - 1);
  m.cov.triangularView<Eigen::StrictlyUpper>() = m.cov.transpose();
  return m;
}

/// Exact mean and covariance of a Gaussian mixture.
MeanCov mixture_moments(const GaussianMixture& g) {
  const Eigen::Index d = g.dim();
  MeanCov m{Eigen::VectorXd::Zero(d), Eigen::MatrixXd::Zero(d, d)};
  for (Eigen::Index k = 0; k < g.components(); ++k)
    m.mean += g.weights()[k] * g.means().row(k).transpose();
  for (Eigen::Index k = 0; k < g.components(); ++k) {
    const Eigen::VectorXd dev = g.means().row(k).transpose() - m.mean;
    m.cov += g.weights()[k] *
             (g.covariances()[static_cast<std::size_t>(k)] + dev * dev.transpose());
  }
  return m;
}

}  // namespace

/// Mean and covariance errors against the reference (or the exact mixture); see the file header.
class Moments final : public sgm::Metric {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"moments",
                     "Errors of the sample mean and covariance, and per-coordinate moments"};
    p.add<bool>("exact", false,
                "compare with the dataset's exact Gaussian-mixture moments instead of the "
                "reference samples");
    p.example("[evaluate.moments]\nplugin = \"moments\"\nexact = false");
    return p;
  }

  explicit Moments(const sgm::Params& p) : exact_{p.get<bool>("exact")} {}

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    const CRef& x = in.samples;
    if (x.rows() < 2) throw Error("moments: need at least 2 samples, got " +
                                  std::to_string(x.rows()));
    if (x.cols() == 0) throw Error("moments: samples have dimension 0");
    check_rows(x, "samples");

    const auto ours = sample_moments(x, in.executor);
    MeanCov ref;
    if (exact_) {
      if (in.dataset == nullptr) throw Error("moments: exact = true needs a dataset");
      const GaussianMixture* g = in.dataset->mixture();
      if (g == nullptr)
        throw Error("moments: exact = true needs a Gaussian-mixture dataset; this one is not");
      if (g->dim() != x.cols())
        throw Error("moments: samples have dimension " + std::to_string(x.cols()) +
                    " but the mixture has dimension " + std::to_string(g->dim()));
      ref = mixture_moments(*g);
    } else {
      const CRef& y = in.reference;
      if (y.cols() != x.cols())
        throw Error("moments: samples have dimension " + std::to_string(x.cols()) +
                    " but the reference has dimension " + std::to_string(y.cols()));
      if (y.rows() < 2) throw Error("moments: need at least 2 reference samples, got " +
                                    std::to_string(y.rows()));
      check_rows(y, "reference");
      ref = sample_moments(y, in.executor);
    }

    sgm::MetricValues out;
    out.emplace_back("mean_error", (ours.mean - ref.mean).norm());
    out.emplace_back("cov_error", (ours.cov - ref.cov).norm());
    const Eigen::Index shown = std::min<Eigen::Index>(x.cols(), 4);
    for (Eigen::Index j = 0; j < shown; ++j) {
      out.emplace_back("mean_" + std::to_string(j), ours.mean[j]);
      out.emplace_back("var_" + std::to_string(j), ours.cov(j, j));
    }
    return out;
  }

 private:
  bool exact_;
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::Moments>(); }
}  // namespace

SGM_PLUGIN("moments", "0.1.0", register_components)
