// streaming.hpp: a run's samples in passes of bounded size (issue 8, bounded memory at scale).
// Each pass is sampled, folded into the metrics and appended to the sample files, then dropped,
// so peak memory grows with `run.stream`, not with `run.particles`.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sgm/metric.hpp>
#include <sgm/types.hpp>

#include "sgm/host/output.hpp"
#include "sgm/host/runner.hpp"

namespace sgm::host {

/// Rows per pass: all particles when `stream` is 0 or not smaller, else `stream` rounded up to a
/// multiple of `chunk`, so every parallel block starts where it would in one pass and the
/// samples are the same bits.
Eigen::Index pass_rows(Eigen::Index particles, Eigen::Index stream, Eigen::Index chunk);

/// The pipeline's metrics over samples that arrive a pass at a time, in row order. A streaming
/// metric (sgm::StreamingMetric) folds in every pass; any other metric is evaluated at finish()
/// on the first `keep` rows (the first pass: rows are i.i.d., so they are a fair subset).
class StreamedEvaluation {
 public:
  StreamedEvaluation(const Components& c, CRef reference, std::uint64_t seed, const Executor& ex,
                     Eigen::Index keep);
  void add(CRef samples, Eigen::Index first);
  /// Each metric's values as "label.name", in the pipeline's order.
  std::vector<std::pair<std::string, double>> finish();
  /// Wall time per metric label, summed over passes.
  const std::map<std::string, double>& seconds() const { return seconds_; }
  /// Labels of the metrics that were evaluated on the first `keep` rows only.
  std::vector<std::string> subset_labels() const;
  Eigen::Index rows_seen() const { return seen_; }

 private:
  struct Stage {
    std::string label;
    const Metric* metric;
    std::unique_ptr<MetricAccumulator> accumulator;  // null: evaluated on `kept_`
  };
  template <class F>
  auto timed(const Stage& s, F&& f);

  const Components& c_;
  CRef reference_;
  std::uint64_t seed_;
  const Executor& ex_;
  Eigen::Index keep_;
  std::vector<Stage> stages_;
  Matrix kept_;
  Eigen::Index seen_ = 0;
  std::map<std::string, double> seconds_;
};

/// samples.csv and samples.npy written a pass at a time; both appear complete on commit() or
/// not at all.
class SampleFiles {
 public:
  SampleFiles(const std::filesystem::path& dir, bool csv, bool npy, Eigen::Index rows, Eigen::Index cols);
  void add(CRef samples);
  void commit();

 private:
  std::optional<AtomicFile> csv_, npy_;
};

/// Peak resident memory of this process so far, in MB (getrusage's ru_maxrss).
double peak_rss_mb();

}  // namespace sgm::host
