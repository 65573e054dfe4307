// metric_checks.hpp: input checks shared by metric plugins, with messages that name the plugin,
// the input and the offending row.
#pragma once

#include <cmath>
#include <string>

#include "sgm/error.hpp"
#include "sgm/types.hpp"

namespace sgm {

/// \throws Error "<plugin>: <what> row i is not finite (column j)" on the first NaN or ±inf.
inline void check_finite_rows(CRef x, const std::string& plugin, const std::string& what) {
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      if (!std::isfinite(x(i, j)))
        throw Error(plugin + ": " + what + " row " + std::to_string(i) +
                    " is not finite (column " + std::to_string(j) + ")");
}

/// Checks that x has at least `min_rows` rows, dimension ≥ 1 and finite entries.
inline void check_points(CRef x, const std::string& plugin, const std::string& what,
                         Eigen::Index min_rows = 1) {
  if (x.rows() < min_rows)
    throw Error(plugin + ": need at least " + std::to_string(min_rows) + " " + what + " rows, got " +
                std::to_string(x.rows()));
  if (x.cols() == 0) throw Error(plugin + ": " + what + " have dimension 0");
  check_finite_rows(x, plugin, what);
}

/// Checks that samples and reference have the same dimension.
inline void check_same_dim(CRef samples, CRef reference, const std::string& plugin) {
  if (samples.cols() != reference.cols())
    throw Error(plugin + ": samples have dimension " + std::to_string(samples.cols()) +
                " but the reference has dimension " + std::to_string(reference.cols()));
}

}  // namespace sgm
