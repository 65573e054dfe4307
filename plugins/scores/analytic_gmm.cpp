// analytic_gmm.cpp: score model `analytic_gmm`, the exact score of p_t for Gaussian-mixture data
// under any linear one-block SDE (VP, VE, OU, sub-VP, ...). MATH.md §6: with the kernel
// x_t | x_0 ~ N(m_t x_0, σ_t² I), mixture data stay a mixture,
//
//   p_t = Σ_k w_k N(m_t μ_k, m_t² C_k + σ_t² I),
//   ∇log p_t(x) = Σ_k r_k(x) (m_t² C_k + σ_t² I)⁻¹ (m_t μ_k − x),   r_k the responsibilities,
//
// with (m_t, σ_t²) = sde.kernel(t).mean_scale() / variance(). It needs no training, so samplers
// can be tested against exact scores (MATH.md §6 tables: slides' OU, VE). Datasets that are
// mixtures: gmm, circle with points > 0 and noise > 0. CLD (two blocks, MATH.md §6 last line)
// is not supported yet.
//
// The data mixture is copied at construction; the SDE is held by pointer (the host keeps the
// components of earlier stages alive for as long as later ones run). score() factors the K
// perturbed covariances once per call (amortised over the batch) and then works on blocks of
// rows with matrix operations, in two passes per block: log-responsibilities
// ℓ_k = log w_k + log N(x; m_t μ_k, Σ_k), softmax over k, then Σ_k r_k Σ_k⁻¹(m_t μ_k − x).
// (GaussianMixture::score computes the same row by row, about 10x slower; it is kept as the
// reference in the tests.) Everything is local to the call, so score() is const and safe to call
// concurrently.
//
// Example stage:
//   [score]
//   plugin = "analytic_gmm"   # with [dataset] plugin = "gmm" and [sde] plugin = "ou" (or vp, ve)
#include <sgm/context.hpp>
#include <sgm/dataset.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/gaussian_mixture.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/score_model.hpp>

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

namespace sgm::plugins::scores {

namespace {

const GaussianMixture& require_mixture(const Context& ctx) {
  if (ctx.dataset == nullptr)
    throw Error("analytic_gmm needs a [dataset] stage whose data are a Gaussian mixture");
  const GaussianMixture* m = ctx.dataset->mixture();
  if (m == nullptr)
    throw Error("analytic_gmm needs a dataset that is a Gaussian mixture (gmm, or circle with "
                "points > 0 and noise > 0); this dataset is not one");
  return *m;
}

const ForwardSde& require_linear_sde(const Context& ctx) {
  if (ctx.sde == nullptr) throw Error("analytic_gmm needs an [sde] stage (a linear SDE)");
  const ForwardSde& sde = *ctx.sde;
  if (sde.blocks() == 2)
    throw Error("analytic_gmm: SDEs with two blocks (CLD) are not supported yet");
  if (sde.blocks() != 1)
    throw Error("analytic_gmm needs a one-block SDE; this one has " +
                std::to_string(sde.blocks()) + " blocks");
  if (!sde.is_linear())
    throw Error("analytic_gmm needs a linear SDE with a closed-form perturbation kernel "
                "(vp, ve, ou, ...); this SDE has none");
  return sde;
}

}  // namespace

class AnalyticGmm final : public ScoreModel {
 public:
  static ParamSpec params() {
    ParamSpec p{"analytic_gmm",
                "Exact score of Gaussian-mixture data under any linear one-block SDE"};
    p.example(
        "[score]\n"
        "plugin = \"analytic_gmm\"  # needs a gmm-like [dataset] and a linear [sde]\n");
    return p;
  }

  AnalyticGmm(const Params& /*p*/, const Context& ctx)
      : mixture_(require_mixture(ctx)), sde_(&require_linear_sde(ctx)) {}

  // Documentation inherited.
  void score(CRef x, double t, Ref out) const override {
    if (x.cols() != mixture_.dim() || out.cols() != x.cols() || out.rows() != x.rows())
      throw Error("analytic_gmm: got states of dimension " + std::to_string(x.cols()) +
                  ", the data mixture has dimension " + std::to_string(mixture_.dim()));
    const std::vector<Component> comps = perturbed(t);
    Workspace ws(std::min<Eigen::Index>(x.rows(), block_rows), x.cols(),
                 static_cast<Eigen::Index>(comps.size()));
    for (Eigen::Index b = 0; b < x.rows(); b += block_rows) {
      const Eigen::Index n = std::min(block_rows, x.rows() - b);
      score_block(comps, x.middleRows(b, n), out.middleRows(b, n), ws);
    }
  }

 private:
  // One component of p_t: N(mean, Σ), Σ = m_t² C_k + σ_t² I = L Lᵀ.
  struct Component {
    Eigen::RowVectorXd mean;   // m_t μ_k
    Eigen::MatrixXd inv_l_t;   // L⁻ᵀ: (x − mean) L⁻ᵀ is the whitened row
    Eigen::MatrixXd precision; // Σ⁻¹ (symmetric)
    double log_norm;           // log w_k − (d/2) log 2π − log det L
  };
  // Per-call scratch for a block of rows: differences, products, log-responsibilities.
  struct Workspace {
    Workspace(Eigen::Index rows, Eigen::Index d, Eigen::Index k)
        : diff(rows, d), prod(rows, d), ell(rows, k) {}
    Matrix diff, prod, ell;
  };
  static constexpr Eigen::Index block_rows = 256;  // keeps the scratch in cache

  // p_t = Σ w_k N(m_t μ_k, m_t² C_k + σ_t² I) (MATH.md §6), factored.
  std::vector<Component> perturbed(double t) const {
    const LinearKernel kernel = sde_->kernel(t);
    const double m = kernel.mean_scale(), v = kernel.variance();
    const Eigen::Index d = mixture_.dim();
    const Eigen::MatrixXd eye = Eigen::MatrixXd::Identity(d, d);
    std::vector<Component> comps;
    comps.reserve(static_cast<std::size_t>(mixture_.components()));
    for (Eigen::Index k = 0; k < mixture_.components(); ++k) {
      const auto& c = mixture_.covariances()[static_cast<std::size_t>(k)];
      const Eigen::MatrixXd cov = m * m * c + v * eye;
      const Eigen::LLT<Eigen::MatrixXd> llt(cov);
      const Eigen::MatrixXd l = llt.matrixL();
      if (llt.info() != Eigen::Success || !(l.diagonal().array() > 0).all())
        throw Error("analytic_gmm: p_t is degenerate at t = " + std::to_string(t) +
                    " (m_t = " + std::to_string(m) + ", sigma_t^2 = " + std::to_string(v) +
                    "): component " + std::to_string(k) + " has a singular covariance");
      const Eigen::MatrixXd inv_l = l.triangularView<Eigen::Lower>().solve(eye);
      comps.push_back({m * mixture_.means().row(k), inv_l.transpose(),
                       inv_l.transpose() * inv_l,
                       std::log(mixture_.weights()[k]) -
                           0.5 * static_cast<double>(d) * std::log(2.0 * std::numbers::pi) -
                           l.diagonal().array().log().sum()});
    }
    return comps;
  }

  // out = Σ_k r_k(x) Σ_k⁻¹ (mean_k − x) for one block of rows.
  static void score_block(const std::vector<Component>& comps, CRef x, Ref out, Workspace& ws) {
    const Eigen::Index n = x.rows();
    auto diff = ws.diff.topRows(n);
    auto prod = ws.prod.topRows(n);
    auto ell = ws.ell.topRows(n);
    // Pass 1: ℓ_k = log_norm_k − ½‖(x − mean_k) L_k⁻ᵀ‖².
    for (std::size_t k = 0; k < comps.size(); ++k) {
      diff = x.rowwise() - comps[k].mean;
      prod.noalias() = diff * comps[k].inv_l_t;
      ell.col(static_cast<Eigen::Index>(k)) =
          (comps[k].log_norm - 0.5 * prod.rowwise().squaredNorm().array()).matrix();
    }
    // Responsibilities r_k = softmax_k(ℓ), shifted by the row maximum so nothing overflows.
    for (Eigen::Index i = 0; i < n; ++i) {
      auto row = ell.row(i);
      row = (row.array() - row.maxCoeff()).exp().matrix();
      row /= row.sum();
    }
    // Pass 2: out = −Σ_k r_k (x − mean_k) Σ_k⁻¹ (the difference is recomputed: O(n d) memory).
    out.setZero();
    for (std::size_t k = 0; k < comps.size(); ++k) {
      diff = x.rowwise() - comps[k].mean;
      prod.noalias() = diff * comps[k].precision;
      out.array() -= prod.array().colwise() * ell.col(static_cast<Eigen::Index>(k)).array();
    }
  }

  GaussianMixture mixture_;  // a copy: independent of the dataset's lifetime
  const ForwardSde* sde_;
};

}  // namespace sgm::plugins::scores

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::scores::AnalyticGmm>(); }
}  // namespace

SGM_PLUGIN("analytic_gmm", "0.1.0", register_components)
