// dsm.cpp: objective `dsm`, denoising score matching for any linear SDE (MATH.md §2, §B1 (4.3),
// §B4 (7.7)). Each data row is lifted (CLD draws v0), carried to t ~ U(eps, T) through the
// perturbation kernel, u_t = (A ⊗ I) u0 + (L ⊗ I) ε with Σ = L Lᵀ, and the model is regressed on
// the conditional score (sgm/score_matching.hpp has the conventions):
//
//   target = ∇log p(u_t | u0) = −(Σ⁻¹ ⊗ I)(u_t − (A ⊗ I) u0) = −(L⁻ᵀ ⊗ I) ε,
//   loss_i = ½ (s − target)ᵀ W_t (s − target),
//
// W_t = Σ_t ⊗ I (weighting = "sigma2", default: the ε-loss ½‖σ_t s + ε‖² of one-block SDEs,
// ½‖(Lᵀ ⊗ I) s + ε‖² in general), G Gᵀ ("g2": likelihood weighting g(t)², MATH.md §B5, §D8) or I
// ("uniform"). Its minimiser is ∇log p_t (Vincent 2011): the loss equals ESM's with the same
// weighting plus a constant.
//
// Example stage:
//   [objective]
//   plugin = "dsm"
//   weighting = "sigma2"
//   eps = 1e-5
#include <sgm/context.hpp>
#include <sgm/objective.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/score_matching.hpp>

namespace sgm::plugins::objectives {

class DenoisingScoreMatching final : public Objective {
 public:
  static ParamSpec params() {
    ParamSpec p{"dsm", "Denoising score matching through the perturbation kernel of a linear SDE"};
    add_score_matching_params(p);
    p.example("[objective]\nplugin = \"dsm\"\nweighting = \"sigma2\"\neps = 1e-5");
    return p;
  }

  DenoisingScoreMatching(const Params& p, const Context& ctx)
      : setup_(ScoreMatchingSetup::from(p, ctx, "dsm")) {}

  // Documentation inherited.
  double loss_and_gradient(const TrainableScore& model, CRef x0, RowRng& rng, ModelTape& tape,
                           std::span<double> grad) const override {
    const PerturbedChunk c = setup_.perturb(x0, rng);
    return residual_loss_and_gradient(model, c, conditional_score(c), setup_.weighting, tape,
                                      grad);
  }

 private:
  // −(L⁻ᵀ ⊗ I) ε per row (header formula).
  static Matrix conditional_score(const PerturbedChunk& c) {
    Matrix target(c.rows(), c.state_dim());
    for (Eigen::Index i = 0; i < c.rows(); ++i)
      kron_apply(c.kernel[static_cast<std::size_t>(i)].inv_chol_t, c.noise.middleRows(i, 1),
                 target.middleRows(i, 1));
    return -target;
  }

  ScoreMatchingSetup setup_;
};

}  // namespace sgm::plugins::objectives

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::objectives::DenoisingScoreMatching>();
}
}  // namespace

SGM_PLUGIN("dsm", "0.1.0", register_components)
