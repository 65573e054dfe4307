// swiss_roll.cpp: dataset `swiss_roll`, the scikit-learn swiss roll (make_swiss_roll) used by
// seed 000 (MEng thesis §4.2.3, §5.3.1; MATH.md §C3, errata §C12.6):
//
//   u, v ~ U(0, 1),  t = 1.5π(1 + 2u),  y = 21 v,
//   dim = 3: x = scale · ((t cos t, y, t sin t) + noise · z),  z ~ N(0, I₃)   (seed 000's roll)
//   dim = 2: x = scale · ((t cos t, t sin t) + noise · (z₀, z₂))             (the 2-D toy roll)
//
// The 2-D roll is exactly columns (0, 2) of the 3-D roll drawn with the same seed: every row draws
// u, v, z₀, z₁, z₂ in that order whatever `dim`, `noise` and `scale` are (sgm/swiss_roll.hpp,
// shared with law_distance).
// hole = true is scikit-learn's gapped roll (seed 000's "gapped Swiss roll"): (t, y) uniform on
// one of the 8 outer cells [π(1.5+i), π(2.5+i)] × [7j, 7j+7], i, j ∈ {0,1,2}, centre cell removed.
//
// Defaults (cited): seed 000's ground-truth roll is noise-free and unscaled (MATH.md §C3:
// "Unscaled (coordinates up to ≈14 and 21)"), so noise = 0 and scale = 1; its "noised Swiss
// roll" N(0₃, 1.5·I₃) is noise = 1.5 (std, MATH.md §C12.6). Seed 000 uses dim = 3; dim = 2 is the
// default here, the planar roll common in 2-D SGM toys (CLD-SGM's uses columns [0, 2], MATH.md §4).
// No density: the noise-free roll lies on a manifold and the noisy one has no closed form.
//
// Example stage (seed 000's noised 3-D roll):
//   [dataset]
//   plugin = "swiss_roll"
//   dim = 3
//   noise = 1.5
#include <sgm/dataset.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/swiss_roll.hpp>

#include <cmath>
#include <string>

namespace sgm::plugins::datasets {

class SwissRoll final : public Dataset {
 public:
  static ParamSpec params() {
    ParamSpec p{"swiss_roll", "scikit-learn swiss roll (seed 000), planar (dim 2) or 3-D"};
    p.add<std::int64_t>("dim", 2, "2: (t cos t, t sin t); 3: (t cos t, 21v, t sin t)").range(2, 3);
    p.add<double>("noise", 0.0, "standard deviation of the Gaussian noise (before scaling)")
        .min(0.0);
    p.add<double>("scale", 1.0, "factor applied to every coordinate after the noise").positive();
    p.add<bool>("hole", false, "scikit-learn's gapped roll: the centre cell of (t, y) removed");
    p.example(
        "[dataset]\n"
        "plugin = \"swiss_roll\"\n"
        "dim = 2\n"
        "noise = 0.0\n"
        "scale = 1.0\n");
    return p;
  }

  explicit SwissRoll(const Params& p)
      : dim_(p.get_int("dim")),
        roll_{p.get<double>("noise"), p.get<double>("scale"), p.get<bool>("hole")} {
    if (dim_ != 2 && dim_ != 3) throw Error("swiss_roll: dim must be 2 or 3");
    if (!std::isfinite(roll_.noise) || !std::isfinite(roll_.scale))
      throw Error("swiss_roll: noise and scale must be finite");
  }

  // Documentation inherited.
  int dim() const override { return dim_; }

  void sample(Ref out, RowRng& rng) const override {
    if (out.cols() != dim_)
      throw Error("swiss_roll: sample needs n x " + std::to_string(dim_) + " output");
    for (Eigen::Index i = 0; i < out.rows(); ++i) roll_.draw(rng.row(i), out.row(i));
  }

 private:
  int dim_;
  SwissRollLaw roll_;
};

}  // namespace sgm::plugins::datasets

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::datasets::SwissRoll>(); }
}  // namespace

SGM_PLUGIN("swiss_roll", "0.1.0", register_components)
