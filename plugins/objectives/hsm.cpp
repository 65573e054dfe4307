// hsm.cpp: objective `hsm`, hybrid score matching for critically-damped Langevin diffusion
// (MATH.md §1, §2; Dockhorn et al. 2022 [EXT CLD-SGM]). The initial velocity v0 ~ N(0, γM) is
// integrated out instead of drawn, so the kernel from u0 = (x0, 0) has covariance
// Σ_t = Φ diag(0, γM) Φᵀ + Σ⁰_t (sgm/score_matching.hpp, InitialState::marginal). With its
// Cholesky factor (L11 = √Σxx, L21 = Σxv/L11, L22 = √(Σvv − L21²)) and u_t = μ_t + (L ⊗ I) ε,
// only the velocity score is needed by CLD's reverse SDE, and its target is
//
//   ∇_v log p(u_t | x0) = −ℓ_t ε_v,   ℓ_t = 1/L22.
//
// Per row, with s_v the velocity block of the model's score and α = −s_v/ℓ_t:
//   reweightedv2 (default)  ½ ‖α − ε_v‖²      = ½ L22² ‖s_v + ℓ_t ε_v‖²
//   reweightedv1            ½ βΓ ‖α − ε_v‖²   = ½ βΓ L22² ‖s_v + ℓ_t ε_v‖²
//   likelihood              ½ βΓ ‖s_v + ℓ_t ε_v‖²
// with βΓ = ½ (G Gᵀ)_vv (CLD's velocity noise is √(2Γβ)). The ½ follows MATH.md §2's ESM.
//
// Example stage:
//   [objective]
//   plugin = "hsm"
//   weighting = "reweightedv2"
#include <sgm/context.hpp>
#include <sgm/objective.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/score_matching.hpp>

namespace sgm::plugins::objectives {

class HybridScoreMatching final : public Objective {
 public:
  static ParamSpec params() {
    ParamSpec p{"hsm", "Hybrid score matching for CLD: velocity score, v0 integrated out"};
    p.add<double>("eps", 0.0, "smallest training time: t ~ U(eps, T); 0 uses the SDE's t_min")
        .min(0.0);
    p.add<std::string>("weighting", std::string("reweightedv2"),
                       "reweightedv2 ‖α − ε_v‖² (default), reweightedv1 βΓ‖α − ε_v‖², "
                       "likelihood βΓ‖s_v + ℓ_t ε_v‖²")
        .choices({"reweightedv2", "reweightedv1", "likelihood"});
    p.example("[objective]\nplugin = \"hsm\"\nweighting = \"reweightedv2\"");
    return p;
  }

  HybridScoreMatching(const Params& p, const Context& ctx)
      : sde_(require_linear_sde(ctx, "hsm")),
        times_(training_times(sde_, p.get<double>("eps"), "hsm")),
        weighting_(weighting_from(p.get<std::string>("weighting"))) {
    if (sde_.blocks() != 2)
      throw Error("hsm needs a position-velocity SDE with two blocks (cld); this SDE has " +
                  std::to_string(sde_.blocks()) + " (use dsm for one-block SDEs)");
  }

  // Documentation inherited.
  double loss_and_gradient(const TrainableScore& model, CRef x0, RowRng& rng, ModelTape& tape,
                           std::span<double> grad) const override {
    const PerturbedChunk c = perturb_chunk(sde_, x0, rng, times_, InitialState::marginal);
    const Eigen::Index d = x0.cols();
    Matrix s(c.rows(), c.state_dim());
    std::vector<Matrix> jvp;
    model.forward(c.ut, c.t, {}, tape, s, jvp);
    Matrix grad_out = Matrix::Zero(c.rows(), c.state_dim());  // the position score is unused
    double loss = 0.0;
    for (Eigen::Index i = 0; i < c.rows(); ++i) {
      const FactoredKernel& k = c.kernel[static_cast<std::size_t>(i)];
      const double l22 = k.chol(1, 1);
      const auto r = (s.row(i).segment(d, d) + c.noise.row(i).segment(d, d) / l22).eval();
      const double lambda = weight(l22, k.t, d);
      loss += 0.5 * lambda * r.squaredNorm();
      grad_out.row(i).segment(d, d) = lambda * r;
    }
    model.backward(tape, grad_out, {}, grad);
    return loss;
  }

 private:
  enum class Weighting { reweightedv2, reweightedv1, likelihood };
  static Weighting weighting_from(const std::string& name) {
    if (name == "reweightedv1") return Weighting::reweightedv1;
    if (name == "likelihood") return Weighting::likelihood;
    return Weighting::reweightedv2;  // the schema admits only these three names
  }
  // λ_t of the header's table, in units of ‖s_v + ℓ_t ε_v‖².
  double weight(double l22, double t, Eigen::Index d) const {
    if (weighting_ == Weighting::reweightedv2) return l22 * l22;
    const double beta_gamma = 0.5 * velocity_diffusion_squared(t, d);
    return weighting_ == Weighting::reweightedv1 ? beta_gamma * l22 * l22 : beta_gamma;
  }
  // (G Gᵀ)_vv = 2Γβ(t), read through the generic interface on a unit velocity vector.
  double velocity_diffusion_squared(double t, Eigen::Index d) const {
    Matrix e = Matrix::Zero(1, 2 * d), out(1, 2 * d);
    e(0, d) = 1.0;
    sde_.diffusion_squared_apply(e, t, out);
    return out(0, d);
  }

  const ForwardSde& sde_;
  TimeRange times_;
  Weighting weighting_;
};

}  // namespace sgm::plugins::objectives

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::objectives::HybridScoreMatching>();
}
}  // namespace

SGM_PLUGIN("hsm", "0.1.0", register_components)
