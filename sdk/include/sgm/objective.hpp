// objective.hpp: a score-matching loss and its gradient for a trainable score model
// (MATH.md §2, §B1: DSM, SSM, SSM-VR, ISM, ESM, HSM and their weightings). The host draws the
// minibatch, splits it into chunks, calls the objective once per chunk (concurrently, each with
// its own tape and gradient buffer) and reduces the chunks in a fixed order.
#pragma once

#include <span>

#include "sgm/abi.hpp"
#include "sgm/component.hpp"
#include "sgm/rng.hpp"
#include "sgm/trainable.hpp"
#include "sgm/types.hpp"

namespace sgm {

class SGM_SDK_VISIBLE Objective {
 public:
  static constexpr ComponentKind kind = ComponentKind::objective;
  virtual ~Objective() = default;

  /// For one chunk of data rows x0 (n x d, data space): returns the SUM over rows of the
  /// per-row loss and adds its gradient w.r.t. the model's parameters into `grad` (the host
  /// divides both by the batch size). Row i draws its randomness (times, noise, projections)
  /// from rng.row(i) only, so results do not depend on how the batch is chunked.
  /// const and concurrency-safe for distinct tapes and gradient buffers.
  virtual double loss_and_gradient(const TrainableScore& model, CRef x0, RowRng& rng,
                                   ModelTape& tape, std::span<double> grad) const = 0;
};

}  // namespace sgm
