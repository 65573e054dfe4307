// ism.cpp: objective `ism`, implicit (Hyvärinen) score matching with the exact trace (MATH.md §2,
// §B1 (3.2)):
//
//   loss_i = ½ s(u_t, t)ᵀ W_t s(u_t, t) + tr(W_t ∇ₓs(u_t, t)),
//   tr(W ∇ₓs) = Σ_{k=1..D} (B e_k)ᵀ ∇ₓs (B e_k)   (W = B Bᵀ; = tr ∇ₓs for uniform weighting),
//
// so each row pushes the D state-space tangents B e_1, ..., B e_D through the model's forward
// mode (D JVPs, no finite differences) and pulls the gradient back through its reverse mode. As
// for ssm, the model is evaluated at t ~ U(eps, T) on the data perturbed through the SDE's kernel
// (noise-conditional score matching): its minimiser is ∇log p_t. The cost grows as D per row, so
// state dimensions above 64 are refused (use ssm_vr, its unbiased one-direction estimate).
//
// Example stage:
//   [objective]
//   plugin = "ism"
//   weighting = "sigma2"
#include <sgm/context.hpp>
#include <sgm/dataset.hpp>
#include <sgm/objective.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/score_matching.hpp>

namespace sgm::plugins::objectives {

class ImplicitScoreMatching final : public Objective {
 public:
  static constexpr Eigen::Index max_state_dim = 64;

  static ParamSpec params() {
    ParamSpec p{"ism", "Implicit score matching with the exact Jacobian trace (state dim <= 64)"};
    add_score_matching_params(p);
    p.example("[objective]\nplugin = \"ism\"\nweighting = \"sigma2\"");
    return p;
  }

  ImplicitScoreMatching(const Params& p, const Context& ctx)
      : setup_(ScoreMatchingSetup::from(p, ctx, "ism")) {
    if (ctx.dataset != nullptr) check_dim(setup_.sde->state_dim(ctx.dataset->dim()));
  }

  // Documentation inherited.
  double loss_and_gradient(const TrainableScore& model, CRef x0, RowRng& rng, ModelTape& tape,
                           std::span<double> grad) const override {
    check_dim(setup_.sde->state_dim(static_cast<int>(x0.cols())));
    const PerturbedChunk c = setup_.perturb(x0, rng);
    return jacobian_loss_and_gradient(model, c, weighted_unit_directions(c), 1.0,
                                      QuadraticTerm::exact, setup_.weighting, tape, grad);
  }

 private:
  static void check_dim(Eigen::Index dim) {
    if (dim > max_state_dim)
      throw Error("ism computes the exact trace with one Jacobian-vector product per state "
                  "dimension; the state has " + std::to_string(dim) + " dimensions (limit " +
                  std::to_string(max_state_dim) + "): use ssm_vr, which estimates the trace "
                  "with random projections");
  }

  // directions[k].row(i) = (B_i e_k)ᵀ, B_i the weighting's factor at row i's time.
  std::vector<Matrix> weighted_unit_directions(const PerturbedChunk& c) const {
    const Eigen::Index n = c.rows(), dim = c.state_dim();
    std::vector<Matrix> dirs(static_cast<std::size_t>(dim), Matrix(n, dim));
    const Matrix eye = Matrix::Identity(dim, dim);
    Matrix b(dim, dim);  // row k = (B e_k)ᵀ
    for (Eigen::Index i = 0; i < n; ++i) {
      setup_.weighting.factor(c.kernel[static_cast<std::size_t>(i)], eye, b);
      for (Eigen::Index k = 0; k < dim; ++k) dirs[static_cast<std::size_t>(k)].row(i) = b.row(k);
    }
    return dirs;
  }

  ScoreMatchingSetup setup_;
};

}  // namespace sgm::plugins::objectives

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::objectives::ImplicitScoreMatching>();
}
}  // namespace

SGM_PLUGIN("ism", "0.1.0", register_components)
