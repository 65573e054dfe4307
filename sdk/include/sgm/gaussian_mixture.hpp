// gaussian_mixture.hpp: a Gaussian mixture with exact log-density, score and sampling.
// Shared by the gmm dataset and the analytic_gmm score model (MATH.md §6: under a linear SDE
// GMM data stay a GMM, p_t = Σ w_k N(m_t μ_k, m_t² C_k + σ_t² I)).
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
    const Eigen::Index n = x.rows(), k = components();
    Eigen::MatrixXd logp(n, k);
    Matrix diff(n, dim()), white(n, dim());
    // Pass 1: log w_c + log N(x; μ_c, C_c) = const_c − ½‖(x − μ_c) L_c⁻ᵀ‖². Coefficient-wise
    // (lazy) products: d is small, so GEMM blocking would cost more than it saves.
    for (Eigen::Index c = 0; c < k; ++c) {
      diff = x.rowwise() - means_.row(c);
      white = diff.lazyProduct(inv_chol_t_[static_cast<std::size_t>(c)]);
      logp.col(c) = (log_weights_[c] + log_norm_[static_cast<std::size_t>(c)]) -
                    0.5 * white.rowwise().squaredNorm().array();
    }
    // Responsibilities by a row-wise softmax (max subtracted for stability).
    const Eigen::VectorXd m = logp.rowwise().maxCoeff();
    logp = (logp.colwise() - m).array().exp();
    logp.array().colwise() /= logp.rowwise().sum().array();
    // Pass 2: out = −Σ_c r_c (x − μ_c) C_c⁻¹ (the difference is recomputed: O(n d) memory).
    out.setZero();
    for (Eigen::Index c = 0; c < k; ++c) {
      diff = x.rowwise() - means_.row(c);
      white = diff.lazyProduct(precision_[static_cast<std::size_t>(c)]);
      out.array() -= white.array().colwise() * logp.col(c).array();
    }
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
