// analytic_gmm.cpp: score model `analytic_gmm`, the exact score of p_t for Gaussian-mixture data
// under any linear SDE (MATH.md §6). With the kernel u_t | u_0 ~ N((A ⊗ I) u_0, Σ ⊗ I) and the
// lifted initial state u_0 = (x_0, aux) with aux ~ N(0, C0 ⊗ I) (C0 = initial_block_cov(), zero
// for one-block SDEs), mixture data stay a mixture in state space:
//
//   p_t = Σ_k w_k N((A ⊗ I)(e_0 ⊗ μ_k), (A ⊗ I)(E_00 ⊗ C_k + C0 ⊗ I)(A ⊗ I)ᵀ + Σ ⊗ I),
//
// which for one-block SDEs (VP, VE, OU: A = [m_t], Σ = [σ_t²]) is Σ w_k N(m_t μ_k, m_t² C_k + σ_t² I),
// and for CLD is Σ w_k N(Φ(μ_k, 0), Φ diag(C_k, γM) Φᵀ + Σ⁰) (MATH.md §6, last line). The score is
// that mixture's (sgm::GaussianMixture::score, batched over rows). It needs no training, so
// samplers can be tested against exact scores (MATH.md §6 tables).
//
// Jacobian (has_jvp() is true, for exact divergences such as the `nll` metric): for
// p_t = Σ_k w_k N(μ_k, C_k) in state space, P_k = C_k⁻¹, s_k = −P_k(x − μ_k), r_k the posterior
// weights and s = Σ_k r_k s_k,
//     ∇s = Σ_k r_k(−P_k) + Σ_k r_k s_k s_kᵀ − s sᵀ            [DER; GaussianMixture::score_jvp]
// for one- and multi-block (CLD) SDEs alike, since p_t is a Gaussian mixture in state space.
//
// The data mixture is copied at construction; the SDE is held by pointer (the host keeps the
// components of earlier stages alive while later ones run). Each call factors the K perturbed
// covariances once, amortised over the batch. Everything is local to the call: score() is const
// and safe to call concurrently.
//
// Example stage:
//   [score]
//   plugin = "analytic_gmm"   # with [dataset] plugin = "gmm" and a linear [sde] (vp, ve, ou, ...)
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
                "Exact score of Gaussian-mixture data under any linear SDE"};
    p.example(
        "[score]\n"
        "plugin = \"analytic_gmm\"  # needs a gmm-like [dataset] and a linear [sde]\n");
    return p;
  }

  AnalyticGmm(const Params& /*p*/, const Context& ctx)
      : mixture_(require_mixture(ctx)), sde_(&require_linear_sde(ctx)) {}

  // Documentation inherited.
  void score(CRef x, double t, Ref out) const override {
    check_shape(x, out);
    perturbed(t).score(x, out);
  }
  bool has_jvp() const override { return true; }
  void jvp(CRef x, double t, CRef v, Ref out) const override {
    check_shape(x, out);
    if (v.rows() != x.rows() || v.cols() != x.cols())
      throw Error(std::string("analytic_gmm: jvp got ") + std::to_string(v.rows()) + " x " +
                  std::to_string(v.cols()) + " directions for " + std::to_string(x.rows()) +
                  " x " + std::to_string(x.cols()) + " states");
    perturbed(t).score_jvp(x, v, out);
  }

 private:
  void check_shape(CRef x, CRef out) const {
    const Eigen::Index state_dim = sde_->blocks() * mixture_.dim();
    if (x.cols() != state_dim || out.cols() != x.cols() || out.rows() != x.rows())
      throw Error("analytic_gmm: got states of dimension " + std::to_string(x.cols()) +
                  ", expected " + std::to_string(state_dim) + " (data dimension " +
                  std::to_string(mixture_.dim()) + " x " + std::to_string(sde_->blocks()) +
                  " blocks)");
  }
  // p_t in state space (header formula); throws a clear error where p_t is degenerate.
  GaussianMixture perturbed(double t) const {
    const LinearKernel kern = sde_->kernel(t);
    try {
      return mixture_.state_perturbed(kern.mean_map, kern.cov, sde_->initial_block_cov());
    } catch (const Error& e) {
      throw Error("analytic_gmm: p_t is degenerate at t = " + std::to_string(t) + ": " + e.what());
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
