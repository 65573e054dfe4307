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
// components of earlier stages alive for as long as later ones run). score() builds the perturbed
// mixture per call (K Cholesky factorisations of d x d matrices, amortised over the batch), so it
// is const and safe to call concurrently.
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

#include <string>

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
    if (x.cols() != mixture_.dim())
      throw Error("analytic_gmm: got states of dimension " + std::to_string(x.cols()) +
                  ", the data mixture has dimension " + std::to_string(mixture_.dim()));
    perturbed(t).score(x, out);
  }

 private:
  // p_t = Σ w_k N(m_t μ_k, m_t² C_k + σ_t² I) (MATH.md §6).
  GaussianMixture perturbed(double t) const {
    const LinearKernel k = sde_->kernel(t);
    const double m = k.mean_scale(), v = k.variance();
    try {
      return mixture_.perturbed(m, v);
    } catch (const Error& e) {
      throw Error("analytic_gmm: p_t is degenerate at t = " + std::to_string(t) +
                  " (m_t = " + std::to_string(m) + ", sigma_t^2 = " + std::to_string(v) +
                  "): " + e.what());
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
