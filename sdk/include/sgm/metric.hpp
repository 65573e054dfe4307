// metric.hpp: named numbers computed from generated samples and reference samples.
#pragma once

#include <cstdint>
#include <memory>
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

/// Folds generated samples in chunk by chunk, so a run of 10^7 particles never holds them all
/// (issue 8, bounded memory). The host calls add() once per chunk, in row order, from one thread
/// at a time (add may use the executor inside), then finish() once.
class SGM_SDK_VISIBLE MetricAccumulator {
 public:
  virtual ~MetricAccumulator() = default;
  /// Rows first, first + 1, ... of the generated samples.
  virtual void add(CRef samples, std::uint64_t first) = 0;
  virtual MetricValues finish() = 0;
};

/// Implemented, beside Metric, by a metric whose value can be accumulated over chunks (the host
/// asks with dynamic_cast). A run that streams (`run.stream`) evaluates the other metrics on its
/// first chunk of samples. Implement evaluate() as accumulate + one add + finish, so both paths
/// give the same bits, whatever the chunking.
class SGM_SDK_VISIBLE StreamingMetric {
 public:
  virtual ~StreamingMetric() = default;
  /// `in.samples` is empty; everything `in` refers to outlives the accumulator.
  virtual std::unique_ptr<MetricAccumulator> accumulate(const MetricInput& in) const = 0;
};

/// evaluate() of a streaming metric: its samples as one chunk.
inline MetricValues evaluate_in_one_chunk(const StreamingMetric& m, const MetricInput& in) {
  const Matrix none(0, in.samples.cols());
  auto acc = m.accumulate(MetricInput{none, in.reference, in.dataset, in.seed, in.executor});
  acc->add(in.samples, 0);
  return acc->finish();
}

}  // namespace sgm
