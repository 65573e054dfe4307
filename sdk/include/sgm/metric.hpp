// metric.hpp: named numbers computed from generated samples and reference samples.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sgm/abi.hpp"
#include "sgm/component.hpp"
#include "sgm/context.hpp"
#include "sgm/dataset.hpp"
#include "sgm/types.hpp"

namespace sgm {

/// Inputs of a metric. `reference` holds fresh samples of the dataset; `dataset` is the
/// dataset itself (for exact densities). Use `executor` for parallel loops and `seed` (with
/// streams::metric) for any randomness.
struct MetricInput {
  CRef samples;
  CRef reference;
  const Dataset* dataset;
  std::uint64_t seed;
  const Executor& executor;
};

/// Ordered (name, value) pairs, e.g. {"sw2", 0.012}, {"sw2_stderr", 0.001}.
using MetricValues = std::vector<std::pair<std::string, double>>;

class SGM_SDK_VISIBLE Metric {
 public:
  static constexpr ComponentKind kind = ComponentKind::metric;
  virtual ~Metric() = default;

  virtual MetricValues evaluate(const MetricInput& in) const = 0;
};

}  // namespace sgm
