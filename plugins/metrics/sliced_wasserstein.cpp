// sliced_wasserstein.cpp: the sliced Wasserstein distance between generated samples and
// reference samples (MATH.md §C4, seed 000 App D.1).
//
//   θ_l = z_l / ‖z_l‖,  z_l ~ N(0, I_d)  (uniform on S^{d−1}),  l = 0..L−1, drawn from
//         Rng(seed, streams::metric, l), so direction l never depends on threading;
//   SW_p = ( (1/L) Σ_l W_p^p(θ_lᵀX, θ_lᵀY) )^{1/p},
//   W_p^p(μ, ν) = ∫₀¹ |F_μ⁻¹(u) − F_ν⁻¹(u)|^p du   (1-D, exact for the empirical laws: the
//         quantile functions are step functions with breakpoints i/n and j/m, and the integral is
//         summed piecewise on their union; for n = m it is the mean of |x_(i) − y_(i)|^p).
//   Reported: "sw<p>" = SW_p; "sw<p>_stderr", the Monte-Carlo standard error over projections
//         carried to the p-th root by the delta method, se(SW_p) = se(mean W_p^p)/(p·SW_p^{p−1})
//         (0 when every projection gives 0; NaN when L = 1, where it cannot be estimated);
//         "projections" = L.
//   Reference values: SW_2²(N(0,I_d), N(Δ,I_d)) = ‖Δ‖²/d; SW_1 = ‖Δ‖Γ(d/2)/(√π Γ((d+1)/2)).
//
// Example stage:
//   [evaluate.sw]
//   plugin = "sliced_wasserstein"
//   p = 2
//   projections = 200
#include <sgm/metric.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/rng.hpp>
#include <sgm/sliced_wasserstein.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

namespace {

/// Rejects non-finite entries, naming the row.
void check_rows(CRef x, const char* what) {
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      if (!std::isfinite(x(i, j)))
        throw Error(std::string("sliced_wasserstein: ") + what + " row " + std::to_string(i) +
                    " is not finite (column " + std::to_string(j) + ")");
}

}  // namespace

/// Sliced Wasserstein distance SW_p over random directions; see the file header.
class SlicedWasserstein final : public sgm::Metric {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"sliced_wasserstein",
                     "Sliced Wasserstein distance SW_p over random directions on the sphere"};
    p.add<std::int64_t>("p", 2, "order p of W_p (1 or 2)").range(1, 2);
    p.add<std::int64_t>("projections", 200, "number L of random directions").min(1);
    p.example("[evaluate.sw]\nplugin = \"sliced_wasserstein\"\np = 2\nprojections = 200");
    return p;
  }

  explicit SlicedWasserstein(const sgm::Params& p)
      : p_{p.get_int("p")}, projections_{p.get_int("projections")} {
    if (p_ < 1 || p_ > 2) throw Error("sliced_wasserstein: p must be 1 or 2");
    if (projections_ < 1) throw Error("sliced_wasserstein: projections must be >= 1");
  }

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    const CRef& x = in.samples;
    const CRef& y = in.reference;
    if (x.rows() == 0) throw Error("sliced_wasserstein: no samples");
    if (y.rows() == 0) throw Error("sliced_wasserstein: no reference samples");
    if (x.cols() == 0) throw Error("sliced_wasserstein: samples have dimension 0");
    if (x.cols() != y.cols())
      throw Error("sliced_wasserstein: samples have dimension " + std::to_string(x.cols()) +
                  " but the reference has dimension " + std::to_string(y.cols()));
    check_rows(x, "samples");
    check_rows(y, "reference");
    return sgm::sliced_wasserstein(x, y, p_, static_cast<std::size_t>(projections_), in.seed,
                                   in.executor);
  }

 private:
  int p_;
  int projections_;
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) {
  r.add<sgm::plugins::metrics::SlicedWasserstein>();
}
}  // namespace

SGM_PLUGIN("sliced_wasserstein", "0.1.0", register_components)
