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
//   Sums run over fixed row blocks of 4096 combined in block order (Chan et al.'s pairwise update),
//   so the result is bit-identical at any thread count and any chunking; the metric streams
//   (sgm::StreamingMetric).
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
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sgm::plugins::metrics {

namespace {

struct MeanCov {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;
};

/// Rejects non-finite entries, naming the row (`first` = the index of x's first row).
void check_rows(CRef x, const char* what, std::uint64_t first) {
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      if (!std::isfinite(x(i, j)))
        throw Error(std::string("moments: ") + what + " row " + std::to_string(first + static_cast<std::uint64_t>(i)) +
                    " is not finite (column " + std::to_string(j) + ")");
}

/// Sample mean and unbiased covariance, one chunk of rows at a time: blocks of kBlock rows (at
/// fixed positions from row 0) each by the two-pass formula, merged in block order by Chan,
/// Golub & LeVeque's update  n = n_a + n_b, δ = m_b − m_a, m = m_a + δ n_b/n,
/// M2 = M2_a + M2_b + δδᵀ n_a n_b/n.  The blocks never depend on how the rows were chunked or
/// on the thread count, so neither does the result.
class RunningMoments {
 public:
  explicit RunningMoments(Eigen::Index d)
      : mean_(Eigen::VectorXd::Zero(d)), m2_(Eigen::MatrixXd::Zero(d, d)), pending_(kBlock, d) {}

  void add(CRef x, const Executor& ex) {
    Eigen::Index i = 0;
    while (i < x.rows()) {
      if (filled_ > 0 || x.rows() - i < kBlock) {  // top up the unfinished block
        const Eigen::Index take = std::min(kBlock - filled_, x.rows() - i);
        pending_.middleRows(filled_, take) = x.middleRows(i, take);
        filled_ += take;
        i += take;
        if (filled_ == kBlock) flush();
        continue;
      }
      const Eigen::Index blocks = (x.rows() - i) / kBlock;  // whole blocks, in parallel
      std::vector<Block> stats(static_cast<std::size_t>(blocks));
      ex.for_blocks(static_cast<std::size_t>(blocks * kBlock), kBlock, [&](std::size_t b, std::size_t) {
        stats[b / kBlock] = block_stats(x.middleRows(i + static_cast<Eigen::Index>(b), kBlock));
      });
      for (const Block& s : stats) merge(s);
      i += blocks * kBlock;
    }
  }

  Eigen::Index count() const { return n_ + filled_; }

  /// Mean and unbiased covariance of every row added (needs ≥ 2 rows).
  MeanCov result() {
    flush();
    MeanCov m{mean_, m2_ / static_cast<double>(n_ - 1)};
    m.cov.triangularView<Eigen::StrictlyUpper>() = m.cov.transpose();
    return m;
  }

 private:
  static constexpr Eigen::Index kBlock = 4096;
  struct Block {
    Eigen::Index n = 0;
    Eigen::VectorXd mean;
    Eigen::MatrixXd m2;  // lower triangle of Σ (x − mean)(x − mean)ᵀ
  };

  static Block block_stats(CRef x) {
    Block b{x.rows(), x.colwise().mean().transpose(), {}};
    const Matrix centred = x.rowwise() - b.mean.transpose();
    b.m2 = centred.transpose() * centred;
    return b;
  }

  void merge(const Block& b) {
    const double na = static_cast<double>(n_), nb = static_cast<double>(b.n), n = na + nb;
    const Eigen::VectorXd delta = b.mean - mean_;
    mean_ += delta * (nb / n);
    m2_.triangularView<Eigen::Lower>() += b.m2 + delta * delta.transpose() * (na * nb / n);
    n_ += b.n;
  }

  void flush() {
    if (filled_ == 0) return;
    merge(block_stats(pending_.topRows(filled_)));
    filled_ = 0;
  }

  Eigen::Index n_ = 0;
  Eigen::VectorXd mean_;
  Eigen::MatrixXd m2_;
  Matrix pending_;
  Eigen::Index filled_ = 0;
};

MeanCov sample_moments(CRef x, const Executor& ex) {
  RunningMoments m(x.cols());
  m.add(x, ex);
  return m.result();
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

/// The samples' running moments against fixed reference moments.
class MomentErrors final : public sgm::MetricAccumulator {
 public:
  MomentErrors(MeanCov ref, const Executor& ex)
      : ref_(std::move(ref)), ex_(ex), ours_(ref_.mean.size()) {}

  void add(CRef x, std::uint64_t first) override {
    if (x.cols() != ref_.mean.size())
      throw Error("moments: samples have dimension " + std::to_string(x.cols()) +
                  " but the reference has dimension " + std::to_string(ref_.mean.size()));
    check_rows(x, "samples", first);
    ours_.add(x, ex_);
  }

  sgm::MetricValues finish() override {
    if (ours_.count() < 2)
      throw Error("moments: need at least 2 samples, got " + std::to_string(ours_.count()));
    const MeanCov ours = ours_.result();
    sgm::MetricValues out;
    out.emplace_back("mean_error", (ours.mean - ref_.mean).norm());
    out.emplace_back("cov_error", (ours.cov - ref_.cov).norm());
    const Eigen::Index shown = std::min<Eigen::Index>(ours.mean.size(), 4);
    for (Eigen::Index j = 0; j < shown; ++j) {
      out.emplace_back("mean_" + std::to_string(j), ours.mean[j]);
      out.emplace_back("var_" + std::to_string(j), ours.cov(j, j));
    }
    return out;
  }

 private:
  MeanCov ref_;
  const Executor& ex_;
  RunningMoments ours_;
};

/// Mean and covariance errors against the reference (or the exact mixture); see the file header.
class Moments final : public sgm::Metric, public sgm::StreamingMetric {
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
    if (in.samples.cols() == 0) throw Error("moments: samples have dimension 0");
    return sgm::evaluate_in_one_chunk(*this, in);
  }

  std::unique_ptr<sgm::MetricAccumulator> accumulate(const sgm::MetricInput& in) const override {
    return std::make_unique<MomentErrors>(reference(in), in.executor);
  }

 private:
  MeanCov reference(const sgm::MetricInput& in) const {
    if (exact_) {
      if (in.dataset == nullptr) throw Error("moments: exact = true needs a dataset");
      const GaussianMixture* g = in.dataset->mixture();
      if (g == nullptr)
        throw Error("moments: exact = true needs a Gaussian-mixture dataset; this one is not");
      return mixture_moments(*g);
    }
    const CRef& y = in.reference;
    if (y.cols() == 0) throw Error("moments: the reference has dimension 0");
    if (y.rows() < 2) throw Error("moments: need at least 2 reference samples, got " +
                                  std::to_string(y.rows()));
    check_rows(y, "reference", 0);
    return sample_moments(y, in.executor);
  }

  bool exact_;
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::Moments>(); }
}  // namespace

SGM_PLUGIN("moments", "0.1.0", register_components)
