// bench.hpp: `sgm bench`, the performance figures of DESIGN.md ("Performance targets"), each
// next to the machine's single-precision GEMM peak measured in the same run.
#pragma once

#include <ostream>

#include "sgm/host/registry.hpp"

namespace sgm::host {

struct BenchOptions {
  int threads = 0;              // 0: all cores
  double seconds = 2.0;         // time per measurement
  long train_batch = 512;
  long sample_particles = 8192;
  long sample_steps = 50;
};

/// Prints one line per figure to `out` as it is measured.
void run_bench(const ComponentRegistry& registry, const BenchOptions& o, std::ostream& out);

struct MetricBenchOptions {
  int threads = 0;           // 0: all cores
  long points = 100000;      // generated and reference points (2-D)
};

/// `sgm bench --metrics`: the time of every installed metric on `points` 2-D points, one line each.
void run_metric_bench(const ComponentRegistry& registry, const MetricBenchOptions& o,
                      std::ostream& out);

}  // namespace sgm::host
