// types.hpp: the numeric vocabulary of the SDK. A batch of particles is a row-major matrix of
// doubles, one particle per row (DESIGN.md, "The SDK").
#pragma once

#include <Eigen/Core>

namespace sgm {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vector = Eigen::VectorXd;
using Ref = Eigen::Ref<Matrix>;
using CRef = Eigen::Ref<const Matrix>;
using VecRef = Eigen::Ref<Eigen::VectorXd>;
using CVecRef = Eigen::Ref<const Eigen::VectorXd>;

}  // namespace sgm
