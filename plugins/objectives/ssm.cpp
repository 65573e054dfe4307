// ssm.cpp: objective `ssm`, sliced score matching (Song et al. 2019; MATH.md §B1 (3.5), (3.7)):
//
//   loss_i = (1/M) Σ_k [ w_kᵀ ∇ₓs(u_t, t) w_k + ½ (w_kᵀ s(u_t, t))² ],   w_k = B_t v_k,
//
// with M = `projections` directions v_k ~ `distribution` (E[v vᵀ] = I) drawn from rng.row(i).
// Score matching is defined on the data law; here the model is time-conditioned, so it is
// evaluated at t ~ U(eps, T) on u_t, the data perturbed through the SDE's kernel
// (noise-conditional SSM, Song's thesis §5 and (B.8)): its minimiser is ∇log p_t at every t.
// B_t is the square root of the weighting W_t = B Bᵀ (sgm/score_matching.hpp): E_v of the
// bracket is tr(W ∇ₓs) + ½ sᵀ W s, i.e. ISM weighted by W. ∇ₓs w_k comes from the model's
// forward mode (no finite differences); the gradient from its reverse mode.
//
// Example stage:
//   [objective]
//   plugin = "ssm"
//   projections = 1
//   distribution = "gaussian"
#include <sgm/context.hpp>
#include <sgm/objective.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/score_matching.hpp>

namespace sgm::plugins::objectives {

class SlicedScoreMatchingObjective final : public Objective {
 public:
  static ParamSpec params() {
    ParamSpec p{"ssm", "Sliced score matching on data perturbed by a linear SDE"};
    add_score_matching_params(p);
    add_projection_params(p);
    p.example("[objective]\nplugin = \"ssm\"\nprojections = 1\ndistribution = \"gaussian\"");
    return p;
  }

  SlicedScoreMatchingObjective(const Params& p, const Context& ctx)
      : ssm_(SlicedScoreMatching::from(p, ctx, "ssm", QuadraticTerm::sliced)) {}

  // Documentation inherited.
  double loss_and_gradient(const TrainableScore& model, CRef x0, RowRng& rng, ModelTape& tape,
                           std::span<double> grad) const override {
    return ssm_.loss_and_gradient(model, x0, rng, tape, grad);
  }

 private:
  SlicedScoreMatching ssm_;
};

}  // namespace sgm::plugins::objectives

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::objectives::SlicedScoreMatchingObjective>();
}
}  // namespace

SGM_PLUGIN("ssm", "0.1.0", register_components)
