// gmm.cpp: dataset `gmm`, a Gaussian mixture in any dimension d,
//
//   p(x) = Σ_k w_k N(x; μ_k, C_k),   k = 1..K,
//
// with exact log-density, score ∇log p(x) = Σ_k r_k(x) C_k⁻¹(μ_k − x) (r_k the responsibilities)
// and sampling (component by weight, then μ_k + L_k z with C_k = L_k L_kᵀ), all through
// sgm::GaussianMixture. mixture() exposes the law, so `analytic_gmm` can give the exact score of
// p_t = Σ_k w_k N(m_t μ_k, m_t² C_k + σ_t² I) under any linear SDE (MATH.md §6).
//
// Defaults: the tutorial mixture 0.3 N(−5, 2²) + 0.7 N(5, 2²) of MATH.md §4 (seed 002), whose
// reference values (mean 2, variance 25, log p(0) = −4.73708571, s(2) = 0.742801558, ...) are
// listed in MATH.md §6. Weights are normalised to sum 1.
//
// Example stage (a 2-D mixture with a full covariance):
//   [dataset]
//   plugin = "gmm"
//   weights = [0.5, 0.5]
//   means = [[-5.0, -5.0], [5.0, 5.0]]
//   covariances = [[[1.0, 0.5], [0.5, 1.0]], [[1.0, 0.0], [0.0, 1.0]]]
#include <sgm/dataset.hpp>
#include <sgm/gaussian_mixture.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

#include <Eigen/Cholesky>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace sgm::plugins::datasets {

namespace {

std::string str(std::size_t v) { return std::to_string(v); }

// The weights as a vector: non-negative (range-checked by the host) with a positive sum.
Eigen::VectorXd weights_from(const DoubleList& w) {
  if (w.empty()) throw Error("gmm: weights is empty; a mixture needs at least one component");
  Eigen::VectorXd v(static_cast<Eigen::Index>(w.size()));
  double sum = 0.0;
  for (std::size_t k = 0; k < w.size(); ++k) {
    if (!std::isfinite(w[k]) || w[k] < 0.0)
      throw Error("gmm: weights[" + str(k) + "] must be a finite non-negative number");
    v[static_cast<Eigen::Index>(k)] = w[k];
    sum += w[k];
  }
  if (!(sum > 0.0)) throw Error("gmm: weights must not all be zero");
  return v;
}

// The means as a K x d matrix: one row per component, all rows of the same length d >= 1.
Matrix means_from(const DoubleTable& rows, std::size_t k) {
  if (rows.size() != k)
    throw Error("gmm: means has " + str(rows.size()) + " rows but weights has " + str(k) +
                " entries (one mean per component)");
  const std::size_t d = rows.front().size();
  if (d == 0) throw Error("gmm: means[0] is empty; the dimension must be at least 1");
  Matrix m(static_cast<Eigen::Index>(k), static_cast<Eigen::Index>(d));
  for (std::size_t c = 0; c < k; ++c) {
    if (rows[c].size() != d)
      throw Error("gmm: means[" + str(c) + "] has " + str(rows[c].size()) +
                  " entries but means[0] has " + str(d) + " (all means need the same dimension)");
    for (std::size_t j = 0; j < d; ++j) {
      if (!std::isfinite(rows[c][j]))
        throw Error("gmm: means[" + str(c) + "][" + str(j) + "] is not finite");
      m(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(j)) = rows[c][j];
    }
  }
  return m;
}

// One d x d covariance, checked for shape, finiteness, symmetry and positive definiteness so the
// message names the offending component (GaussianMixture's own check would not name the key).
Eigen::MatrixXd covariance_from(const DoubleTable& rows, std::size_t c, std::size_t d) {
  const std::string name = "gmm: covariances[" + str(c) + "]";
  if (rows.size() != d)
    throw Error(name + " has " + str(rows.size()) + " rows but the means have dimension " +
                str(d) + " (each covariance is a d x d matrix)");
  Eigen::MatrixXd m(static_cast<Eigen::Index>(d), static_cast<Eigen::Index>(d));
  for (std::size_t i = 0; i < d; ++i) {
    if (rows[i].size() != d)
      throw Error(name + " row " + str(i) + " has " + str(rows[i].size()) + " entries, expected " +
                  str(d));
    for (std::size_t j = 0; j < d; ++j) {
      if (!std::isfinite(rows[i][j]))
        throw Error(name + "[" + str(i) + "][" + str(j) + "] is not finite");
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = rows[i][j];
    }
  }
  // Same tolerance as GaussianMixture, so whatever passes here also passes there.
  if (!m.isApprox(m.transpose()))
    throw Error(name + " is not symmetric");
  Eigen::LLT<Eigen::MatrixXd> llt(m);
  if (llt.info() != Eigen::Success)
    throw Error(name + " is not positive definite (a covariance needs positive variances "
                       "and |correlations| < 1)");
  return m;
}

std::vector<Eigen::MatrixXd> covariances_from(const DoubleTable3& covs, std::size_t k,
                                              std::size_t d) {
  if (covs.size() != k)
    throw Error("gmm: covariances has " + str(covs.size()) + " matrices but weights has " +
                str(k) + " entries (one covariance per component)");
  std::vector<Eigen::MatrixXd> out;
  out.reserve(k);
  for (std::size_t c = 0; c < k; ++c) out.push_back(covariance_from(covs[c], c, d));
  return out;
}

GaussianMixture mixture_from(const Params& p) {
  const auto& w = p.get<DoubleList>("weights");
  Eigen::VectorXd weights = weights_from(w);
  Matrix means = means_from(p.get<DoubleTable>("means"), w.size());
  auto covs = covariances_from(p.get<DoubleTable3>("covariances"), w.size(),
                               static_cast<std::size_t>(means.cols()));
  return GaussianMixture(std::move(weights), std::move(means), std::move(covs));
}

}  // namespace

class Gmm final : public Dataset {
 public:
  static ParamSpec params() {
    ParamSpec p{"gmm", "Gaussian mixture in any dimension, with exact density and score"};
    p.add<DoubleList>("weights", DoubleList{0.3, 0.7},
                      "mixture weights w_k, one per component (normalised to sum 1)")
        .min(0.0);
    p.add<DoubleTable>("means", DoubleTable{{-5.0}, {5.0}},
                       "component means μ_k, one row of d numbers per component");
    p.add<DoubleTable3>("covariances", DoubleTable3{{{4.0}}, {{4.0}}},
                        "component covariances C_k, one symmetric positive definite d x d "
                        "matrix per component");
    p.example(
        "[dataset]\n"
        "plugin = \"gmm\"\n"
        "weights = [0.3, 0.7]\n"
        "means = [[-5.0], [5.0]]\n"
        "covariances = [[[4.0]], [[4.0]]]\n");
    return p;
  }

  explicit Gmm(const Params& p) : mixture_(mixture_from(p)) {}

  // Documentation inherited.
  int dim() const override { return static_cast<int>(mixture_.dim()); }
  void sample(Ref out, RowRng& rng) const override {
    check_cols(out.cols(), "sample");
    mixture_.sample(out, rng);
  }
  bool has_density() const override { return true; }
  void log_density(CRef x, VecRef out) const override {
    check_cols(x.cols(), "log_density");
    mixture_.log_density(x, out);
  }
  void score(CRef x, Ref out) const override {
    check_cols(x.cols(), "score");
    mixture_.score(x, out);
  }
  const GaussianMixture* mixture() const override { return &mixture_; }

 private:
  void check_cols(Eigen::Index cols, const char* what) const {
    if (cols != mixture_.dim())
      throw Error(std::string("gmm: ") + what + " got points of dimension " +
                  std::to_string(cols) + ", the mixture has dimension " +
                  std::to_string(mixture_.dim()));
  }

  GaussianMixture mixture_;
};

}  // namespace sgm::plugins::datasets

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::datasets::Gmm>(); }
}  // namespace

SGM_PLUGIN("gmm", "0.1.0", register_components)
