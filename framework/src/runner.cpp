// runner.cpp: the stages of a run (DESIGN.md, "The host").
#include "sgm/host/runner.hpp"
#include "sgm/host/streaming.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include "sgm/host/checked_score.hpp"
#include "sgm/host/checkpoint.hpp"
#include "sgm/host/executor.hpp"
#include "sgm/host/interrupt.hpp"
#include "sgm/host/output.hpp"
#include "sgm/host/param_validation.hpp"
#include "sgm/host/plot.hpp"
#include "sgm/host/progress.hpp"
#include "sgm/host/training.hpp"

namespace sgm::host {

namespace fs = std::filesystem;

namespace {

template <class I>
std::shared_ptr<I> build(const ComponentRegistry& r, const StageConfig& s, const Context& ctx) {
  try {
    return r.create<I>(s.plugin, s.params, ctx);
  } catch (const std::exception& e) {
    throw PipelineError({fmt::format("{}: [{}]: {}", s.location.str(), s.table, e.what())});
  }
}

/// Index of the first row with a NaN or Inf, or -1.
Eigen::Index first_non_finite_row(CRef m) {
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    if (!m.row(i).allFinite()) return i;
  return -1;
}

}  // namespace

Components build_components(const Pipeline& p, const ComponentRegistry& registry,
                            const Executor& executor) {
  Components c;
  Context ctx;
  ctx.seed = p.seed();
  ctx.executor = &executor;
  c.dataset = build<Dataset>(registry, *p.dataset, ctx);
  ctx.dataset = c.dataset.get();
  c.sde = build<ForwardSde>(registry, *p.sde, ctx);
  ctx.sde = c.sde.get();
  if (p.score) {
    c.score = build<ScoreModel>(registry, *p.score, ctx);
    c.score_name = p.score->plugin;
    ctx.score = c.score.get();
    const bool trainable = dynamic_cast<TrainableScore*>(c.score.get()) != nullptr;
    if ((p.train || !p.model.get<std::string>("checkpoint").empty()) && !trainable)
      throw PipelineError({fmt::format(
          "{}: [score]: '{}' has no trainable parameters; [train] and [model].checkpoint need a "
          "trainable model (e.g. plugin = \"mlp\")",
          p.score->location.str(), p.score->plugin)});
  }
  if (p.objective) c.objective = build<Objective>(registry, *p.objective, ctx);
  c.integrator = build<Integrator>(registry, *p.sample, ctx);
  if (c.integrator->direction() == Direction::reverse && !c.score)
    throw PipelineError({fmt::format(
        "{}: [sample]: '{}' integrates the reverse-time SDE and needs a score model: add a "
        "[score] stage (one of: {})",
        p.sample->location.str(), p.sample->plugin,
        fmt::join(registry.names(ComponentKind::score), ", "))});
  if (c.integrator->direction() == Direction::reverse && c.sde->diffusion_depends_on_state())
    throw PipelineError({fmt::format(
        "{}: [sample]: '{}' integrates the reverse-time SDE, which needs a diffusion G(t) that "
        "does not depend on the state; [sde] '{}' has state-dependent noise and can only be "
        "integrated forward (e.g. plugin = \"euler_maruyama\" with direction = \"forward\")",
        p.sample->location.str(), p.sample->plugin, p.sde->plugin)});
  for (const auto& m : p.metrics)
    c.metrics.emplace_back(m.table.substr(std::string("evaluate.").size()),
                           build<Metric>(registry, m, ctx));
  return c;
}

Matrix sample_dataset(const Dataset& d, std::uint64_t seed, std::uint32_t stream, Eigen::Index n,
                      Eigen::Index chunk, const Executor& executor, Eigen::Index first) {
  Matrix out(n, d.dim());
  executor.for_blocks(static_cast<std::size_t>(n), static_cast<std::size_t>(chunk),
                      [&](std::size_t b, std::size_t e) {
                        const auto rows = static_cast<Eigen::Index>(e - b);
                        RowRng rng(seed, stream, static_cast<std::uint64_t>(first) + b, rows);
                        d.sample(out.middleRows(static_cast<Eigen::Index>(b), rows), rng);
                      });
  if (const Eigen::Index bad = first_non_finite_row(out); bad >= 0)
    throw Error(fmt::format("dataset: sample {} is not finite", first + bad));
  return out;
}

namespace {

/// Forwards progress and stops the integration at the next step after an interrupt.
class InterruptibleProgress final : public Progress {
 public:
  explicit InterruptibleProgress(Progress& inner) : inner_(inner) {}
  void advance(std::uint64_t units) override {
    inner_.advance(units);
    throw_if_interrupted("interrupted while sampling; no samples or metrics were written");
  }

 private:
  Progress& inner_;
};

}  // namespace

namespace {
/// Records the first rows of one chunk after every few integration steps: integrators report
/// progress after each step with the state already updated (integrator.hpp), so the progress
/// sink sees every step's state without a change to the Integrator interface.
class TrajectoryRecorder final : public Progress {
 public:
  TrajectoryRecorder(Progress& inner, Ref state, Eigen::Index rows, int dim, std::uint64_t planned)
      : inner_(inner), state_(state), rows_(rows), dim_(dim),
        every_(std::max<std::uint64_t>(1, planned / kMaxRecordedSteps)) {
    record(0);
  }
  void advance(std::uint64_t units) override {
    inner_.advance(units);
    if (++steps_ % every_ == 0) record(steps_);
  }
  /// The rows (step, particle, x...), with the final state when the last step was not recorded.
  Matrix finish() {
    if (steps_ % every_ != 0) record(steps_);
    Matrix m(static_cast<Eigen::Index>(values_.size()) / (dim_ + 2), dim_ + 2);
    for (Eigen::Index i = 0; i < m.rows(); ++i)
      for (Eigen::Index j = 0; j < m.cols(); ++j)
        m(i, j) = values_[static_cast<std::size_t>(i * m.cols() + j)];
    return m;
  }

 private:
  static constexpr std::uint64_t kMaxRecordedSteps = 200;
  void record(std::uint64_t step) {
    for (Eigen::Index i = 0; i < rows_; ++i) {
      values_.push_back(static_cast<double>(step));
      values_.push_back(static_cast<double>(i));
      for (int j = 0; j < dim_; ++j) values_.push_back(state_(i, j));
    }
  }
  Progress& inner_;
  Ref state_;  // not CRef: a const Ref could bind to a copy, this must see the live state
  Eigen::Index rows_;
  int dim_;
  std::uint64_t every_, steps_ = 0;
  std::vector<double> values_;
};
}  // namespace

SampleResult sample_particles(const Components& c, std::uint64_t seed, Eigen::Index particles,
                              Eigen::Index chunk, const Executor& executor, Progress& outer,
                              Eigen::Index traced, Eigen::Index first_particle) {
  InterruptibleProgress progress(outer);
  Matrix trajectories;
  const int d = c.dataset->dim();
  const int sd = c.sde->state_dim(d);
  const bool reverse = c.integrator->direction() == Direction::reverse;
  Matrix state(particles, sd);
  std::vector<IntegrationStats> stats((static_cast<std::size_t>(particles) + chunk - 1) / chunk);
  const auto t0 = std::chrono::steady_clock::now();
  executor.for_blocks(
      static_cast<std::size_t>(particles), static_cast<std::size_t>(chunk),
      [&](std::size_t b, std::size_t e) {
        const auto first = static_cast<Eigen::Index>(b);
        const auto rows = static_cast<Eigen::Index>(e - b);
        const std::uint64_t row0 = static_cast<std::uint64_t>(first_particle) + b;  // global row
        auto block = state.middleRows(first, rows);
        if (reverse) {
          RowRng prior(seed, streams::prior, row0, rows);
          c.sde->prior_sample(block, prior);
        } else {
          Matrix data(rows, d);
          RowRng data_rng(seed, streams::data, row0, rows);
          c.dataset->sample(data, data_rng);
          RowRng lift_rng(seed, streams::lift, row0, rows);
          c.sde->lift(data, block, lift_rng);
        }
        RowRng noise(seed, streams::integrator, row0, rows);
        std::optional<CheckedScore> checked;  // NaN/Inf in a state or a score: stop, say where
        if (c.score) checked.emplace(*c.score, c.score_name, first_particle + first);
        const ScoreModel* score = checked ? &*checked : nullptr;
        auto& chunk_stats = stats[b / static_cast<std::size_t>(chunk)];
        if (row0 == 0 && traced > 0) {  // only the first chunk's task touches the recorder
          TrajectoryRecorder recorder(progress, block, std::min(traced, rows), d,
                                      c.integrator->planned_steps());
          chunk_stats = c.integrator->integrate(block, *c.sde, score, noise, recorder);
          trajectories = recorder.finish();
        } else {
          chunk_stats = c.integrator->integrate(block, *c.sde, score, noise, progress);
        }
      });
  SampleResult r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.stats = stats.empty() ? IntegrationStats{} : stats.front();
  if (const Eigen::Index bad = first_non_finite_row(state); bad >= 0)
    throw Error(fmt::format(
        "sample: particle {} is not finite after integration (first bad row; state {}); the "
        "integrator diverged: try more steps or check the score model",
        first_particle + bad, fmt::join(state.row(bad), ", ")));
  r.samples = state.leftCols(d);
  r.trajectories = std::move(trajectories);
  return r;
}

namespace {

/// Logs to stderr (unless quiet) and keeps the lines for run.log.
class RunLog {
 public:
  explicit RunLog(bool quiet) : quiet_(quiet) {}
  template <class... A>
  void operator()(fmt::format_string<A...> f, A&&... a) {
    const std::string line = fmt::format(f, std::forward<A>(a)...);
    if (!quiet_) std::cerr << line << '\n';
    text_ += line + '\n';
  }
  /// For run.log only (the caller reports it on stderr itself).
  void record(const std::string& line) { text_ += line + '\n'; }
  const std::string& text() const { return text_; }

 private:
  bool quiet_;
  std::string text_;
};

/// A short run sampling with the EMA weights keeps ema^iterations of the random initial weights
/// in them (22% for 0.999 over 1500 steps; 300 steps on the Swiss roll example gave sliced W2 97
/// against 0.21 with the warm-up): above 5%, say so, with the ways out.
void warn_of_ema_bias(const Params& train, RunLog& log) {
  const TrainSettings s = train_settings(train);
  const double w = ema_initial_weight(s.optimizer, s.iterations);
  if (!train.get<bool>("use_ema") || w <= 0.05) return;
  log("train: warning: the EMA weights used for sampling will still hold {:.1f}% of the initial "
      "weights after {} steps (ema = {}); set [train] ema_warmup = true, a smaller ema, more "
      "iterations, or use_ema = false",
      100.0 * w, s.iterations, s.optimizer.ema_decay);
}

fs::path choose_run_dir(const Pipeline& p, const RunOptions& o) {
  if (o.out) {
    const fs::path dir = *o.out;
    if (fs::exists(dir / "metrics.json") && !o.force)
      throw Error(fmt::format("{} already holds a run (metrics.json); choose another --out or "
                              "pass --force to replace its files",
                              dir.string()));
    fs::create_directories(dir);
    return dir;
  }
  const std::time_t now = std::time(nullptr);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  const fs::path base = fs::path("runs") / (fs::path(p.file).stem().string() + "-" + stamp);
  fs::path dir = base;
  for (int k = 2; fs::exists(dir); ++k) dir = base.string() + "-" + std::to_string(k);
  fs::create_directories(dir);
  return dir;
}

}  // namespace

std::string resolved_text(const Pipeline& p) {
  std::ostringstream os;
  os << "# resolved by sgm " << SGM_VERSION_STRING << " from " << p.file
     << "; every default filled in\n";
  os << p.resolved_toml();
  return os.str();
}

namespace {

/// Whether `dir` holds an interrupted training run of this very pipeline (a periodic
/// checkpoint.ckpt and no metrics.json) to resume. Another pipeline's interrupted run there is
/// an error unless --force (which starts over).
bool interrupted_training(const Pipeline& p, const fs::path& dir, const RunOptions& o) {
  if (!p.train || o.force || !fs::exists(dir / "checkpoint.ckpt") || fs::exists(dir / "metrics.json"))
    return false;
  if (read_text_or_empty(dir / "pipeline.toml") != resolved_text(p))
    throw Error(fmt::format("{} holds an interrupted run of a different pipeline (its "
                            "pipeline.toml differs); choose another --out, or pass --force to "
                            "start over there",
                            dir.string()));
  return true;
}


void write_metrics_json(const fs::path& dir, const Pipeline& p, const RunResult& r, int threads,
                        Eigen::Index particles) {
  JsonWriter j;
  j.begin_object();
  j.value("sgm_version", std::string(SGM_VERSION_STRING));
  j.value("pipeline", p.file);
  j.value("seed", static_cast<std::int64_t>(p.seed()));
  j.value("threads", std::int64_t{threads});
  j.value("particles", static_cast<std::int64_t>(particles));
  j.value("stream", p.run.get<std::int64_t>("stream"));
  j.value("peak_rss_mb", r.peak_rss_mb);
  j.begin_object("sample");
  j.value("integrator", p.sample->plugin);
  j.value("steps", static_cast<std::int64_t>(r.stats.steps));
  j.value("nfe", static_cast<std::int64_t>(r.stats.score_evals));
  j.value("seconds", r.sample_seconds);
  j.value("particle_steps_per_second",
          r.sample_seconds > 0
              ? static_cast<double>(particles) * static_cast<double>(r.stats.steps) / r.sample_seconds
              : 0.0);
  j.end_object();
  if (p.train) {
    j.begin_object("train");
    j.value("objective", p.objective->plugin);
    j.value("iterations", p.train->get<std::int64_t>("iterations"));
    j.value("seconds", r.train_seconds);
    j.value("final_loss", r.final_loss);
    j.end_object();
  }
  auto section = [&](const char* name, const std::vector<std::pair<std::string, double>>& values) {
    j.begin_object(name);
    std::string open;
    for (const auto& [k, v] : values) {
      const std::string label = k.substr(0, k.find('.'));
      if (label != open) {
        if (!open.empty()) j.end_object();
        j.begin_object(label);
        open = label;
      }
      j.value(k.substr(k.find('.') + 1), v);
    }
    if (!open.empty()) j.end_object();
    j.end_object();
  };
  section("metrics", r.metrics);
  section("baseline", r.baseline);
  if (!p.report.empty()) {
    j.begin_object("report");
    for (const auto& [k, v] : p.report) {
      if (const auto* s = std::get_if<std::string>(&v)) j.value(k, *s);
      else if (const auto* d = std::get_if<double>(&v)) j.value(k, *d);
      else if (const auto* i = std::get_if<std::int64_t>(&v)) j.value(k, *i);
      else j.value(k, to_toml_text(v));
    }
    j.end_object();
  }
  j.end_object();
  write_atomic(dir / "metrics.json", j.str());
}

}  // namespace

namespace {

TrainableScore& trainable(const Components& c) { return dynamic_cast<TrainableScore&>(*c.score); }

/// Reads [model].checkpoint and checks it was written by a model like the pipeline's [score].
Checkpoint read_matching_checkpoint(const Pipeline& p, const TrainableScore& model,
                                    const std::string& file) {
  Checkpoint ck = read_checkpoint(file);
  if (ck.architecture != model.architecture())
    throw Error(fmt::format("{}: checkpoint architecture '{}' does not match the pipeline's "
                            "[score] '{}' ({}); use the [score] settings it was trained with",
                            file, ck.architecture, model.architecture(), p.score->plugin));
  return ck;
}

/// The data rows (no header) with step ≤ `last` of an existing loss.csv ("" if none).
std::string loss_rows_up_to(const fs::path& file, std::int64_t last) {
  std::ifstream in(file);
  std::string line, out;
  while (std::getline(in, line)) {
    const auto comma = line.find(',');
    if (comma == std::string::npos) continue;
    std::int64_t step = 0;
    const auto [ptr, ec] = std::from_chars(line.data(), line.data() + comma, step);
    if (ec == std::errc() && ptr == line.data() + comma && step <= last) out += line + "\n";
  }
  return out;
}

void load_weights(const Pipeline& p, TrainableScore& model, const Checkpoint& ck) {
  const bool ema = p.model.get<std::string>("weights") == "ema" && !ck.optimizer.ema.empty();
  const auto& w = ema ? ck.optimizer.ema : ck.params;
  std::copy(w.begin(), w.end(), model.parameters().begin());
  model.parameters_changed();
}

}  // namespace

TrainOutcome train_or_load(const Pipeline& p, const Components& c, const fs::path& dir,
                           const Executor& executor, bool show_progress, bool resume) {
  TrainOutcome out;
  const std::string ck_file = resume && p.train ? (dir / "checkpoint.ckpt").string()
                                                : p.model.get<std::string>("checkpoint");
  std::optional<Checkpoint> ck;
  if (!ck_file.empty()) ck = read_matching_checkpoint(p, trainable(c), ck_file);
  if (!p.train) {
    if (ck) load_weights(p, trainable(c), *ck);
    return out;
  }
  TrainableScore& model = trainable(c);
  const TrainSettings s = train_settings(*p.train);
  Trainer trainer(model, *c.objective, *c.dataset, s, p.seed(), executor);
  std::string earlier_rows;  // loss.csv rows of the run this one resumes (kept, not lost)
  if (ck) {
    trainer.restore(*ck);
    if (resume) earlier_rows = loss_rows_up_to(dir / "loss.csv", trainer.step());
  }
  const auto loss_text = [&] {  // the resumed run's rows after the header, then this run's
    std::string text = loss_csv(trainer.curve());
    text.insert(text.find('\n') + 1, earlier_rows);
    return text;
  };
  const std::int64_t first = trainer.step();
  const std::int64_t every = p.train->get<std::int64_t>("checkpoint_every");
  ProgressLine progress("train", static_cast<std::uint64_t>(std::max<std::int64_t>(0, s.iterations - first)),
                        "it", show_progress);
  trainer.run([&](std::int64_t step) {
    progress.advance(1);
    if (!trainer.curve().empty()) progress.set_note(fmt::format("loss {:.4g}", trainer.curve().back().loss));
    const bool stop = interrupt_requested();
    if (stop || (every > 0 && step % every == 0)) {  // loss.csv first: it may run ahead, not behind
      write_atomic(dir / "loss.csv", loss_text());
      write_checkpoint(dir / "checkpoint.ckpt", trainer.checkpoint(p.score->plugin));
    }
    if (stop) {
      throw Interrupted(fmt::format("interrupted at training step {}; wrote checkpoint.ckpt and "
                                    "loss.csv in {}; run the same command with --out {} to resume",
                                    step, dir.string(), dir.string()));
    }
  });
  out.seconds = progress.finish();
  out.steps = trainer.step() - first;
  if (!trainer.curve().empty()) out.final_loss = trainer.curve().back().loss;
  write_atomic(dir / "loss.csv", loss_text());
  write_checkpoint(dir / "model.ckpt", trainer.checkpoint(p.score->plugin));
  if (p.train->get<bool>("use_ema")) trainer.use_ema();
  return out;
}

namespace {

struct SampledRun {
  Matrix trajectories;
};

/// Samples the run's particles in passes of run.stream rows (streaming.hpp), folding each pass
/// into the metrics (and the data-vs-data baseline) and appending it to the sample files, which
/// are committed only once everything succeeded. Fills r's samples, stats and metrics.
SampledRun sample_and_evaluate(const Pipeline& p, const Components& c, RunResult& r,
                               const Executor& executor, RunLog& log, bool show_progress) {
  const auto particles = static_cast<Eigen::Index>(p.run.get<std::int64_t>("particles"));
  const auto chunk = static_cast<Eigen::Index>(p.run.get<std::int64_t>("chunk"));
  const Eigen::Index pass = pass_rows(particles, p.run.get<std::int64_t>("stream"), chunk);
  const auto ref_n = p.run.get<std::int64_t>("reference_particles");
  const Eigen::Index n_ref = ref_n > 0 ? static_cast<Eigen::Index>(ref_n) : pass;
  const auto traced = static_cast<Eigen::Index>(p.output.get<std::int64_t>("trajectories"));
  const bool metrics = !c.metrics.empty(), baseline = metrics && p.run.get<bool>("baseline");
  const Eigen::Index passes = (particles + pass - 1) / pass;
  if (passes > 1)
    log("sample: {} particles in {} passes of {} (run.stream); metrics that do not stream use the "
        "first {}", particles, passes, pass, pass);

  const Matrix reference = metrics ? sample_dataset(*c.dataset, p.seed(), streams::reference, n_ref, chunk, executor)
                                   : Matrix(0, c.dataset->dim());
  StreamedEvaluation eval(c, reference, p.seed(), executor, pass);
  std::optional<StreamedEvaluation> floor;  // data vs data
  if (baseline) floor.emplace(c, reference, p.seed(), executor, pass);
  SampleFiles files(r.dir, p.output.get<bool>("csv"), p.output.get<bool>("npy"), particles, c.dataset->dim());
  ProgressLine progress("sample", static_cast<std::uint64_t>(particles) * c.integrator->planned_steps(),
                        "particle-steps", show_progress);
  SampledRun out;
  for (Eigen::Index first = 0; first < particles; first += pass) {
    const Eigen::Index rows = std::min(pass, particles - first);
    if (passes > 1) progress.set_note(fmt::format("pass {}/{}", first / pass + 1, passes));
    SampleResult s = sample_particles(c, p.seed(), rows, chunk, executor, progress, traced, first);
    r.sample_seconds += s.seconds;
    if (metrics) eval.add(s.samples, first);
    if (floor) floor->add(sample_dataset(*c.dataset, p.seed(), streams::baseline, rows, chunk, executor, first), first);
    files.add(s.samples);
    if (first == 0) {
      r.stats = s.stats;
      r.samples = std::move(s.samples);
      out.trajectories = std::move(s.trajectories);
    }
  }
  progress.finish();
  log("sample: {} particles x {} steps (NFE {}) in {:.3f} s = {:.4g} particle-steps/s", particles,
      r.stats.steps, r.stats.score_evals, r.sample_seconds,
      r.sample_seconds > 0 ? static_cast<double>(particles) * static_cast<double>(r.stats.steps) / r.sample_seconds : 0.0);
  if (metrics) {
    r.metrics = eval.finish();
    std::string timing;
    for (const auto& [label, sec] : eval.seconds())
      timing += fmt::format("{}{} {:.3f} s", timing.empty() ? "" : ", ", label, sec);
    log("evaluate: {}", timing);
    if (const auto subset = eval.subset_labels(); passes > 1 && !subset.empty())
      log("evaluate: on the first {} of {} samples (these metrics do not stream): {}", pass, particles, fmt::join(subset, ", "));
    if (floor) r.baseline = floor->finish();
  }
  files.commit();
  return out;
}

}  // namespace

RunResult run_pipeline(const Pipeline& p, const ComponentRegistry& registry, const RunOptions& o) {
  const int threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  std::optional<tbb::global_control> limit;  // process-wide: a concurrent sweep sets it once
  if (!o.in_sweep)
    limit.emplace(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
  TbbExecutor executor;
  RunLog log(o.quiet);
  const Components c = build_components(p, registry, executor);

  RunResult r;
  r.dir = choose_run_dir(p, o);
  const bool resume = interrupted_training(p, r.dir, o);
  write_atomic(r.dir / "pipeline.toml", resolved_text(p));
  const auto particles = static_cast<Eigen::Index>(p.run.get<std::int64_t>("particles"));
  const auto chunk = static_cast<Eigen::Index>(p.run.get<std::int64_t>("chunk"));
  log("sgm {}: {} (seed {}, {} threads) -> {}", SGM_VERSION_STRING, p.file, p.seed(), threads,
      r.dir.string());
  log("stages: dataset {} | sde {} | score {}{} | sample {} | metrics {}", p.dataset->plugin,
      p.sde->plugin, p.score ? p.score->plugin : "-",
      p.objective ? fmt::format(" | train {} x {}", p.objective->plugin,
                                p.train->get<std::int64_t>("iterations"))
                  : std::string(),
      p.sample->plugin, c.metrics.size());

  try {
    if (p.train || !p.model.get<std::string>("checkpoint").empty()) {
      if (resume) log("train: resuming the interrupted run in {} from checkpoint.ckpt", r.dir.string());
      if (p.train) warn_of_ema_bias(*p.train, log);
      const TrainOutcome t = train_or_load(p, c, r.dir, executor, !o.quiet, resume);
      r.train_seconds = t.seconds;
      r.final_loss = t.final_loss;
      if (p.train)
        log("train: {} steps in {:.3f} s = {:.4g} it/s, final loss {:.6g}; wrote loss.csv, "
            "model.ckpt", t.steps, t.seconds, t.seconds > 0 ? static_cast<double>(t.steps) / t.seconds : 0.0,
            t.final_loss);
      else
        log("model: loaded {}", p.model.get<std::string>("checkpoint"));
    }
    const SampledRun sampled = sample_and_evaluate(p, c, r, executor, log, !o.quiet);
    for (std::size_t i = 0; i < r.metrics.size(); ++i)
      log("  {:<28} {:>14.6g}{}", r.metrics[i].first, r.metrics[i].second,
          i < r.baseline.size() ? fmt::format("   (data vs data {:.6g})", r.baseline[i].second) : "");
    if (p.output.get<std::int64_t>("trajectories") > 0)
      write_atomic(r.dir / "trajectories.csv", to_csv(sampled.trajectories, {"step", "particle"}));
    if (const auto n = p.output.get<std::int64_t>("reference"); n > 0)
      write_atomic(r.dir / "reference.csv",
                   to_csv(sample_dataset(*c.dataset, p.seed(), streams::reference,
                                         static_cast<Eigen::Index>(n), chunk, executor)));
    if (p.output.get<bool>("plots")) {
      try {  // a picture that cannot be drawn is reported; the results stand
        plot_run_dir(r.dir);
      } catch (const std::exception& e) {
        log("plots: not drawn: {}", e.what());
      }
    }
    r.peak_rss_mb = peak_rss_mb();
    log("memory: peak resident {:.1f} MB", r.peak_rss_mb);
    // Last: metrics.json marks a finished run (a killed run never has one; resume looks for it).
    write_metrics_json(r.dir, p, r, threads, particles);
  } catch (const std::exception& e) {
    log.record(std::string("error: ") + e.what());
    write_atomic(r.dir / "run.log", log.text());
    throw;
  }
  log("wrote {}", r.dir.string());
  write_atomic(r.dir / "run.log", log.text());
  return r;
}

}  // namespace sgm::host
