// gaussian_mixture.hpp: a Gaussian mixture with exact log-density, score, score Jacobian and
// sampling. Shared by the gmm dataset, the analytic_gmm score model and the score_error metric
// (MATH.md §6: under a linear SDE GMM data stay a GMM, p_t = Σ w_k N(m_t μ_k, m_t² C_k + σ_t² I);
// state_perturbed() gives the state-space law for any block kernel, CLD included).
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "sgm/error.hpp"
#include "sgm/rng.hpp"
#include "sgm/types.hpp"

namespace sgm {

class GaussianMixture {
 public:
  GaussianMixture() = default;
  /// weights (K, normalised here), means (K x d), covariances (K matrices d x d, SPD).
  GaussianMixture(Eigen::VectorXd weights, Matrix means, std::vector<Eigen::MatrixXd> covs)
      : weights_(std::move(weights)), means_(std::move(means)), covs_(std::move(covs)) {
    const Eigen::Index k = weights_.size(), d = means_.cols();
    if (k == 0) throw Error("a mixture needs at least one component");
    if (means_.rows() != k || static_cast<Eigen::Index>(covs_.size()) != k)
      throw Error("mixture: " + std::to_string(k) + " weights but " +
                  std::to_string(means_.rows()) + " means and " + std::to_string(covs_.size()) +
                  " covariances");
    if ((weights_.array() < 0).any() || !(weights_.sum() > 0))
      throw Error("mixture weights must be non-negative with a positive sum");
    weights_ /= weights_.sum();
    log_weights_ = weights_.array().log();
    for (Eigen::Index c = 0; c < k; ++c) {
      if (covs_[c].rows() != d || covs_[c].cols() != d)
        throw Error("mixture: covariance " + std::to_string(c) + " is not " + std::to_string(d) +
                    " x " + std::to_string(d));
      Eigen::LLT<Eigen::MatrixXd> llt(covs_[c]);
      if (llt.info() != Eigen::Success || !covs_[c].isApprox(covs_[c].transpose()))
        throw Error("mixture: covariance " + std::to_string(c) +
                    " is not symmetric positive definite");
      const Eigen::MatrixXd l = llt.matrixL();
      chol_.push_back(l);
      const Eigen::MatrixXd inv_l =
          l.triangularView<Eigen::Lower>().solve(Eigen::MatrixXd::Identity(d, d));
      inv_chol_t_.push_back(inv_l.transpose());
      precision_.push_back(inv_l.transpose() * inv_l);
      log_norm_.push_back(-0.5 * static_cast<double>(d) * std::log(2.0 * std::numbers::pi) -
                          l.diagonal().array().log().sum());
    }
  }

  Eigen::Index components() const { return weights_.size(); }
  Eigen::Index dim() const { return means_.cols(); }
  const Eigen::VectorXd& weights() const { return weights_; }
  const Matrix& means() const { return means_; }
  const std::vector<Eigen::MatrixXd>& covariances() const { return covs_; }

  /// The mixture of the affinely perturbed data m·x + N(0, v·I): Σ w_k N(m μ_k, m² C_k + v I).
  GaussianMixture perturbed(double m, double v) const {
    std::vector<Eigen::MatrixXd> covs;
    covs.reserve(covs_.size());
    const auto eye = Eigen::MatrixXd::Identity(dim(), dim());
    for (const auto& c : covs_) covs.push_back(m * m * c + v * eye);
    return GaussianMixture(weights_, m * means_, std::move(covs));
  }

  /// log p(x) for each row of x.
  void log_density(CRef x, VecRef out) const {
    Eigen::VectorXd comp(components());
    Eigen::VectorXd diff(dim());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      for (Eigen::Index c = 0; c < components(); ++c) comp[c] = component_log(x, i, c, diff);
      out[i] = log_sum_exp(comp);
    }
  }

  /// ∇ log p(x) for each row: Σ_k r_k(x) C_k⁻¹ (μ_k − x), r_k the responsibilities.
  /// Batched over rows (triangular solves on n x d blocks), so the cost per row is a few
  /// vectorised flops per component, with no allocation per row.
  void score(CRef x, Ref out) const {
    Eigen::MatrixXd resp;
    Matrix diff(x.rows(), dim()), white(x.rows(), dim());
    responsibilities(x, resp, diff, white);
    score_from(x, resp, out, diff, white);
  }

  /// Jacobian-vector products of the score: out(i, :) = ∇ₓ(∇ log p)(x_i) v_i. With
  /// P_k = C_k⁻¹, s_k = −P_k(x − μ_k), r_k the responsibilities and s = Σ_k r_k s_k [DER]:
  ///     ∇s = Σ_k r_k (−P_k) + Σ_k r_k s_k s_kᵀ − s sᵀ = Σ_k r_k [−P_k + (s_k − s)(s_k − s)ᵀ]
  /// (∇r_k = r_k (s_k − s), since ∇ log N_k = s_k). The centred form on the right is the one
  /// computed: the responsibility-weighted covariance of the s_k, without the cancellation of
  /// Σ r_k s_k s_kᵀ − s sᵀ when the s_k are large (far from a component). Batched like score().
  void score_jvp(CRef x, CRef v, Ref out) const {
    const Eigen::Index n = x.rows();
    Eigen::MatrixXd resp;
    Matrix diff(n, dim()), white(n, dim()), s(n, dim());
    responsibilities(x, resp, diff, white);
    score_from(x, resp, s, diff, white);
    out.setZero();
    for (Eigen::Index c = 0; c < components(); ++c) {
      const auto& prec = precision_[static_cast<std::size_t>(c)];
      diff = x.rowwise() - means_.row(c);
      white = -diff.lazyProduct(prec) - s;  // s_c − s (P_c symmetric)
      const Eigen::VectorXd proj = (white.array() * v.array()).rowwise().sum();  // (s_c − s)·v
      diff = white.array().colwise() * proj.array();
      diff -= v.lazyProduct(prec);
      out.array() += diff.array().colwise() * resp.col(c).array();
    }
  }

  /// The law of the state of a linear SDE at time t started from this mixture (MATH.md §6):
  /// with the block kernel u_t | u_0 ~ N((A ⊗ I) u_0, Σ ⊗ I) and the lifted initial state
  /// u_0 = (x_0, aux), aux ~ N(0, C0 ⊗ I),
  ///     p_t = Σ_k w_k N((A ⊗ I)(e_0 ⊗ μ_k), (A ⊗ I)(E_00 ⊗ C_k + C0 ⊗ I)(A ⊗ I)ᵀ + Σ ⊗ I),
  /// in dimension blocks · d (one block: Σ w_k N(m μ_k, m² C_k + σ² I)). A = `mean_map`,
  /// Σ = `cov`, C0 = `initial_block_cov`, all blocks x blocks. \throws Error if p_t is degenerate.
  GaussianMixture state_perturbed(const Eigen::MatrixXd& mean_map, const Eigen::MatrixXd& cov,
                                  const Eigen::MatrixXd& initial_block_cov) const {
    const Eigen::Index d = dim(), b = mean_map.rows(), n = b * d;
    Matrix means(components(), n);
    std::vector<Eigen::MatrixXd> covs;
    const Eigen::MatrixXd a = kron_identity(mean_map, d);
    for (Eigen::Index k = 0; k < components(); ++k) {
      Eigen::MatrixXd init = kron_identity(initial_block_cov, d);  // C0 ⊗ I
      init.topLeftCorner(d, d) += covs_[static_cast<std::size_t>(k)];
      covs.push_back(a * init * a.transpose() + kron_identity(cov, d));
      means.row(k) = (a.leftCols(d) * means_.row(k).transpose()).transpose();
    }
    return GaussianMixture(weights_, std::move(means), std::move(covs));
  }

  /// M ⊗ I_d for a small block matrix M.
  static Eigen::MatrixXd kron_identity(const Eigen::MatrixXd& m, Eigen::Index d) {
    Eigen::MatrixXd out = Eigen::MatrixXd::Zero(m.rows() * d, m.cols() * d);
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      for (Eigen::Index j = 0; j < m.cols(); ++j)
        out.block(i * d, j * d, d, d).diagonal().setConstant(m(i, j));
    return out;
  }

  /// Row i of out drawn with rng.row(i): a component by its weight, then μ + L z.
  void sample(Ref out, RowRng& rng) const {
    Eigen::VectorXd z(dim());
    for (Eigen::Index i = 0; i < out.rows(); ++i) {
      Rng& r = rng.row(i);
      const double u = r.uniform();
      Eigen::Index c = 0;
      double acc = weights_[0];
      while (u > acc && c + 1 < components()) acc += weights_[++c];
      for (Eigen::Index j = 0; j < dim(); ++j) z[j] = r.normal();
      out.row(i) = means_.row(c) + (chol_[static_cast<std::size_t>(c)] * z).transpose();
    }
  }

 private:
  // resp(i, c) = r_c(x_i), the responsibilities: log w_c + log N(x; μ_c, C_c) = const_c −
  // ½‖(x − μ_c) L_c⁻ᵀ‖², then a row-wise softmax (max subtracted for stability). Coefficient-wise
  // (lazy) products: d is small, so GEMM blocking would cost more than it saves. diff and white
  // are n x d scratch.
  void responsibilities(CRef x, Eigen::MatrixXd& resp, Matrix& diff, Matrix& white) const {
    const Eigen::Index n = x.rows(), k = components();
    resp.resize(n, k);
    for (Eigen::Index c = 0; c < k; ++c) {
      diff = x.rowwise() - means_.row(c);
      white = diff.lazyProduct(inv_chol_t_[static_cast<std::size_t>(c)]);
      resp.col(c) = (log_weights_[c] + log_norm_[static_cast<std::size_t>(c)]) -
                    0.5 * white.rowwise().squaredNorm().array();
    }
    const Eigen::VectorXd m = resp.rowwise().maxCoeff();
    resp = (resp.colwise() - m).array().exp();
    resp.array().colwise() /= resp.rowwise().sum().array();
  }
  // out = −Σ_c r_c (x − μ_c) C_c⁻¹ (the difference is recomputed: O(n d) memory).
  void score_from(CRef x, const Eigen::MatrixXd& resp, Ref out, Matrix& diff, Matrix& white) const {
    out.setZero();
    for (Eigen::Index c = 0; c < components(); ++c) {
      diff = x.rowwise() - means_.row(c);
      white = diff.lazyProduct(precision_[static_cast<std::size_t>(c)]);
      out.array() -= white.array().colwise() * resp.col(c).array();
    }
  }
  // log w_c + log N(x_i; μ_c, C_c); leaves L_c⁻¹(x_i − μ_c) in `white`.
  double component_log(CRef x, Eigen::Index i, Eigen::Index c, Eigen::VectorXd& white) const {
    white = (x.row(i) - means_.row(c)).transpose();
    chol_[static_cast<std::size_t>(c)].triangularView<Eigen::Lower>().solveInPlace(white);
    return log_weights_[c] + log_norm_[static_cast<std::size_t>(c)] - 0.5 * white.squaredNorm();
  }
  static double log_sum_exp(const Eigen::VectorXd& v) {
    const double m = v.maxCoeff();
    if (!std::isfinite(m)) return m;
    return m + std::log((v.array() - m).exp().sum());
  }

  Eigen::VectorXd weights_, log_weights_;
  Matrix means_;
  std::vector<Eigen::MatrixXd> covs_, chol_, inv_chol_t_, precision_;
  std::vector<double> log_norm_;
};

}  // namespace sgm
