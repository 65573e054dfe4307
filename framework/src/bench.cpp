// bench.cpp: GEMM roof, training iterations/s and MLP sampling particle-steps/s, at 1 thread and
// at all threads. The reference workload (DESIGN.md): 2-D data, MLP 4x128 SiLU on (x, t), DSM,
// Adam, batch 512; reverse Euler–Maruyama sampling with that MLP.
#include "sgm/host/bench.hpp"

#include <chrono>
#include <functional>
#include <vector>

#include <Eigen/Core>
#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <sgm/sgm.hpp>

#include "bench_components.hpp"
#include "sgm/host/executor.hpp"
#include "sgm/host/runner.hpp"
#include "sgm/host/training.hpp"

namespace sgm::host {

namespace {

using Clock = std::chrono::steady_clock;

/// Runs `work(reps)` with growing reps until it takes `seconds`; returns reps per second.
double rate(const std::function<void(long)>& work, double seconds) {
  work(1);  // warm up (page faults, caches, thread pool)
  long reps = 1;
  while (true) {
    const auto t0 = Clock::now();
    work(reps);
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (s >= seconds || reps > (1L << 40)) return static_cast<double>(reps) / s;
    reps = s > 0.05 ? static_cast<long>(static_cast<double>(reps) * seconds / s) + 1 : reps * 8;
  }
}

/// Single-precision GEMM FLOP/s with `threads` threads, each multiplying its own 256-matrices
/// (the shape of the training chunks' GEMMs: the roof our chunked loops can reach).
double gemm_peak(int threads, double seconds) {
  constexpr int n = 256;
  std::vector<Eigen::MatrixXf> a(threads, Eigen::MatrixXf::Random(n, n)),
      b(threads, Eigen::MatrixXf::Random(n, n)), c(threads, Eigen::MatrixXf::Zero(n, n));
  const double per = rate(
      [&](long reps) {
        tbb::parallel_for(0, threads, [&](int k) {
          for (long r = 0; r < reps; ++r) c[k].noalias() += a[k] * b[k];
        });
      },
      seconds);
  return per * threads * 2.0 * n * n * n;
}

struct Workload {
  std::shared_ptr<Dataset> data;
  std::shared_ptr<ForwardSde> sde;
  std::shared_ptr<ScoreModel> score;
  std::shared_ptr<Objective> objective;
  std::shared_ptr<Integrator> sampler;
};

Workload reference_workload(const ComponentRegistry& r, const Executor& ex, long steps) {
  Workload w;
  Context ctx;
  ctx.seed = 1;
  ctx.executor = &ex;
  w.data = bench::default_mixture(r, ctx);
  ctx.dataset = w.data.get();
  w.sde = bench::make<ForwardSde>(r, "vp", {}, ctx);
  ctx.sde = w.sde.get();
  w.score = bench::make<ScoreModel>(r, "mlp",
                                    {{"hidden", DoubleList{128, 128, 128, 128}},
                                     {"activation", std::string("silu")},
                                     {"embedding", std::string("raw")}},
                                    ctx);
  ctx.score = w.score.get();
  w.objective = bench::make<Objective>(r, "dsm", {}, ctx);
  w.sampler = bench::make<Integrator>(r, "euler_maruyama", {{"steps", std::int64_t{steps}}}, ctx);
  return w;
}

}  // namespace

void run_bench(const ComponentRegistry& registry, const BenchOptions& o, std::ostream& out) {
  const int all = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  std::vector<int> counts = {1};
  if (all > 1) counts.push_back(all);
  TbbExecutor ex;
  const Workload w = reference_workload(registry, ex, o.sample_steps);
  auto& model = dynamic_cast<TrainableScore&>(*w.score);
  // Forward ≈ 2 FLOP per weight per row; a training step ≈ 3 forwards (forward + backward).
  const double fwd_flop = 2.0 * static_cast<double>(model.parameter_count());
  const double train_flop = 3.0 * fwd_flop * static_cast<double>(o.train_batch);
  out << fmt::format("sgm bench: {} ({} parameters; {:.1f} MFLOP per training step of batch {}, "
                     "{:.1f} kFLOP per sampling particle-step)\n",
                     model.architecture(), model.parameter_count(), train_flop / 1e6,
                     o.train_batch, fwd_flop / 1e3);
  std::vector<double> train_rates, sample_rates;
  for (int threads : counts) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(threads));
    const double peak = gemm_peak(threads, o.seconds);
    out << fmt::format("threads {}: GEMM peak (float, Eigen)    {:9.1f} GFLOP/s\n", threads, peak / 1e9)
        << std::flush;

    TrainSettings ts;
    ts.batch_size = o.train_batch;
    ts.n_train = 10000;
    ts.iterations = 1L << 40;
    Trainer trainer(model, *w.objective, *w.data, ts, 1, ex);
    std::vector<double> grad;
    std::int64_t step = 0;
    const double its = rate(
        [&](long reps) {
          for (long k = 0; k < reps; ++k) trainer.loss_and_gradient(step++, grad);
        },
        o.seconds);
    train_rates.push_back(its);
    out << fmt::format("threads {}: training                    {:9.1f} it/s   = {:5.1f}% of the "
                       "GEMM roof ({:.0f} it/s)\n",
                       threads, its, 100.0 * its * train_flop / peak, peak / train_flop)
        << std::flush;

    Components c;
    c.dataset = w.data;
    c.sde = w.sde;
    c.score = w.score;
    c.integrator = w.sampler;
    NullProgress quiet;
    const double runs = rate(
        [&](long reps) {
          for (long k = 0; k < reps; ++k) sample_particles(c, 1, o.sample_particles, 256, ex, quiet);
        },
        o.seconds);
    const double ps = runs * static_cast<double>(o.sample_particles * o.sample_steps);
    sample_rates.push_back(ps);
    out << fmt::format("threads {}: sampling (reverse EM, MLP)  {:9.4g} particle-steps/s = "
                       "{:5.1f}% of the GEMM roof\n",
                       threads, ps, 100.0 * ps * fwd_flop / peak)
        << std::flush;
  }
  if (counts.size() > 1)
    out << fmt::format("speed-up 1 -> {} threads: training {:.2f}x, sampling {:.2f}x\n", all,
                       train_rates[1] / train_rates[0], sample_rates[1] / sample_rates[0]);
}

}  // namespace sgm::host
