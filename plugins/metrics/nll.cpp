// nll.cpp: metric `nll`, the negative log-likelihood of held-out data under the model's
// probability-flow ODE (MATH.md §B5, §1; Song et al. 2021 App. D.2; FFJORD):
//
//   dx/dt = F(x, t) = f(x, t) − ½ G Gᵀ s(x, t),   d/dt log p_t(x(t)) = −∇·F(x(t), t),
//   log p_ε(x) = log π(x(T)) + ∫_ε^T ∇·F(x(t), t) dt,
//
// integrated forward from x(ε) = x to T on the augmented state (x, Δ), Δ' = ∇·F, Δ(ε) = 0, by
// adaptive Dormand–Prince 5(4) (sgm::dopri_solve, ode.hpp; the error norm covers Δ too, as in
// score_sde's solve_ivp on the augmented state), one solve per point.
//
// Divergence ∇·F = ∇·f − ½ tr(G Gᵀ ∇s):
// - ∇·f: exact for the linear drift of a linear SDE, Σ_j (f(e_j, t) − f(0, t))_j (the trace of
//   the drift matrix; d + 1 drift rows). SDEs that do not report is_linear() are refused.
// - tr(G Gᵀ ∇s), divergence = "exact": Σ_j (G Gᵀ ∇s e_j)_j from d Jacobian-vector products
//   ScoreModel::jvp with the unit vectors (one batched call); = "hutchinson": the
//   Skilling–Hutchinson estimate (1/K) Σ_k ε_kᵀ G Gᵀ ∇s ε_k with K = `probes` probes (rademacher
//   or gaussian, E[εεᵀ] = I), fixed per point for the whole solve as in FFJORD. Only the score term
//   is estimated; ∇·f is exact (a variance reduction). Both need ScoreModel::has_jvp().
//
// Prior: "sde" uses the SDE's prior log π (what a model is scored with); "exact" uses the exact
// log p_T of the dataset's Gaussian mixture (MATH.md §6), which removes the prior mismatch and
// isolates the ODE and score errors (MATH.md §B5 (chk): 2-D GMM, VP, exact score: ≈1e-4 with the
// exact p_1, ≤ 0.035 with N(0, I)).
//
// Dequantisation (dequantize = true; MATH.md §B5, Song's x = (k + u)/256): the data are lower
// corners of bins of width Δ = bin_width; each point is moved to y = x + Δu, u ~ U[0, 1)^d, and
// the discrete NLL bound is −log p(y) − d ln Δ (for data in [0, 1] with Δ = 1/256 this adds
// 8 bits/dim). Uniform u and probes come from Rng(seed, streams::metric, point index).
//
// Reported: "nll" (nats per point, mean over points), "nll_stderr" (s.d./√n over points; with
// Hutchinson it includes the probe noise), "nll_bits_per_dim" = nll/(d ln 2) (the name of
// true_nll's), "nfe" (mean right-hand-side evaluations per point; each is one score call and one
// batched jvp call). Test points: the reference samples (fresh data; the generated samples are
// not used), at most `points` of them. One-block linear SDEs only (for CLD the data marginal
// would need the velocity integrated out). Points are independent, integrated in fixed blocks of
// the executor: deterministic at any thread count.
//
// Example stage:
//   [evaluate.nll]
//   plugin = "nll"
//   divergence = "exact"
//   rtol = 1e-5
//   atol = 1e-5
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include <sgm/context.hpp>
#include <sgm/dataset.hpp>
#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/gaussian_mixture.hpp>
#include <sgm/metric.hpp>
#include <sgm/ode.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/reverse.hpp>
#include <sgm/rng.hpp>
#include <sgm/samplers.hpp>
#include <sgm/score_model.hpp>

namespace sgm::plugins::metrics {

namespace {

const ScoreModel& require_score(const Context& ctx) {
  if (ctx.score == nullptr)
    throw Error("nll needs a [score] stage: it integrates the probability-flow ODE of the model");
  if (!ctx.score->has_jvp())
    throw Error("nll needs a score model with an exact Jacobian-vector product (has_jvp(); e.g. "
                "analytic_gmm, empirical) for the divergence of the probability-flow ODE");
  return *ctx.score;
}

const ForwardSde& require_sde(const Context& ctx) {
  if (ctx.sde == nullptr) throw Error("nll needs an [sde] stage");
  require_one_block_linear(ctx.sde, "nll",
                           "the likelihood (exact divergence of the linear drift, data-space "
                           "density)");
  return *ctx.sde;
}

/// Mean and standard error of v.
struct MeanSe {
  double mean, se;
};
MeanSe mean_se(const Eigen::VectorXd& v) {
  const double n = static_cast<double>(v.size());
  const double m = v.mean();
  const double var = n > 1 ? (v.array() - m).square().sum() / (n - 1.0) : 0.0;
  return {m, std::sqrt(var / n)};
}

}  // namespace

class Nll final : public Metric {
 public:
  static ParamSpec params() {
    ParamSpec p{"nll", "Negative log-likelihood of the reference data under the model's "
                       "probability-flow ODE (instantaneous change of variables, RK45)"};
    p.add<std::string>("divergence", std::string("exact"),
                       "exact: trace from state_dim Jacobian-vector products; hutchinson: "
                       "Skilling-Hutchinson estimate with `probes` probes")
        .choices({"exact", "hutchinson"});
    p.add<std::int64_t>("probes", 1, "Hutchinson probes per point (fixed for the whole solve)")
        .min(1);
    p.add<std::string>("probe", std::string("rademacher"), "Hutchinson probe law")
        .choices({"rademacher", "gaussian"});
    p.add<double>("rtol", 1e-5, "relative tolerance of RK45").positive();
    p.add<double>("atol", 1e-5, "absolute tolerance of RK45").positive();
    p.add<std::int64_t>("max_steps", 100000, "attempted RK45 steps per point before giving up")
        .min(1);
    p.add<double>("t_min", 0.0, "start time eps of the ODE; 0: the SDE's t_min").min(0.0);
    p.add<std::string>("prior", std::string("sde"),
                       "terminal density: sde (the SDE's prior) or exact (the dataset's Gaussian "
                       "mixture pushed to T: a diagnostic without prior mismatch)")
        .choices({"sde", "exact"});
    p.add<bool>("dequantize", false, "uniform dequantisation: x + bin_width*U[0,1)^d, NLL - d ln(bin_width)");
    p.add<double>("bin_width", 1.0 / 256.0, "bin width of the quantised data (dequantize = true)")
        .positive();
    p.add<std::int64_t>("points", 0, "reference points evaluated (the first ones); 0: all").min(0);
    p.example("[evaluate.nll]\nplugin = \"nll\"\ndivergence = \"exact\"\nrtol = 1e-5\natol = 1e-5");
    return p;
  }

  Nll(const Params& p, const Context& ctx)
      : score_(&require_score(ctx)),
        sde_(&require_sde(ctx)),
        hutchinson_(p.get<std::string>("divergence") == "hutchinson"),
        gaussian_probes_(p.get<std::string>("probe") == "gaussian"),
        probes_(p.get<std::int64_t>("probes")),
        points_(p.get<std::int64_t>("points")),
        dequantize_(p.get<bool>("dequantize")),
        bin_width_(p.get<double>("bin_width")),
        t0_(p.get<double>("t_min") > 0.0 ? p.get<double>("t_min") : sde_->t_min()),
        t1_(sde_->t_max()) {
    opt_.rtol = p.get<double>("rtol");
    opt_.atol = p.get<double>("atol");
    opt_.max_steps = static_cast<std::uint64_t>(p.get<std::int64_t>("max_steps"));
    if (!(t0_ < t1_))
      throw Error(std::string("nll: t_min = ") + std::to_string(t0_) +
                  " must be below the SDE's T = " + std::to_string(t1_));
    if (p.get<std::string>("prior") == "exact") {
      const GaussianMixture* m = ctx.dataset != nullptr ? ctx.dataset->mixture() : nullptr;
      if (m == nullptr)
        throw Error("nll: prior = \"exact\" needs a dataset that is a Gaussian mixture (gmm); use "
                    "prior = \"sde\"");
      const LinearKernel k = sde_->kernel(t1_);
      exact_prior_ = m->perturbed(k.mean_scale(), k.variance());
    }
  }

  // Documentation inherited.
  MetricValues evaluate(const MetricInput& in) const override {
    const Eigen::Index d = in.reference.cols();
    Eigen::Index n = in.reference.rows();
    if (points_ > 0) n = std::min<Eigen::Index>(n, points_);
    if (n < 2) throw Error("nll: needs at least 2 reference points");
    if (in.dataset != nullptr && in.dataset->dim() != d)
      throw Error(std::string("nll: reference points have dimension ") + std::to_string(d) +
                  ", the dataset " + std::to_string(in.dataset->dim()));
    Eigen::VectorXd nll(n), evals(n);
    constexpr std::size_t grain = 8;  // points are expensive: small fixed blocks
    in.executor.for_blocks(static_cast<std::size_t>(n), grain, [&](std::size_t b, std::size_t e) {
      Workspace ws(d, hutchinson_ ? probes_ : d);
      for (std::size_t i = b; i < e; ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        std::uint64_t nfe = 0;
        nll[r] = point_nll(in.reference.row(r).transpose(), in.seed, i, ws, nfe);
        evals[r] = static_cast<double>(nfe);
      }
    });
    const MeanSe m = mean_se(nll);
    return {{"nll", m.mean},
            {"nll_stderr", m.se},
            {"nll_bits_per_dim", m.mean / (static_cast<double>(d) * std::numbers::ln2)},
            {"nfe", evals.mean()}};
  }

 private:
  /// Scratch of one solve: a state row, the JVP directions (unit vectors or probes), the state
  /// repeated once per direction, and the rows of the drift-divergence evaluation.
  struct Workspace {
    Workspace(Eigen::Index d, Eigen::Index dirs)
        : x(1, d), vel(1, d), v(dirs, d), xs(dirs, d), jv(dirs, d), gjv(dirs, d),
          basis(Matrix::Zero(d + 1, d)), fbasis(d + 1, d) {
      basis.bottomRows(d).setIdentity();  // rows 0, e_1, ..., e_d
    }
    Matrix x, vel, v, xs, jv, gjv, basis, fbasis;
    DriftWorkspace drift;
  };

  /// −log p_ε of one point (with dequantisation, the discrete bound); adds RHS evaluations to nfe.
  double point_nll(const Eigen::VectorXd& point, std::uint64_t seed, std::uint64_t index,
                   Workspace& ws, std::uint64_t& nfe) const {
    const Eigen::Index d = point.size();
    Rng rng(seed, streams::metric, index);
    Eigen::VectorXd y(d + 1);
    y.head(d) = point;
    y[d] = 0.0;
    if (dequantize_)
      for (Eigen::Index j = 0; j < d; ++j) y[j] += bin_width_ * rng.uniform();
    if (hutchinson_) draw_probes(rng, ws.v);
    else ws.v.setIdentity();
    const auto rhs = [&](const Eigen::VectorXd& state, double t, Eigen::VectorXd& out) {
      augmented_velocity(state, t, ws, out);
    };
    nfe += dopri_solve(rhs, y, t0_, t1_, opt_).evals;
    ws.x.row(0) = y.head(d).transpose();
    Eigen::VectorXd log_prior(1);
    if (exact_prior_) exact_prior_->log_density(ws.x, log_prior);
    else sde_->prior_log_density(ws.x, log_prior);
    const double log_p = log_prior[0] + y[d];  // log π(x_T) + ∫ ∇·F dt
    return -log_p - (dequantize_ ? static_cast<double>(d) * std::log(bin_width_) : 0.0);
  }

  /// Rows of v: Rademacher (±1) or standard normal probes, from the point's own stream.
  void draw_probes(Rng& rng, Matrix& v) const {
    for (Eigen::Index k = 0; k < v.rows(); ++k)
      for (Eigen::Index j = 0; j < v.cols(); ++j)
        v(k, j) = gaussian_probes_ ? rng.normal() : ((rng.next_u64() >> 63) != 0 ? 1.0 : -1.0);
  }

  /// (F(x, t), ∇·F(x, t)) for the augmented state (x, Δ) (header).
  void augmented_velocity(const Eigen::VectorXd& state, double t, Workspace& ws,
                          Eigen::VectorXd& out) const {
    const Eigen::Index d = ws.x.cols();
    ws.x.row(0) = state.head(d).transpose();
    pf_velocity(*sde_, *score_, ws.x, t, ws.vel, ws.drift);
    out.head(d) = ws.vel.row(0).transpose();
    out[d] = drift_divergence(t, ws) - 0.5 * score_term(t, ws);
  }

  /// ∇·f = Σ_j (f(e_j, t) − f(0, t))_j: the trace of the drift matrix of a linear SDE, exactly.
  double drift_divergence(double t, Workspace& ws) const {
    sde_->drift(ws.basis, t, ws.fbasis);
    double div = 0.0;
    for (Eigen::Index j = 0; j < ws.fbasis.cols(); ++j) div += ws.fbasis(j + 1, j) - ws.fbasis(0, j);
    return div;
  }

  /// tr(G Gᵀ ∇s): exactly from the unit vectors, or the Hutchinson mean over the probes.
  double score_term(double t, Workspace& ws) const {
    ws.xs.rowwise() = ws.x.row(0);
    score_->jvp(ws.xs, t, ws.v, ws.jv);               // row k: ∇s v_k
    sde_->diffusion_squared_apply(ws.jv, t, ws.gjv);  // row k: G Gᵀ ∇s v_k
    if (!hutchinson_) return ws.gjv.diagonal().sum();
    return (ws.gjv.array() * ws.v.array()).sum() / static_cast<double>(ws.v.rows());
  }

  const ScoreModel* score_;
  const ForwardSde* sde_;  // the host keeps earlier stages alive while metrics run
  bool hutchinson_, gaussian_probes_;
  Eigen::Index probes_, points_;
  bool dequantize_;
  double bin_width_, t0_, t1_;
  DopriOptions opt_;
  std::optional<GaussianMixture> exact_prior_;
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::Nll>(); }
}  // namespace

SGM_PLUGIN("nll", "0.1.0", register_components)
