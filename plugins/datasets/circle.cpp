// circle.cpp: dataset `circle` (d = 2), the circle data of seed 000 (MEng thesis, §3.2, §4.2.2;
// MATH.md §C3):
//
//   points = n > 0 ("circle_points"): x = R(cos θ_i, sin θ_i) + noise·z, θ_i = φ + 2πi/n, i uniform
//                                      in {0..n-1}; the seed's training set is n = 8, R = 1, φ = 0;
//   points = 0     ("circle_uniform"): x = R(cos θ, sin θ) + noise·z, θ ~ U[0, 2π) shifted by φ;
//
// z ~ N(0, I₂). The phase φ is `rotation`, plus π/n when split = "test".
//
// Test set, corrected form (MATH.md §C3 and errata §C12.4): the seed builds its test set by
// rotating the 8 training points by π/4, which maps the set onto itself (the "test" set would be
// the training set). The test set here is the training set rotated by half the spacing, π/n
// (π/8 for n = 8), which lies midway between training points.
//
// With n > 0 and noise > 0 the law is the Gaussian mixture (1/n) Σ_i N(R(cos θ_i, sin θ_i),
// noise² I): mixture(), log_density() and score() are then exact, so `analytic_gmm` works on it.
// With noise = 0 (the seed's literal training set) it is a set of Dirac masses: no density.
//
// Example stage (the seed's 8 training points; a test set is the same with split = "test"):
//   [dataset]
//   plugin = "circle"
//   radius = 1.0
//   points = 8
//   noise = 0.0
#include <sgm/dataset.hpp>
#include <sgm/gaussian_mixture.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

#include <cmath>
#include <numbers>
#include <optional>
#include <string>
#include <vector>

namespace sgm::plugins::datasets {

class Circle final : public Dataset {
 public:
  static ParamSpec params() {
    ParamSpec p{"circle", "Points on a circle (seed 000): n equally spaced points or uniform"};
    p.add<double>("radius", 1.0, "circle radius R").positive();
    p.add<std::int64_t>("points", 8,
                        "n equally spaced points (the seed's training set has 8); 0 = uniform "
                        "angle on the whole circle")
        .min(0);
    p.add<double>("noise", 0.0, "standard deviation of the Gaussian noise added to each point")
        .min(0.0);
    p.add<double>("rotation", 0.0, "phase φ of the points (radians)");
    p.add<std::string>("split", "train",
                       "train, or test = rotated by a further π/n (midway between training "
                       "points; MATH.md §C3 corrects the seed's π/4)")
        .choices({"train", "test"});
    p.example(
        "[dataset]\n"
        "plugin = \"circle\"\n"
        "radius = 1.0\n"
        "points = 8\n"
        "noise = 0.0\n");
    return p;
  }

  explicit Circle(const Params& p)
      : radius_(p.get<double>("radius")),
        noise_(p.get<double>("noise")),
        points_(p.get_int("points")),
        phase_(phase_of(p.get<double>("rotation"), p.get<std::string>("split"), points_)) {
    if (!std::isfinite(radius_) || !std::isfinite(noise_) || !std::isfinite(phase_))
      throw Error("circle: radius, noise and rotation must be finite");
    if (points_ > 0 && noise_ > 0.0) mixture_ = make_mixture();
  }

  // Documentation inherited.
  int dim() const override { return 2; }

  void sample(Ref out, RowRng& rng) const override {
    if (out.cols() != 2) throw Error("circle: sample needs n x 2 output");
    for (Eigen::Index i = 0; i < out.rows(); ++i) {
      Rng& r = rng.row(i);
      const double theta = points_ > 0 ? point_angle(static_cast<int>(r.below(
                                             static_cast<std::uint64_t>(points_))))
                                       : phase_ + 2.0 * std::numbers::pi * r.uniform();
      // Normals are drawn even when noise = 0, so a noisy sample is the noise-free one (same
      // seed) plus noise·z: the angle sequence does not depend on `noise`.
      const double z0 = r.normal(), z1 = r.normal();
      out(i, 0) = radius_ * std::cos(theta) + noise_ * z0;
      out(i, 1) = radius_ * std::sin(theta) + noise_ * z1;
    }
  }

  bool has_density() const override { return mixture_.has_value(); }
  void log_density(CRef x, VecRef out) const override {
    check_cols(x.cols());
    need_mixture().log_density(x, out);
  }
  void score(CRef x, Ref out) const override {
    check_cols(x.cols());
    need_mixture().score(x, out);
  }
  const GaussianMixture* mixture() const override { return mixture_ ? &*mixture_ : nullptr; }

 private:
  static double phase_of(double rotation, const std::string& split, int points) {
    if (split != "test" || points == 0) return rotation;  // a uniform circle is rotation invariant
    return rotation + std::numbers::pi / points;          // half the spacing 2π/n (MATH.md §C3)
  }
  double point_angle(int i) const { return phase_ + 2.0 * std::numbers::pi * i / points_; }

  // (1/n) Σ_i N(x_i, noise² I): equal weights, the points as means.
  GaussianMixture make_mixture() const {
    Matrix means(points_, 2);
    for (int i = 0; i < points_; ++i) {
      means(i, 0) = radius_ * std::cos(point_angle(i));
      means(i, 1) = radius_ * std::sin(point_angle(i));
    }
    const Eigen::MatrixXd cov = noise_ * noise_ * Eigen::MatrixXd::Identity(2, 2);
    return GaussianMixture(Eigen::VectorXd::Constant(points_, 1.0 / points_), std::move(means),
                           std::vector<Eigen::MatrixXd>(static_cast<std::size_t>(points_), cov));
  }

  static void check_cols(Eigen::Index cols) {
    if (cols != 2)
      throw Error("circle: got points of dimension " + std::to_string(cols) + ", expected 2");
  }

  const GaussianMixture& need_mixture() const {
    if (!mixture_)
      throw Error(points_ == 0
                      ? "circle: the uniform circle (points = 0) has no density implemented"
                      : "circle: with noise = 0 the data are Dirac masses and have no density; "
                        "set noise > 0");
    return *mixture_;
  }

  double radius_, noise_;
  int points_;
  double phase_;
  std::optional<GaussianMixture> mixture_;
};

}  // namespace sgm::plugins::datasets

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::datasets::Circle>(); }
}  // namespace

SGM_PLUGIN("circle", "0.1.0", register_components)
