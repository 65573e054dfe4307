// phase_space.hpp: helpers for SDEs on a phase space (x, v), such as CLD (MATH.md §1): the
// data are lifted with an auxiliary Gaussian velocity v0 ~ N(0, var·I).
#pragma once

#include <cmath>
#include <string>

#include <Eigen/Core>

#include "sgm/error.hpp"
#include "sgm/rng.hpp"
#include "sgm/types.hpp"

namespace sgm {

/// state = [data, v0] with v0 ~ N(0, var·I); row i's velocity from rng.row(i).
inline void lift_with_gaussian_velocity(CRef data, Ref state, RowRng& rng, double var,
                                        const std::string& who) {
  const Eigen::Index d = data.cols();
  if (state.cols() != 2 * d || state.rows() != data.rows())
    throw Error(who + ": lift needs a state of 2 x the data dimension");
  const double sd = std::sqrt(var);
  state.leftCols(d) = data;
  for (Eigen::Index i = 0; i < data.rows(); ++i) {
    Rng& r = rng.row(i);
    for (Eigen::Index j = 0; j < d; ++j) state(i, d + j) = sd * r.normal();
  }
}

/// Block covariance diag(0, var) of the lifted initial state (x0 given, v0 ~ N(0, var)).
inline Eigen::MatrixXd gaussian_velocity_block_cov(double var) {
  Eigen::MatrixXd c = Eigen::MatrixXd::Zero(2, 2);
  c(1, 1) = var;
  return c;
}

}  // namespace sgm
