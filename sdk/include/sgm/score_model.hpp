// score_model.hpp: an approximation s(x, t) of ∇_x log p_t(x) in state space.
#pragma once

#include "sgm/abi.hpp"
#include "sgm/component.hpp"
#include "sgm/error.hpp"
#include "sgm/types.hpp"

namespace sgm {

class SGM_SDK_VISIBLE ScoreModel {
 public:
  static constexpr ComponentKind kind = ComponentKind::score;
  virtual ~ScoreModel() = default;

  /// out = s(x, t) for every row of x (n x state_dim). const and concurrency-safe.
  virtual void score(CRef x, double t, Ref out) const = 0;

  /// Whether jvp() is exact and available (needed for exact divergences, e.g. the `nll` metric).
  virtual bool has_jvp() const { return false; }
  /// out(i, :) = ∇ₓs(x_i, t) v_i, the Jacobian of the score applied to row i of v.
  /// \throws Error if !has_jvp().
  virtual void jvp(CRef /*x*/, double /*t*/, CRef /*v*/, Ref /*out*/) const {
    throw Error("this score model has no Jacobian-vector product");
  }
};

}  // namespace sgm
