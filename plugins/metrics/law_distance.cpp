// law_distance.cpp: the sliced Wasserstein distance between the generated samples and fresh
// draws of a fixed law instead of the dataset (MATH.md §C2, §C4, §C11; seed 000 §4.2.3, §5.1).
//
// Seed 000 measures two things that the dataset-vs-samples metrics cannot express:
//   - forward convergence [000 §5.1.1, §5.1.2; MATH.md §C2(a)-(b)]: W(p_1, p_∞) between the end
//     of the forward process and the stationary law, e.g. `euler_maruyama` with
//     direction = "forward" and law = "prior" (the SDE's prior: N(0, I) for the OU of §C1);
//   - Table 4.2 [000 §4.2.3; MATH.md §C11]: the sliced Wasserstein distance of other supports
//     (another roll, a noised roll, a gapped roll, a sphere) measured against the Swiss roll.
// The law is drawn here, n points (default: as many as samples), row i from
// Rng(seed, streams::metric, 2^40 + i) (disjoint from the projection directions, which use
// particles l < 2^40 of the same stream, as in `sliced_wasserstein`):
//   law = "prior":      the [sde]'s prior π ≈ p_T (its first d coordinates: CLD's x-block);
//   law = "sphere":     uniform on the sphere of `radius` centred at 0 in R^d (z/‖z‖, z ~ N(0, I));
//   law = "swiss_roll": scikit-learn's roll as the `swiss_roll` dataset draws it (MATH.md §C3):
//                       u, v ~ U(0,1), t = 1.5π(1+2u), y = 21v, x = scale·((t cos t, y, t sin t)
//                       + noise·z) (d = 3) or columns (0, 2) (d = 2); hole = true removes the
//                       centre cell of (t, y) (seed 000's "gapped" roll).
// Then, with θ_l uniform on S^{d−1} from Rng(seed, streams::metric, l), l = 0..L−1,
//   SW_p = ( (1/L) Σ_l W_p^p(θ_lᵀX, θ_lᵀY) )^{1/p}        (MATH.md §C4; seed 000 uses p = 1, L = 100),
// W_p exact for the empirical laws (sgm::wasserstein_pp_sorted). In 1-D every θ is ±1, so
// SW_p = W_p exactly (the W of §C2(a)) and the standard error is 0.
// Reported: "sw<p>", "sw<p>_stderr" (Monte-Carlo s.e. over projections, delta method as in
// `sliced_wasserstein`), "projections". The host's data-vs-data baseline evaluates the metric on
// a second dataset draw, i.e. the distance of the data themselves to the law (for law = "prior":
// the un-noised data to the prior); pipelines where that is not wanted set [run] baseline = false.
// Reference values: SW1(N(0,I_d), N(Δ,I_d)) = ‖Δ‖Γ(d/2)/(√π Γ((d+1)/2)) (d = 2: 0.636619772‖Δ‖);
// W1(½N(m,1)+½N(−m,1), N(0,1)) = 0.0977085539997 (m = 0.5), 0.368746380373 (m = 1) (§C2(a));
// the projection of a uniform sphere in R³ is U[−R, R] (Archimedes), so SW1 between spheres of
// radii R1, R2 is |R2 − R1|/2; Swiss roll bands of §C11 (n = 5000: another roll 0.148 ± 0.030,
// gapped 0.577 ± 0.050, unit sphere 7.114 ± 0.169).
//
// Example stage (forward convergence of seed 000 §5.1.1):
//   [sample]
//   plugin = "euler_maruyama"
//   direction = "forward"
//   [evaluate.w]
//   plugin = "law_distance"
//   law = "prior"
//   p = 1
#include <sgm/context.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/metric.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/rng.hpp>
#include <sgm/sliced_wasserstein.hpp>
#include <sgm/swiss_roll.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

namespace {

/// Rejects non-finite entries, naming the row.
void check_finite_rows(CRef x, const char* what) {
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      if (!std::isfinite(x(i, j)))
        throw Error(std::string("law_distance: ") + what + " row " + std::to_string(i) +
                    " is not finite (column " + std::to_string(j) + ")");
}

}  // namespace

/// Sliced Wasserstein distance from the samples to a fixed law; see the file header.
class LawDistance final : public sgm::Metric {
 public:
  enum class Law { prior, sphere, swiss_roll };

  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"law_distance",
                     "Sliced Wasserstein distance (exact W_p in 1-D) from the samples to a fixed "
                     "law: the SDE's prior, a sphere, or a Swiss roll"};
    p.add<std::string>("law", "prior",
                       "prior (the [sde]'s prior: forward convergence, seed 000 §5.1), sphere "
                       "(uniform, centred at 0) or swiss_roll (seed 000 Table 4.2)")
        .choices({"prior", "sphere", "swiss_roll"});
    p.add<std::int64_t>("p", 1, "order p of W_p (1 or 2; seed 000 uses 1)").range(1, 2);
    p.add<std::int64_t>("projections", 100, "number L of random directions (seed 000: 100)").min(1);
    p.add<std::int64_t>("points", 0, "draws of the law (0: as many as samples)").min(0);
    p.add<double>("radius", 1.0, "sphere: radius").positive();
    p.add<double>("noise", 0.0, "swiss_roll: standard deviation of the Gaussian noise").min(0.0);
    p.add<double>("scale", 1.0, "swiss_roll: factor applied after the noise").positive();
    p.add<bool>("hole", false, "swiss_roll: scikit-learn's gapped roll (centre cell removed)");
    p.example(
        "[evaluate.w]\nplugin = \"law_distance\"\nlaw = \"prior\"\np = 1\nprojections = 100");
    return p;
  }

  LawDistance(const sgm::Params& p, const sgm::Context& ctx)
      : law_(parse_law(p.get<std::string>("law"))),
        p_(p.get_int("p")),
        projections_(p.get_int("projections")),
        points_(p.get<std::int64_t>("points")),
        radius_(p.get<double>("radius")),
        roll_{p.get<double>("noise"), p.get<double>("scale"), p.get<bool>("hole")},
        sde_(ctx.sde) {
    if (p_ < 1 || p_ > 2) throw Error("law_distance: p must be 1 or 2");
    if (projections_ < 1) throw Error("law_distance: projections must be >= 1");
    if (law_ == Law::prior && sde_ == nullptr)
      throw Error("law_distance: law = \"prior\" needs an [sde] stage (its prior is the law)");
    if (law_ == Law::swiss_roll && ctx.dataset != nullptr && ctx.dataset->dim() != 2 &&
        ctx.dataset->dim() != 3)
      throw Error("law_distance: law = \"swiss_roll\" needs 2-D or 3-D data, got dimension " +
                  std::to_string(ctx.dataset->dim()));
  }

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    const CRef& x = in.samples;
    if (x.rows() == 0) throw Error("law_distance: no samples");
    if (x.cols() == 0) throw Error("law_distance: samples have dimension 0");
    check_finite_rows(x, "samples");
    const Eigen::Index n = points_ > 0 ? static_cast<Eigen::Index>(points_) : x.rows();
    const Matrix y = draw_law(n, static_cast<int>(x.cols()), in);
    check_finite_rows(y, "law draw");

    return sgm::sliced_wasserstein(x, y, p_, static_cast<std::size_t>(projections_), in.seed,
                                   in.executor);
  }

 private:
  static constexpr std::size_t kRowGrain = 1024;
  static constexpr std::uint64_t kLawOffset = std::uint64_t{1} << 40;  // law rows' particle ids

  static Law parse_law(const std::string& s) {
    if (s == "prior") return Law::prior;
    if (s == "sphere") return Law::sphere;
    if (s == "swiss_roll") return Law::swiss_roll;
    throw Error("law_distance: law must be prior, sphere or swiss_roll, not '" + s + "'");
  }

  /// n draws of the law in R^d, row i from Rng(seed, streams::metric, 2^40 + i).
  Matrix draw_law(Eigen::Index n, int d, const sgm::MetricInput& in) const {
    if (law_ == Law::swiss_roll && d != 2 && d != 3)
      throw Error("law_distance: law = \"swiss_roll\" needs 2-D or 3-D samples, got dimension " +
                  std::to_string(d));
    Matrix y(n, d);
    const int sd = law_ == Law::prior ? sde_->state_dim(d) : d;
    in.executor.for_blocks(static_cast<std::size_t>(n), kRowGrain, [&](std::size_t b, std::size_t e) {
      const auto first = static_cast<Eigen::Index>(b);
      const auto rows = static_cast<Eigen::Index>(e - b);
      RowRng rng(in.seed, streams::metric, kLawOffset + b, rows);
      if (law_ == Law::prior) {
        Matrix state(rows, sd);
        sde_->prior_sample(state, rng);
        y.middleRows(first, rows) = state.leftCols(d);
        return;
      }
      for (Eigen::Index i = 0; i < rows; ++i) {
        Rng& r = rng.row(i);
        if (law_ == Law::sphere) sphere_point(r, y.row(first + i));
        else roll_.draw(r, y.row(first + i));
      }
    });
    return y;
  }

  void sphere_point(Rng& r, Eigen::Ref<Eigen::RowVectorXd> out) const {
    double norm2 = 0.0;
    while (!(norm2 > 0.0)) {
      norm2 = 0.0;
      for (Eigen::Index j = 0; j < out.size(); ++j) {
        out(j) = r.normal();
        norm2 += out(j) * out(j);
      }
    }
    out *= radius_ / std::sqrt(norm2);
  }

  Law law_;
  int p_;
  int projections_;
  std::int64_t points_;
  double radius_;
  SwissRollLaw roll_;  // as the `swiss_roll` dataset draws it
  const ForwardSde* sde_;  // the host keeps earlier stages alive while metrics run
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::LawDistance>(); }
}  // namespace

SGM_PLUGIN("law_distance", "0.1.0", register_components)
