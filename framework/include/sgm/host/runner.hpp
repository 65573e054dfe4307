// runner.hpp: building a pipeline's components and running its stages
// dataset -> sample -> evaluate -> write.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <sgm/sgm.hpp>

#include "sgm/host/pipeline.hpp"
#include "sgm/host/registry.hpp"

namespace sgm::host {

/// The live components of a pipeline.
struct Components {
  std::shared_ptr<Dataset> dataset;
  std::shared_ptr<ForwardSde> sde;
  std::shared_ptr<ScoreModel> score;
  std::string score_name;                // its plugin, for error messages
  std::shared_ptr<Objective> objective;  // with [train]
  std::shared_ptr<Integrator> integrator;
  std::vector<std::pair<std::string, std::shared_ptr<Metric>>> metrics;  // (label, metric)
};

/// Construct every stage in order (dataset, sde, score, integrator, metrics), checking that
/// they fit together. \throws PipelineError naming the stage's location in the file.
Components build_components(const Pipeline& p, const ComponentRegistry& registry,
                            const Executor& executor);

/// Generate `particles` samples in data space with the pipeline's integrator. Rows are split
/// into chunks of `chunk` over the executor; the result does not depend on the thread count.
/// With `traced` > 0, the first `traced` particles' paths are kept (data coordinates, at most
/// about 200 recorded steps): `trajectories` rows are (step, particle, x0, x1, ...).
/// `first`: the index of the first particle, for a run sampled in passes (streaming.hpp): rows
/// first.. get exactly the values they get in a single pass when `first` is a multiple of `chunk`.
struct SampleResult {
  Matrix samples;
  IntegrationStats stats;
  double seconds = 0;
  Matrix trajectories;
};
SampleResult sample_particles(const Components& c, std::uint64_t seed, Eigen::Index particles,
                              Eigen::Index chunk, const Executor& executor, Progress& progress,
                              Eigen::Index traced = 0, Eigen::Index first = 0);

/// Draw n dataset samples from stream `stream` in parallel chunks: rows first .. first + n − 1.
Matrix sample_dataset(const Dataset& d, std::uint64_t seed, std::uint32_t stream, Eigen::Index n,
                      Eigen::Index chunk, const Executor& executor, Eigen::Index first = 0);

struct RunOptions {
  std::optional<std::filesystem::path> out;  // run directory; default runs/<stem>-<time>
  int threads = 0;                           // 0: all cores
  bool quiet = false;                        // no progress or log lines on stderr
  bool force = false;                        // allow an --out directory that holds a run
  bool in_sweep = false;  // a point of a concurrent sweep: the sweep owns the thread limit
};

struct RunResult {
  std::filesystem::path dir;
  Matrix samples;  // all samples; with run.stream, those of the first pass
  std::vector<std::pair<std::string, double>> metrics;   // "label.name" -> value
  std::vector<std::pair<std::string, double>> baseline;  // same, data vs data
  IntegrationStats stats;
  double sample_seconds = 0;
  double train_seconds = 0;
  double final_loss = 0;  // mean loss of the last loss.csv window (with [train])
  double peak_rss_mb = 0;  // the process's peak resident memory when the run finished
};

/// The [train] stage and [model] checkpoint loading: trains (or loads) c.score in place and
/// writes loss.csv and model.ckpt into `dir`. Returns the training seconds (0 when only loading).
/// `resume`: continue from `dir`/checkpoint.ckpt, the periodic checkpoint of an interrupted run.
/// On an interrupt it writes checkpoint.ckpt and loss.csv, then throws Interrupted.
struct TrainOutcome {
  double seconds = 0;
  double final_loss = 0;
  std::int64_t steps = 0;
};
TrainOutcome train_or_load(const Pipeline& p, const Components& c, const std::filesystem::path& dir,
                           const Executor& executor, bool show_progress, bool resume = false);

/// The pipeline.toml a run writes: every default filled in (compared on resume).
std::string resolved_text(const Pipeline& p);

/// Run a validated pipeline and write its run directory.
RunResult run_pipeline(const Pipeline& p, const ComponentRegistry& registry, const RunOptions& o);

/// A slice of a sweep: point k runs when k % count == index (Slurm array / MPI rank style).
struct Shard {
  int index = 0, count = 1;
};

/// Run the points of a sweep (from expand_sweep) concurrently on oneTBB (points and their
/// particles share `threads` workers), each into <dir>/point-<k>/, and keep <dir>/sweep.csv up
/// to date after every point: one row per point with its axis values, NFE, seconds, each metric
/// and each data-vs-data baseline. Beside it: summary.csv, summary.md and sweep.json (mean ±
/// standard error over a "run.seed" axis). Finished points of an earlier run are kept.
std::filesystem::path run_sweep(const std::vector<Pipeline>& points, const ComponentRegistry& registry,
                                const RunOptions& o, Shard shard = {});

/// Join sweep tables (e.g. from shards) into one, rows sorted by point, columns united.
std::string merge_sweep_tables(const std::vector<std::filesystem::path>& tables);
/// Write summary.csv, summary.md and sweep.json for a sweep table, in its directory.
void write_sweep_summaries(const std::filesystem::path& table);

}  // namespace sgm::host
