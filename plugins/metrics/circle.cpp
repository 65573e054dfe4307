// circle.cpp: seed 000's circle metrics C1 and C2 in polar coordinates (seed 000 §4.2.2,
// Figs 5.11–5.13; MATH.md §C4 with its errata: atan2 instead of arctan(y/x), S_r for "S_S").
//
//   u = x − centre, r = ‖u‖, θ = atan2(u₂, u₁) mod 2π ∈ [0, 2π);
//   C1(G, S) = W1(G_r, S_r) + W1(G_θ, S_θ)        against the reference set S = `reference`
//              (the training set to measure memorisation, or the rotated test set to measure
//              generalisation: the pipeline decides which set it passes as reference);
//   C2(G)    = W1(G_r, δ_R) + W1(G_θ, U[0, 2π))  against the ideal circle of radius R.
//   angle = "linear": W1 on the interval [0, 2π) (the seed's choice; depends on the cut at 0);
//   angle = "circular": W1 on the circle S¹, min_c ∫₀^{2π}|F_G − F_S − c| dθ, rotation invariant
//   (sgm/wasserstein.hpp). All W1 are exact for the empirical laws.
//   Reported: "c1_radius", "c1_angle", "c1" (only when the reference has rows), "c2_radius",
//   "c2_angle", "c2".
//   Reference values (MATH.md §C4): 8 points at iπ/4 vs U[0,2π): c2_angle = π/8 (linear),
//   π/16 (circular); C1(train, train rotated by π/8) = π/8; W1({0.9, 1.2}, δ_1) = 0.15.
//
// Example stage:
//   [evaluate.circle]
//   plugin = "circle"
//   radius = 1.0
//   angle = "circular"
#include <sgm/metric.hpp>
#include <sgm/metric_checks.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/wasserstein.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

/// C1 and C2 circle metrics; see the file header.
class Circle final : public sgm::Metric {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"circle", "Seed 000's circle metrics C1 (vs reference) and C2 (vs ideal circle)"};
    p.add<double>("radius", 1.0, "radius R of the ideal circle in C2").min_open(0.0);
    p.add<double>("center_x", 0.0, "first coordinate of the circle's centre");
    p.add<double>("center_y", 0.0, "second coordinate of the circle's centre");
    p.add<std::string>("angle", "linear", "W1 of angles on [0, 2π) (linear) or on S¹ (circular)")
        .choices({"linear", "circular"});
    p.example("[evaluate.circle]\nplugin = \"circle\"\nradius = 1.0\nangle = \"circular\"");
    return p;
  }

  explicit Circle(const sgm::Params& p)
      : radius_{p.get<double>("radius")},
        cx_{p.get<double>("center_x")},
        cy_{p.get<double>("center_y")},
        circular_{p.get<std::string>("angle") == "circular"} {}

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    const std::string name = "circle";
    check_points(in.samples, name, "samples");
    if (in.samples.cols() != 2)
      throw Error("circle: samples must be 2-D, got dimension " + std::to_string(in.samples.cols()));
    constexpr double two_pi = 2.0 * std::numbers::pi;
    std::vector<double> gr, gt;
    polar(in.samples, gr, gt);
    sgm::MetricValues out;
    if (in.reference.rows() > 0) {
      check_points(in.reference, name, "reference");
      check_same_dim(in.samples, in.reference, name);
      std::vector<double> sr, st;
      polar(in.reference, sr, st);
      const double c1r = wasserstein_pp_sorted(gr, sr, 1);
      const double c1t = circular_ ? circular_w1_sorted(gt, st, two_pi) : wasserstein_pp_sorted(gt, st, 1);
      out.emplace_back("c1_radius", c1r);
      out.emplace_back("c1_angle", c1t);
      out.emplace_back("c1", c1r + c1t);
    }
    const double c2r = w1_to_point(gr, radius_);
    const double c2t = circular_ ? circular_w1_sorted_to_uniform(gt, two_pi)
                                 : w1_sorted_to_uniform(gt, 0.0, two_pi);
    out.emplace_back("c2_radius", c2r);
    out.emplace_back("c2_angle", c2t);
    out.emplace_back("c2", c2r + c2t);
    return out;
  }

 private:
  /// Sorted radii and angles in [0, 2π) about the centre.
  void polar(CRef x, std::vector<double>& r, std::vector<double>& t) const {
    constexpr double two_pi = 2.0 * std::numbers::pi;
    r.resize(static_cast<std::size_t>(x.rows()));
    t.resize(r.size());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      const double u = x(i, 0) - cx_, v = x(i, 1) - cy_;
      double a = std::atan2(v, u);
      if (a < 0.0) a += two_pi;
      if (a >= two_pi) a = 0.0;  // −tiny + 2π rounds to 2π
      r[static_cast<std::size_t>(i)] = std::hypot(u, v);
      t[static_cast<std::size_t>(i)] = a;
    }
    std::sort(r.begin(), r.end());
    std::sort(t.begin(), t.end());
  }

  double radius_, cx_, cy_;
  bool circular_;
};

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::Circle>(); }
}  // namespace

SGM_PLUGIN("circle", "0.1.0", register_components)
