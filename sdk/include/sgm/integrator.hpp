// integrator.hpp: moves a batch of states along a time grid, given an SDE and (for reverse-time
// sampling) a score model. Integrators see a block of rows at a time and must draw row i's noise
// from rng.row(i) only, so chunking and thread count never change the result.
#pragma once

#include <cstdint>

#include "sgm/abi.hpp"
#include "sgm/component.hpp"
#include "sgm/context.hpp"
#include "sgm/forward_sde.hpp"
#include "sgm/rng.hpp"
#include "sgm/score_model.hpp"
#include "sgm/types.hpp"

namespace sgm {

enum class Direction {
  reverse,  // from the prior at T down to ε: generation
  forward   // from the data at 0 up to T: noising
};

/// What an integration did, per particle.
struct IntegrationStats {
  std::uint64_t steps = 0;        // time steps taken
  std::uint64_t score_evals = 0;  // number of score-function evaluations (NFE)
};

class SGM_SDK_VISIBLE Integrator {
 public:
  static constexpr ComponentKind kind = ComponentKind::integrator;
  virtual ~Integrator() = default;

  virtual Direction direction() const { return Direction::reverse; }
  /// Steps per particle, for progress reporting (an estimate for adaptive solvers).
  virtual std::uint64_t planned_steps() const = 0;

  /// Integrate the rows of `state` in place. `score` is null for forward integration.
  /// Calls progress.advance(rows) after each step. const and concurrency-safe.
  virtual IntegrationStats integrate(Ref state, const ForwardSde& sde, const ScoreModel* score,
                                     RowRng& rng, Progress& progress) const = 0;
};

}  // namespace sgm
