#include "sgm/host/streaming.hpp"

#include <algorithm>
#include <exception>

#include <sys/resource.h>

#include <fmt/format.h>

#include <sgm/error.hpp>

namespace sgm::host {

Eigen::Index pass_rows(Eigen::Index particles, Eigen::Index stream, Eigen::Index chunk) {
  if (stream <= 0 || stream >= particles) return particles;
  return std::min(particles, (stream + chunk - 1) / chunk * chunk);
}

/// Runs f for stage s, adding its wall time to s's label and naming the stage in any error.
template <class F>
auto StreamedEvaluation::timed(const Stage& s, F&& f) {
  const auto t0 = std::chrono::steady_clock::now();
  struct Clock {  // adds the time on every exit path
    double& total;
    std::chrono::steady_clock::time_point t0;
    ~Clock() { total += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
  } clock{seconds_[s.label], t0};
  try {
    return f();
  } catch (const std::exception& e) {
    throw Error(fmt::format("[evaluate.{}]: {}", s.label, e.what()));
  }
}

StreamedEvaluation::StreamedEvaluation(const Components& c, CRef reference, std::uint64_t seed,
                                       const Executor& ex, Eigen::Index keep)
    : c_(c), reference_(reference), seed_(seed), ex_(ex), keep_(keep) {
  const Matrix none(0, c.dataset->dim());
  for (const auto& [label, metric] : c.metrics) {
    Stage s{label, metric.get(), nullptr};
    if (const auto* streaming = dynamic_cast<const StreamingMetric*>(metric.get()))
      s.accumulator = timed(s, [&] {
        return streaming->accumulate(MetricInput{none, reference_, c.dataset.get(), seed_, ex_});
      });
    stages_.push_back(std::move(s));
  }
  if (subset_labels().empty()) keep_ = 0;  // every metric streams: keep no samples
}

void StreamedEvaluation::add(CRef samples, Eigen::Index first) {
  if (first != seen_)
    throw Error(fmt::format("internal: samples must arrive in row order (got row {}, expected {})", first, seen_));
  for (Stage& s : stages_)
    if (s.accumulator) timed(s, [&] { s.accumulator->add(samples, static_cast<std::uint64_t>(first)); });
  if (const Eigen::Index take = std::min(keep_ - kept_.rows(), samples.rows()); take > 0) {
    const Eigen::Index old = kept_.rows();
    kept_.conservativeResize(old + take, samples.cols());
    kept_.bottomRows(take) = samples.topRows(take);
  }
  seen_ += samples.rows();
}

std::vector<std::pair<std::string, double>> StreamedEvaluation::finish() {
  std::vector<std::pair<std::string, double>> out;
  for (Stage& s : stages_) {
    const MetricValues values = timed(s, [&] {
      if (s.accumulator) return s.accumulator->finish();
      return s.metric->evaluate(MetricInput{kept_, reference_, c_.dataset.get(), seed_, ex_});
    });
    for (const auto& [k, v] : values) out.emplace_back(s.label + "." + k, v);
  }
  return out;
}

std::vector<std::string> StreamedEvaluation::subset_labels() const {
  std::vector<std::string> labels;
  for (const Stage& s : stages_)
    if (!s.accumulator) labels.push_back(s.label);
  return labels;
}

SampleFiles::SampleFiles(const std::filesystem::path& dir, bool csv, bool npy, Eigen::Index rows,
                         Eigen::Index cols) {
  if (csv) {
    csv_.emplace(dir / "samples.csv");
    csv_->write(csv_header(cols));
  }
  if (npy) {
    npy_.emplace(dir / "samples.npy");
    npy_->write(npy_header(rows, cols));
  }
}

void SampleFiles::add(CRef samples) {
  if (csv_) csv_->write(csv_rows(samples));
  if (npy_) npy_->write(npy_rows(samples));
}

void SampleFiles::commit() {
  if (csv_) csv_->commit();
  if (npy_) npy_->commit();
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}

}  // namespace sgm::host
