// ssm_vr.cpp: objective `ssm_vr`, sliced score matching with variance reduction (MATH.md §B1
// (3.8); Hutchinson's trace estimator inside ISM):
//
//   loss_i = (1/M) Σ_k w_kᵀ ∇ₓs(u_t, t) w_k + ½ s(u_t, t)ᵀ W_t s(u_t, t),   w_k = B_t v_k,
//
// valid because E[v vᵀ] = I (gaussian or rademacher directions). As for `ssm` the model is
// evaluated at t ~ U(eps, T) on the data perturbed through the SDE's kernel (noise-conditional,
// Song's thesis (B.8)), so it learns ∇log p_t; W_t = B Bᵀ is the weighting of
// sgm/score_matching.hpp. JVPs by the model's forward mode, gradients by its reverse mode.
//
// Example stage:
//   [objective]
//   plugin = "ssm_vr"
//   projections = 1
//   distribution = "rademacher"
#include <sgm/context.hpp>
#include <sgm/objective.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/score_matching.hpp>

namespace sgm::plugins::objectives {

class SlicedScoreMatchingVr final : public Objective {
 public:
  static ParamSpec params() {
    ParamSpec p{"ssm_vr",
                "Sliced score matching with variance reduction on data perturbed by a linear SDE"};
    add_score_matching_params(p);
    add_projection_params(p);
    p.example("[objective]\nplugin = \"ssm_vr\"\nprojections = 1\ndistribution = \"rademacher\"");
    return p;
  }

  SlicedScoreMatchingVr(const Params& p, const Context& ctx)
      : ssm_(SlicedScoreMatching::from(p, ctx, "ssm_vr", QuadraticTerm::exact)) {}

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
  r.add<sgm::plugins::objectives::SlicedScoreMatchingVr>();
}
}  // namespace

SGM_PLUGIN("ssm_vr", "0.1.0", register_components)
