// score_model.hpp: an approximation s(x, t) of ∇_x log p_t(x) in state space.
#pragma once

#include "sgm/abi.hpp"
#include "sgm/component.hpp"
#include "sgm/types.hpp"

namespace sgm {

class SGM_SDK_VISIBLE ScoreModel {
 public:
  static constexpr ComponentKind kind = ComponentKind::score;
  virtual ~ScoreModel() = default;

  /// out = s(x, t) for every row of x (n x state_dim). const and concurrency-safe.
  virtual void score(CRef x, double t, Ref out) const = 0;
};

}  // namespace sgm
