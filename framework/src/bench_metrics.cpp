// bench_metrics.cpp: `sgm bench --metrics`: every installed metric on n generated vs n reference
// 2-D points (issue 6: n = 100k at 2 threads). "Generated" points are a second independent draw
// of the default pipeline's 2-D mixture, so every value is also a data-vs-data floor.
// O(n²) metrics run on the subsample their own parameters bound (energy_distance, mmd:
// max_points; wasserstein_exact: exact up to max_exact_points, then Sinkhorn on max_points).
#include "sgm/host/bench.hpp"

#include <chrono>

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include <sgm/sgm.hpp>

#include "bench_components.hpp"
#include "sgm/host/executor.hpp"
#include "sgm/host/runner.hpp"

namespace sgm::host {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

void run_metric_bench(const ComponentRegistry& registry, const MetricBenchOptions& o,
                      std::ostream& out) {
  const int threads = o.threads > 0 ? o.threads : tbb::info::default_concurrency();
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                            static_cast<std::size_t>(threads));
  TbbExecutor ex;
  Context ctx;
  ctx.seed = 1;
  ctx.executor = &ex;
  const auto data = bench::default_mixture(registry, ctx);
  ctx.dataset = data.get();
  const auto sde = bench::make<ForwardSde>(registry, "vp", {}, ctx);
  ctx.sde = sde.get();
  const auto score = bench::make<ScoreModel>(registry, "analytic_gmm", {}, ctx);
  ctx.score = score.get();

  const Eigen::Index n = o.points;
  const Matrix samples = sample_dataset(*data, 1, streams::data, n, 4096, ex);
  const Matrix reference = sample_dataset(*data, 1, streams::reference, n, 4096, ex);
  out << fmt::format("sgm bench --metrics: {} generated vs {} reference points of the 2-D "
                     "mixture (vp, analytic_gmm score), {} thread(s), default parameters\n",
                     n, n, threads);
  for (const std::string& name : registry.names(ComponentKind::metric)) {
    std::shared_ptr<Metric> metric;
    try {
      metric = bench::make<Metric>(registry, name, {}, ctx);
    } catch (const std::exception& e) {
      out << fmt::format("  {:<22} skipped: {}\n", name, e.what());
      continue;
    }
    const auto t0 = Clock::now();
    MetricValues values;
    try {
      values = metric->evaluate(MetricInput{samples, reference, data.get(), 1, ex});
    } catch (const std::exception& e) {
      out << fmt::format("  {:<22} failed: {}\n", name, e.what());
      continue;
    }
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    std::string shown;
    for (std::size_t i = 0; i < values.size() && i < 3; ++i)
      shown += fmt::format("{}{} = {:.4g}", i ? ", " : "", values[i].first, values[i].second);
    out << fmt::format("  {:<22} {:9.3f} s   {}\n", name, s, shown) << std::flush;
  }
}

}  // namespace sgm::host
