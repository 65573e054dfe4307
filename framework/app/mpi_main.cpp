// sgm-mpi: a sweep over MPI ranks (Boost.MPI). Rank r of N runs shard r/N of the sweep, exactly
// as `sgm run --shard r/N` would, into the same --out directory; rank 0 then merges the shards'
// tables into sweep.csv (with summary.csv, summary.md, sweep.json and the plots).
//
//   mpirun -n 4 sgm-mpi examples/pipelines/sweep_steps.toml --out runs/steps
//
// Built only when Boost.MPI is found. Each rank uses (cores / ranks on its node) threads unless
// --threads is given, so ranks on one machine do not oversubscribe it.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <boost/mpi/collectives.hpp>
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sgm/host/interrupt.hpp"
#include "sgm/host/output.hpp"
#include "sgm/host/pipeline.hpp"
#include "sgm/host/plot.hpp"
#include "sgm/host/registry.hpp"
#include "sgm/host/runner.hpp"

namespace mpi = boost::mpi;
namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace sgm::host;

namespace {

/// Ranks sharing this node (Open MPI, MPICH/Hydra, Slurm), or 1 when no launcher says.
int ranks_on_this_node() {
  for (const char* v : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "SLURM_NTASKS_PER_NODE"})
    if (const char* s = std::getenv(v); s && std::atoi(s) > 0) return std::atoi(s);
  return 1;
}

struct Options {
  std::string file, out;
  std::vector<std::string> overrides, plugin_paths;
  int threads = 0;
  bool force = false, quiet = false;
};

/// Parses the command line; returns the exit status to leave with, or -1 to go on.
int parse(int argc, char** argv, Options& o, bool speak) {
  po::options_description opts("Options of sgm-mpi");
  opts.add_options()("help,h", "show this help")("file", po::value(&o.file), "pipeline with a [sweep]")(
      "out,o", po::value(&o.out), "sweep directory (required; shared by every rank)")(
      "set", po::value(&o.overrides)->composing(), "override a value, as `sgm run --set`")(
      "threads,j", po::value(&o.threads), "threads per rank (default: cores / ranks on the node)")(
      "plugin-path", po::value(&o.plugin_paths)->composing(), "more plugin directories")(
      "force", "start over in --out")("quiet,q", "no progress on stderr");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    if (speak) std::cerr << "sgm-mpi: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help") || o.file.empty() || o.out.empty()) {
    if (speak)
      std::cout << "Usage: mpirun -n N sgm-mpi FILE --out DIR [--set table.key=value]...\n\n"
                << opts
                << "\nRank r runs the sweep points k with k % N == r into DIR (like `sgm run --shard "
                   "r/N`);\nrank 0 merges DIR/sweep-shard*ofN.csv into DIR/sweep.csv and its summaries.\n"
                   "Re-running resumes: finished points are kept.\n";
    return vm.count("help") ? 0 : 2;
  }
  o.force = vm.count("force") > 0;
  o.quiet = vm.count("quiet") > 0;
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  mpi::environment env(argc, argv);
  mpi::communicator world;
  const int rank = world.rank(), size = world.size();
  Options o;
  if (const int status = parse(argc, argv, o, rank == 0); status >= 0) return status;

  // Each rank validates and runs its shard; a failure is reported by that rank and counted.
  int failed = 0;
  fs::path table;
  try {
    ComponentRegistry registry;
    for (const auto& p : o.plugin_paths) registry.load_directory(p);
    for (const auto& d : default_plugin_directories()) registry.load_directory(d);
    const auto points = expand_sweep(o.file, o.overrides, registry);
    if (points.front().sweep.empty()) throw sgm::Error(o.file + " has no [sweep]; run it with `sgm run`");
    RunOptions ro;
    ro.out = o.out;
    ro.force = o.force;
    ro.quiet = o.quiet;
    ro.threads = o.threads > 0 ? o.threads
                               : std::max(1, static_cast<int>(std::thread::hardware_concurrency()) /
                                                 ranks_on_this_node());
    install_interrupt_handlers();
    if (!o.quiet)
      std::fprintf(stderr, "sgm-mpi: rank %d of %d: shard %d/%d, %d threads\n", rank, size, rank, size,
                   ro.threads);
    table = run_sweep(points, registry, ro, {rank, size});
  } catch (const PipelineError& e) {
    if (rank == 0) for (const auto& line : e.problems()) std::cerr << line << "\n";
    failed = 1;
  } catch (const std::exception& e) {
    std::cerr << fmt::format("sgm-mpi: rank {}: error: {}\n", rank, e.what());
    failed = 1;
  }
  int failed_ranks = 0;
  mpi::all_reduce(world, failed, failed_ranks, std::plus<int>());
  if (failed_ranks > 0) {
    if (rank == 0) std::cerr << fmt::format("sgm-mpi: {} of {} ranks failed; nothing merged\n", failed_ranks, size);
    return 1;
  }
  if (rank != 0) return 0;
  try {
    std::vector<fs::path> tables;
    for (int r = 0; r < size; ++r)
      tables.push_back(size > 1 ? fs::path(o.out) / fmt::format("sweep-shard{}of{}.csv", r, size)
                                : fs::path(o.out) / "sweep.csv");
    const fs::path merged = fs::path(o.out) / "sweep.csv";
    if (size > 1) write_atomic(merged, merge_sweep_tables(tables));
    write_sweep_summaries(merged);
    plot_sweep_dir(o.out);
    std::cout << merged.string() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "sgm-mpi: merge: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
