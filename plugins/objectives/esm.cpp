// esm.cpp: objective `esm`, explicit score matching against the exact score of the perturbed
// data (MATH.md §2, §B1 [§3.2.1]; synthetic data only):
//
//   loss_i = ½ (s − ∇log p_t)ᵀ W_t (s − ∇log p_t)   at u_t, t ~ U(eps, T),
//
// with W_t the weighting of sgm/score_matching.hpp (sigma2 by default, so that esm and dsm with
// the same weighting differ by a constant; "uniform" gives the textbook ½‖s − ∇log p_t‖²).
// The dataset must know its law as a Gaussian mixture (Dataset::mixture(): gmm, circle with
// noise). Under a linear SDE mixture data stay a mixture in state space (MATH.md §6;
// GaussianMixture::state_perturbed, the construction analytic_gmm uses):
//
//   p_t = Σ_k w_k N((A ⊗ I)(e_0 ⊗ μ_k), (A ⊗ I)(E_00 ⊗ C_k + C0 ⊗ I)(A ⊗ I)ᵀ + Σ ⊗ I),
//
// i.e. Σ_k w_k N(m_t μ_k, m_t² C_k + σ_t² I) for one-block SDEs (VP, VE, OU, ...) and, for CLD,
// the law of (x, v) with the lifted velocity v0 ~ N(0, C0) (C0 = initial_block_cov()). It is
// built per row at the row's own t and its score evaluated at u_t, the data perturbed through the
// kernel as for every objective.
//
// Example stage:
//   [objective]
//   plugin = "esm"     # with [dataset] plugin = "gmm" and a linear [sde]
#include <sgm/context.hpp>
#include <sgm/dataset.hpp>
#include <sgm/gaussian_mixture.hpp>
#include <sgm/objective.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/score_matching.hpp>

namespace sgm::plugins::objectives {

namespace {

const GaussianMixture& require_mixture(const Context& ctx) {
  if (ctx.dataset == nullptr)
    throw Error("esm needs a [dataset] stage whose law is known as a Gaussian mixture");
  const GaussianMixture* m = ctx.dataset->mixture();
  if (m == nullptr)
    throw Error("esm needs the exact score of the data, i.e. a dataset that is a Gaussian "
                "mixture (gmm, or circle with points > 0 and noise > 0); this dataset is not "
                "one: use dsm, ssm, ssm_vr or ism instead");
  return *m;
}

}  // namespace

class ExplicitScoreMatching final : public Objective {
 public:
  static ParamSpec params() {
    ParamSpec p{"esm", "Explicit score matching against the exact score of Gaussian-mixture data"};
    add_score_matching_params(p);
    p.example("[objective]\nplugin = \"esm\"  # needs a gmm-like [dataset]\n");
    return p;
  }

  ExplicitScoreMatching(const Params& p, const Context& ctx)
      : setup_(ScoreMatchingSetup::from(p, ctx, "esm")),
        mixture_(require_mixture(ctx)),
        initial_block_cov_(setup_.sde->initial_block_cov()) {}

  // Documentation inherited.
  double loss_and_gradient(const TrainableScore& model, CRef x0, RowRng& rng, ModelTape& tape,
                           std::span<double> grad) const override {
    if (x0.cols() != mixture_.dim())
      throw Error("esm: data of dimension " + std::to_string(x0.cols()) +
                  " but the dataset's mixture has dimension " + std::to_string(mixture_.dim()));
    const PerturbedChunk c = setup_.perturb(x0, rng);
    return residual_loss_and_gradient(model, c, exact_score(c), setup_.weighting, tape, grad);
  }

 private:
  // ∇log p_t(u_t,i) per row, p_t the state-space mixture of the header at the row's own t.
  Matrix exact_score(const PerturbedChunk& c) const {
    Matrix out(c.rows(), c.state_dim());
    for (Eigen::Index i = 0; i < c.rows(); ++i)
      perturbed(c.kernel[static_cast<std::size_t>(i)])
          .score(c.ut.middleRows(i, 1), out.middleRows(i, 1));
    return out;
  }
  GaussianMixture perturbed(const FactoredKernel& k) const {
    try {
      return mixture_.state_perturbed(k.mean_map, k.cov, initial_block_cov_);
    } catch (const Error& e) {
      throw Error("esm: p_t is degenerate at t = " + format_number(k.t) + ": " + e.what());
    }
  }

  ScoreMatchingSetup setup_;
  GaussianMixture mixture_;  // a copy: independent of the dataset's lifetime
  Eigen::MatrixXd initial_block_cov_;  // C0 of the lifted state (zero for one-block SDEs)
};

}  // namespace sgm::plugins::objectives

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::objectives::ExplicitScoreMatching>();
}
}  // namespace

SGM_PLUGIN("esm", "0.1.0", register_components)
