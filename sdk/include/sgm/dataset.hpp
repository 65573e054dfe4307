// dataset.hpp: a data distribution to sample from, with its exact density and score when known.
#pragma once

#include "sgm/abi.hpp"
#include "sgm/component.hpp"
#include "sgm/error.hpp"
#include "sgm/rng.hpp"
#include "sgm/types.hpp"

namespace sgm {

class GaussianMixture;

class SGM_SDK_VISIBLE Dataset {
 public:
  static constexpr ComponentKind kind = ComponentKind::dataset;
  virtual ~Dataset() = default;

  /// Dimension d of a data point.
  virtual int dim() const = 0;
  /// Fill every row of `out` (n x d) with a sample; row i must use rng.row(i) only.
  /// const and concurrency-safe: the host calls it on disjoint row blocks in parallel.
  virtual void sample(Ref out, RowRng& rng) const = 0;

  /// Whether log_density() and score() are exact and available.
  virtual bool has_density() const { return false; }
  /// log p(x) per row. \throws Error if !has_density().
  virtual void log_density(CRef /*x*/, VecRef /*out*/) const {
    throw Error("this dataset has no known density");
  }
  /// ∇ log p(x) per row. \throws Error if !has_density().
  virtual void score(CRef /*x*/, Ref /*out*/) const {
    throw Error("this dataset has no known score");
  }
  /// The data law as a Gaussian mixture when it is one (enables analytic scores), else null.
  virtual const GaussianMixture* mixture() const { return nullptr; }
};

}  // namespace sgm
