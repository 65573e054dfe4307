// pipeline.hpp: TOML pipeline files. A pipeline names a plugin per stage and its parameters:
//
//   [run]            seed, particles, ...        (host settings, see run_spec())
//   [dataset]        plugin = "gmm", ...
//   [sde]            plugin = "vp", ...
//   [score]          plugin = "analytic_gmm"      (or a trainable model, e.g. "mlp")
//   [objective]      plugin = "dsm", ...          (with [train]: the loss to train [score] on)
//   [train]          iterations, batch_size, ...  (host settings, see train_spec())
//   [model]          checkpoint = "run/model.ckpt" (load trained weights; resume with [train])
//   [sample]         plugin = "euler_maruyama", steps = 1000
//   [evaluate.sw]    plugin = "sliced_wasserstein"   (one sub-table per metric, any label)
//   [output]         csv = true, npy = true
//   [sweep]          "sample.steps" = [50, 100], "sde.plugin" = ["vp", "ve"]   (optional grid)
//   [sweep.zip]      "dataset.noise" = [0, 1.5], "report.seed_value" = [0.17, 0.21]  (advance together)
//   [report]         title = "...", shows = "...", seed = "..."  (labels for tables and EXPERIMENTS.md)
//
// Everything is validated against the plugins' schemas before anything runs; every problem is
// reported as "file:line:col: [table].key: message", all of them at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include <sgm/params.hpp>

#include "sgm/host/registry.hpp"

namespace sgm::host {

/// Where something was written: "file:line:col", or the command line for --set overrides.
struct Location {
  std::string file;
  std::uint32_t line = 0, column = 0;
  std::string str() const;
};

/// One plugin stage: which plugin fills it, with its validated parameters.
struct StageConfig {
  std::string table;  // "sde", "evaluate.sw"
  ComponentKind kind = ComponentKind::dataset;
  std::string plugin;
  Location location;  // of the table header
  Params params;
};

/// All the problems found in a pipeline, one "location: message" per line.
class PipelineError : public Error {
 public:
  explicit PipelineError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const { return problems_; }

 private:
  std::vector<std::string> problems_;
};

/// One axis of a [sweep]: an override path and its values (as TOML text).
struct SweepAxis {
  std::string path;                 // "sample.steps"
  std::vector<std::string> values;  // "100", "'ve'"
  bool zipped = false;              // in [sweep.zip]: advances together with the other zipped axes
};

struct Pipeline {
  std::string file;
  Params run;     // validated against run_spec()
  Params output;  // validated against output_spec()
  std::optional<StageConfig> dataset, sde, score, objective, sample;
  std::optional<Params> train;  // [train], validated against train_spec(); absent: no training
  Params model;                 // [model], validated against model_spec()
  std::vector<StageConfig> metrics;  // sorted by label
  /// [report]: free-form labels (title, shows, seed, figure, ...), not used by the run; copied
  /// to metrics.json and pipeline.toml so tables and `sgm report` can show them.
  std::vector<std::pair<std::string, Value>> report;
  /// [sweep]: the grid's axes; the [sweep.zip] axes (all of one length) come last and form one
  /// dimension of the grid together.
  std::vector<SweepAxis> sweep;
  /// The override list of every grid point ("path=value", one per axis in the order of `sweep`),
  /// in row-major order of the grid (the zipped dimension last).
  std::vector<std::vector<std::string>> sweep_points() const;

  std::uint64_t seed() const { return static_cast<std::uint64_t>(run.get<std::int64_t>("seed")); }
  /// The pipeline with every default filled in, as TOML text (written to a run directory).
  std::string resolved_toml() const;
};

/// Host settings of [run] and [output], described like a plugin's parameters.
const ParamSpec& run_spec();
const ParamSpec& output_spec();
const ParamSpec& model_spec();

/// Parse and validate. `overrides` are "table.key=value" (values in TOML syntax; a bare word is
/// a string). \throws PipelineError listing every problem.
Pipeline load_pipeline(const std::filesystem::path& file, const std::vector<std::string>& overrides,
                       const ComponentRegistry& registry);
Pipeline parse_pipeline(const std::string& text, const std::string& file_name,
                        const std::vector<std::string>& overrides,
                        const ComponentRegistry& registry);

/// The pipelines of a sweep, one per grid point, each validated (all problems of all points are
/// reported at once, each prefixed with its point). A pipeline without [sweep] gives itself.
std::vector<Pipeline> expand_sweep(const std::filesystem::path& file,
                                   const std::vector<std::string>& overrides,
                                   const ComponentRegistry& registry);

}  // namespace sgm::host
