// swiss_roll.hpp: one point of scikit-learn's swiss roll (make_swiss_roll), as the `swiss_roll`
// dataset draws it and `law_distance` (law = "swiss_roll") compares against it (MATH.md §C3).
//
//   t = 1.5π(1 + 2u), y = 21v,  u, v ~ U(0, 1)                       (hole = false)
//   a cell (i, j) of the 3×3 grid on (t, y) other than the centre, uniform inside it   (hole = true)
//   dim 3: x = scale · ((t cos t, y, t sin t) + noise · z),  z ~ N(0, I₃)
//   dim 2: x = scale · ((t cos t, t sin t) + noise · (z₀, z₂))
//
// Every point draws u (or the cell and u), v, then z₀, z₁, z₂, whatever the dimension, so the
// 2-D roll is exactly columns (0, 2) of the 3-D roll drawn from the same generator.
#pragma once

#include <cmath>
#include <numbers>

#include "sgm/rng.hpp"
#include "sgm/types.hpp"

namespace sgm {

/// The law of the (noised, scaled, optionally gapped) swiss roll in 2 or 3 dimensions.
struct SwissRollLaw {
  double noise = 0.0;  ///< standard deviation of the Gaussian noise, before scaling
  double scale = 1.0;  ///< factor applied after the noise
  bool hole = false;   ///< scikit-learn's gapped roll: the centre cell of (t, y) removed

  /// Draws one point into `out` (size 2 or 3) from `r`.
  void draw(Rng& r, Eigen::Ref<Eigen::RowVectorXd> out) const {
    double t = 0.0, y = 0.0;
    draw_ty(r, t, y);
    const double z0 = r.normal(), z1 = r.normal(), z2 = r.normal();
    const double a = t * std::cos(t) + noise * z0;
    const double b = t * std::sin(t) + noise * z2;
    if (out.size() == 3) {
      out(0) = scale * a;
      out(1) = scale * (y + noise * z1);
      out(2) = scale * b;
    } else {
      out(0) = scale * a;
      out(1) = scale * b;
    }
  }

 private:
  // The roll parameter t and the height y.
  void draw_ty(Rng& r, double& t, double& y) const {
    constexpr double pi = std::numbers::pi;
    if (!hole) {
      t = 1.5 * pi * (1.0 + 2.0 * r.uniform());
      y = 21.0 * r.uniform();
      return;
    }
    // One of the cells (i, j), i, j ∈ {0, 1, 2}, index 3i + j, skipping the centre (index 4).
    int cell = static_cast<int>(r.below(8));
    if (cell >= 4) ++cell;
    const int ci = cell / 3, cj = cell % 3;
    t = pi * (1.5 + ci) + pi * r.uniform();
    y = 7.0 * cj + 7.0 * r.uniform();
  }
};

}  // namespace sgm
