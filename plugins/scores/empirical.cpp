// empirical.cpp: score model `empirical`, the empirical optimal ("memorising") score of a finite
// training set {x_i}, i = 1..N (MATH.md §C5; seed 001 (6), (11), (12)): the score of
// p̂_t = (1/N) Σ_i N(μ_t(x_i), Σ_t), the forward marginal started from the empirical measure, and
// the exact minimiser of the DSM loss on the training set (MATH.md §2), i.e. what a perfectly
// trained network converges to. Sampling with it reproduces the training points (001 Thm 1).
//
// Kernel. Any linear SDE: u_t | u_0 ~ N((A ⊗ I) u_0, Σ ⊗ I) with the lifted u_0 = (x_i, aux),
// aux ~ N(0, C0 ⊗ I) (C0 = initial_block_cov(), 0 for one block), so μ_t(x_i) = a ⊗ x_i with
// a = A e_0 and the kernel covariance is S ⊗ I, S = A C0 Aᵀ + Σ (blocks x blocks; MATH.md §C5
// "general Gaussian kernel", CLD included). One block: a = m_t, S = σ_t².
//
// Algorithm [MATH.md §C5, written for the Kronecker kernel; DER]. With P = S⁻¹, the query x in
// blocks x^(1..b) and y = Σ_j (P a)_j x^(j) ∈ R^d,
//     ℓ_i = −½ (x − a⊗x_i)ᵀ(P ⊗ I)(x − a⊗x_i) = const(x) + y·x_i − ½ (aᵀP a) ‖x_i‖²,
//     w = softmax(ℓ),  x̄0 = Σ_i w_i x_i,  s^(j) = −Σ_k P_jk (x^(k) − a_k x̄0).
// One block: y = m x/σ², s = (m x̄0 − x)/σ² (§C5's x̄ = m x̄0). The x-only term const(x) cancels in
// the softmax and is never formed, so ℓ'_i = y·x_i − ½(aᵀPa)‖x_i‖² comes from one GEMM (rows x
// training points) and the cached ‖x_i‖² with no cancellation between large terms (this replaces
// §C5's ‖x‖² − 2m xᵀx_i + m²‖x_i‖² with its clamp at 0, which is only needed when the distance
// itself is wanted); the row maximum is subtracted before exponentiating (at x = (50, −30),
// t = 0.01 every naive e^{ℓ_i} underflows to 0). Double precision throughout.
//
// Jacobian (has_jvp() is true) [DER]. ∇ℓ_i = −(P⊗I)(x − a⊗x_i), ∇w_i = w_i(∇ℓ_i − Σ_j w_j ∇ℓ_j)
// = w_i ((P a) ⊗ (x_i − x̄0)), so ∇x̄0 = C_w ((P a)ᵀ ⊗ I) with C_w = Σ_i w_i (x_i − x̄0)(x_i − x̄0)ᵀ,
// and
//     ∇s = −P ⊗ I + (P a)(P a)ᵀ ⊗ C_w        (one block: −I/σ² + (m²/σ⁴)(Σ w_i x_i x_iᵀ − x̄0 x̄0ᵀ)),
// symmetric, as the Jacobian of a gradient must be. Applied to v: u = Σ_j (P a)_j v^(j),
// c_i = (x_i − x̄0)·u, C_w u = Σ_i w_i c_i x_i − x̄0 Σ_i w_i c_i (centred c_i: no cancellation),
// out^(j) = −Σ_k P_jk v^(k) + (P a)_j C_w u. Two GEMMs with the training set per block of rows.
//
// Training set: `points` when given (a table, one training point per row: tests and hand-made
// sets; the default [[]] means none), else n_train rows drawn at construction from the dataset with
// RowRng(seed, streams::train_data, 0, n_train) (the convention of the training stage), so a
// trained score and this one see the same data. score() and jvp() are const and keep all scratch
// local: safe to call concurrently on row blocks. Cost O(N d) per query row.
//
// Example stage:
//   [score]
//   plugin = "empirical"
//   n_train = 1000
#include <algorithm>
#include <cstdint>
#include <string>

#include <Eigen/Cholesky>
#include <Eigen/Core>

#include <sgm/context.hpp>
#include <sgm/dataset.hpp>
#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/rng.hpp>
#include <sgm/score_model.hpp>

namespace sgm::plugins::scores {

namespace {

const ForwardSde& require_linear_sde(const Context& ctx) {
  if (ctx.sde == nullptr) throw Error("empirical needs an [sde] stage (a linear SDE)");
  if (!ctx.sde->is_linear())
    throw Error("empirical needs a linear SDE with a closed-form perturbation kernel (vp, ve, ou, "
                "cld, ...); this SDE reports none (is_linear() is false)");
  return *ctx.sde;
}

/// The training set: `points` if given, else n_train rows of the dataset (train_data stream).
Matrix training_set(const Params& p, const Context& ctx) {
  const auto& pts = p.get<DoubleTable>("points");
  const bool none = pts.empty() || (pts.size() == 1 && pts.front().empty());  // default [[]]
  if (!none) {
    const auto d = static_cast<Eigen::Index>(pts.front().size());
    if (d == 0) throw Error("empirical: points has an empty row");
    Matrix x(static_cast<Eigen::Index>(pts.size()), d);
    for (std::size_t i = 0; i < pts.size(); ++i) {
      if (static_cast<Eigen::Index>(pts[i].size()) != d)
        throw Error(std::string("empirical: points row ") + std::to_string(i) + " has " +
                    std::to_string(pts[i].size()) + " coordinates, row 0 has " + std::to_string(d));
      for (Eigen::Index j = 0; j < d; ++j) x(static_cast<Eigen::Index>(i), j) = pts[i][static_cast<std::size_t>(j)];
    }
    if (ctx.dataset != nullptr && ctx.dataset->dim() != d)
      throw Error(std::string("empirical: points have dimension ") + std::to_string(d) +
                  " but the dataset has dimension " + std::to_string(ctx.dataset->dim()));
    return x;
  }
  if (ctx.dataset == nullptr)
    throw Error("empirical needs a [dataset] stage to draw its training set from (or `points`)");
  const Eigen::Index n = p.get<std::int64_t>("n_train");
  if (n < 1) throw Error("empirical: n_train must be >= 1");
  Matrix x(n, ctx.dataset->dim());
  RowRng rng(ctx.seed, streams::train_data, 0, n);
  ctx.dataset->sample(x, rng);
  if (!x.allFinite()) throw Error("empirical: the dataset drew a non-finite training point");
  return x;
}

}  // namespace

class Empirical final : public ScoreModel {
 public:
  static ParamSpec params() {
    ParamSpec p{"empirical",
                "Empirical optimal (memorising) score of a finite training set, any linear SDE"};
    p.add<std::int64_t>("n_train", 1000,
                        "training points drawn from the dataset at construction (train_data "
                        "stream; ignored when points is given)")
        .min(1);
    // The default is [[]], not []: an empty TOML array reads back as a list, not a table.
    p.add<DoubleTable>("points", DoubleTable{DoubleList{}},
                       "training points, one row each, used instead of drawing from the dataset "
                       "([[]]: none, draw n_train)");
    p.example("[score]\nplugin = \"empirical\"\nn_train = 1000");
    return p;
  }

  Empirical(const Params& p, const Context& ctx)
      : sde_(&require_linear_sde(ctx)), train_(training_set(p, ctx)) {
    norms_ = train_.rowwise().squaredNorm();
  }

  // Documentation inherited.
  void score(CRef x, double t, Ref out) const override {
    check_shape(x, out, "score");
    const Geometry g = geometry(t);
    Posterior post;
    for_row_blocks(x.rows(), [&](Eigen::Index b, Eigen::Index n) {
      const auto xb = x.middleRows(b, n);
      posterior(xb, g, post);
      // s^(j) = −Σ_k P_jk (x^(k) − a_k x̄0)
      auto ob = out.middleRows(b, n);
      for (Eigen::Index j = 0; j < g.blocks; ++j) {
        auto oj = ob.middleCols(j * dim(), dim());
        oj.setZero();
        for (Eigen::Index k = 0; k < g.blocks; ++k)
          oj -= g.p(j, k) * (xb.middleCols(k * dim(), dim()) - g.a[k] * post.mean);
      }
    });
  }

  bool has_jvp() const override { return true; }
  void jvp(CRef x, double t, CRef v, Ref out) const override {
    check_shape(x, out, "jvp");
    check_shape(v, out, "jvp");
    const Geometry g = geometry(t);
    Posterior post;
    Matrix u, cu;
    Eigen::MatrixXd c;
    for_row_blocks(x.rows(), [&](Eigen::Index b, Eigen::Index n) {
      posterior(x.middleRows(b, n), g, post);
      const auto vb = v.middleRows(b, n);
      project(vb, g, u);                                           // u = Σ_j (Pa)_j v^(j)
      c.noalias() = u * train_.transpose();                        // x_i·u
      c.colwise() -= (post.mean.array() * u.array()).rowwise().sum().matrix();  // (x_i − x̄0)·u
      c.array() *= post.w.array();                                 // w_i c_i
      cu.noalias() = c * train_;                                   // Σ w_i c_i x_i
      cu.array() -= post.mean.array().colwise() * c.rowwise().sum().array();  // C_w u
      auto ob = out.middleRows(b, n);
      for (Eigen::Index j = 0; j < g.blocks; ++j) {
        auto oj = ob.middleCols(j * dim(), dim());
        oj = g.pa[j] * cu;
        for (Eigen::Index k = 0; k < g.blocks; ++k) oj -= g.p(j, k) * vb.middleCols(k * dim(), dim());
      }
    });
  }

 private:
  /// Per-time kernel quantities: P = S⁻¹, a = A e_0, P a and aᵀ P a (header).
  struct Geometry {
    Eigen::Index blocks;
    Eigen::MatrixXd p;
    Eigen::VectorXd a, pa;
    double apa;
  };
  /// Posterior weights w (rows x N) and means x̄0 = Σ_i w_i x_i (rows x d) of a block of queries.
  struct Posterior {
    Eigen::MatrixXd w;
    Matrix y, mean;
  };

  Eigen::Index dim() const { return train_.cols(); }

  Geometry geometry(double t) const {
    const LinearKernel k = sde_->kernel(t);
    const Eigen::MatrixXd a = k.mean_map;
    const Eigen::MatrixXd s = a * sde_->initial_block_cov() * a.transpose() + k.cov;  // S
    Eigen::LLT<Eigen::MatrixXd> llt(s);
    if (llt.info() != Eigen::Success || !(s.diagonal().array() > 0.0).all())
      throw Error(std::string("empirical: the kernel covariance at t = ") + std::to_string(t) +
                  " is singular (the empirical score is a sum of deltas at t = 0; evaluate at "
                  "t > 0)");
    Geometry g;
    g.blocks = a.rows();
    g.p = llt.solve(Eigen::MatrixXd::Identity(g.blocks, g.blocks));
    g.a = a.col(0);
    g.pa = g.p * g.a;
    g.apa = g.a.dot(g.pa);
    return g;
  }

  /// out = Σ_j (P a)_j z^(j) for each row of z (rows x b·d -> rows x d).
  void project(CRef z, const Geometry& g, Matrix& out) const {
    out = g.pa[0] * z.leftCols(dim());
    for (Eigen::Index j = 1; j < g.blocks; ++j) out += g.pa[j] * z.middleCols(j * dim(), dim());
  }

  /// Softmax weights over the training set (max subtracted, never e^{ℓ_i} itself) and x̄0.
  void posterior(CRef x, const Geometry& g, Posterior& post) const {
    project(x, g, post.y);
    post.w.noalias() = post.y * train_.transpose();      // y·x_i (GEMM)
    post.w.rowwise() -= (0.5 * g.apa) * norms_.transpose();  // ℓ'_i = y·x_i − ½ aᵀPa ‖x_i‖²
    const Eigen::VectorXd mx = post.w.rowwise().maxCoeff();
    post.w.colwise() -= mx;
    post.w = post.w.array().exp();
    post.w.array().colwise() /= post.w.rowwise().sum().array();
    post.mean.noalias() = post.w * train_;                // x̄0 (GEMM)
  }

  /// body(first, rows) on blocks of at most kBlockRows rows: caps the rows x N scratch.
  template <class Body>
  static void for_row_blocks(Eigen::Index n, Body&& body) {
    for (Eigen::Index b = 0; b < n; b += kBlockRows) body(b, std::min(kBlockRows, n - b));
  }

  void check_shape(CRef x, CRef out, const char* what) const {
    const Eigen::Index state_dim = sde_->blocks() * dim();
    if (x.cols() != state_dim || out.cols() != x.cols() || out.rows() != x.rows())
      throw Error(std::string("empirical: ") + what + " got " + std::to_string(x.rows()) + " x " +
                  std::to_string(x.cols()) + " states (output " + std::to_string(out.rows()) +
                  " x " + std::to_string(out.cols()) + "), expected state dimension " +
                  std::to_string(state_dim) + " (training dimension " + std::to_string(dim()) +
                  " x " + std::to_string(sde_->blocks()) + " blocks)");
  }

  static constexpr Eigen::Index kBlockRows = 256;
  const ForwardSde* sde_;  // the host keeps earlier stages alive while later ones run
  Matrix train_;           // N x d
  Eigen::VectorXd norms_;  // ‖x_i‖²
};

}  // namespace sgm::plugins::scores

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::scores::Empirical>(); }
}  // namespace

SGM_PLUGIN("empirical", "0.1.0", register_components)
