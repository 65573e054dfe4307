// sgm: the command-line host. Subcommands list, describe, validate, run; `sgm CMD --help`.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>
#include <fmt/format.h>

#include "sgm/host/bench.hpp"
#include "sgm/host/interrupt.hpp"
#include "sgm/host/check.hpp"
#include "sgm/host/describe.hpp"
#include "sgm/host/training.hpp"
#include "sgm/host/executor.hpp"
#include "sgm/host/output.hpp"
#include "sgm/host/pipeline.hpp"
#include "sgm/host/plot.hpp"
#include "sgm/host/registry.hpp"
#include "sgm/host/report.hpp"
#include "sgm/host/runner.hpp"
#include "sgm/host/suggest.hpp"

namespace po = boost::program_options;
using namespace sgm;
using namespace sgm::host;

namespace {

// Exit codes: 0 success, 1 a run failed, 2 bad usage or invalid input.
constexpr int kRunFailed = 1;
constexpr int kBadInput = 2;
constexpr int kInterrupted = 130;  // 128 + SIGINT, as shells report it

const char* kOverview = R"(sgm - score-based generative models as plugins

Usage: sgm [--plugin-path DIR]... COMMAND [ARGS] [--help]

Commands:
  list [KIND]        list components (KIND: dataset, sde, score, objective, integrator,
                     metric)
  describe NAME      parameters, defaults, ranges and an example of a component
  validate FILE      check a pipeline against the plugins' schemas; runs nothing
  run FILE           run a pipeline: dataset -> [train] -> sample -> evaluate -> write
  check NAME|LIB.so  conformance checks for plugin authors (--all: every loaded component)
  merge --out T A B  join sweep tables written by `run --shard K/N`
  plot DIR...        draw a run's or a sweep's results as SVG and PNG into DIR/plots/
  report DIR...      EXPERIMENTS.md from run/sweep directories: [report] labels, tables, figures
  bench              GEMM peak, training it/s, MLP sampling speed; --metrics: metric timings

Plugins are searched in --plugin-path directories, then $SGM_PLUGIN_PATH (':'-separated),
then next to the binary (build tree) and in the install tree.
Run `sgm COMMAND --help` for a command's options.
)";

struct Global {
  std::vector<std::string> plugin_paths;
};

void load_plugins(ComponentRegistry& r, const Global& g) {
  for (const auto& p : g.plugin_paths) r.load_directory(p);
  for (const auto& d : default_plugin_directories()) r.load_directory(d);
}

po::variables_map parse(const std::vector<std::string>& args, const po::options_description& opts,
                        const po::positional_options_description& pos) {
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  return vm;
}

void usage(const std::string& synopsis, const po::options_description& opts) {
  std::cout << "Usage: " << synopsis << "\n\n" << opts << "\n";
}

int cmd_list(const std::vector<std::string>& args, const Global& g) {
  po::options_description opts("Options of `sgm list`");
  opts.add_options()("help,h", "show this help")("json", "machine-readable output with parameters")(
      "broken", "list plugin libraries that failed to load, with the reason")(
      "kind", po::value<std::string>(), "only this kind");
  po::positional_options_description pos;
  pos.add("kind", 1);
  const auto vm = parse(args, opts, pos);
  if (vm.count("help")) {
    usage("sgm list [KIND] [--json] [--broken]", opts);
    return 0;
  }
  ComponentRegistry r;
  load_plugins(r, g);
  if (vm.count("broken")) {
    std::cout << broken_text(r);
    return 0;
  }
  std::optional<ComponentKind> kind;
  if (vm.count("kind")) kind = parse_kind(vm["kind"].as<std::string>());
  std::cout << (vm.count("json") ? list_json(r, kind) : list_text(r, kind));
  return 0;
}

int cmd_describe(const std::vector<std::string>& args, const Global& g) {
  po::options_description opts("Options of `sgm describe`");
  opts.add_options()("help,h", "show this help")(
      "words", po::value<std::vector<std::string>>(),
      "[KIND] NAME: a component name (optionally after its kind, e.g. `metric mmd`), or a host "
      "table: run, train, model, output")(
      "kind", po::value<std::string>(), "kind, when a name exists in several kinds");
  po::positional_options_description pos;
  pos.add("words", 2);
  const auto vm = parse(args, opts, pos);
  if (vm.count("help") || !vm.count("words")) {
    usage("sgm describe [KIND] NAME [--kind KIND]", opts);
    return vm.count("help") ? 0 : kBadInput;
  }
  const auto words = vm["words"].as<std::vector<std::string>>();
  const std::string name = words.back();
  for (const ParamSpec* host : {&run_spec(), &train_spec(), &model_spec(), &output_spec()})
    if (name == host->name()) {
      std::cout << describe_text(*host, "host table", "", "");
      return 0;
    }
  ComponentRegistry r;
  load_plugins(r, g);
  std::optional<ComponentKind> kind;
  if (vm.count("kind")) kind = parse_kind(vm["kind"].as<std::string>());
  if (words.size() == 2) kind = parse_kind(words.front());
  int found = 0;
  std::vector<std::string> all_names;
  std::vector<std::string> other_kinds;  // the name exists, but not as the kind asked for
  for (const Component* c : r.all()) {
    const bool kind_ok = !kind || *kind == c->info.kind;
    if (kind_ok) all_names.push_back(c->info.spec.name());
    if (c->info.spec.name() == name && !kind_ok) other_kinds.push_back(to_string(c->info.kind));
    if (c->info.spec.name() != name || !kind_ok) continue;
    std::cout << (found++ ? "\n" : "")
              << describe_text(c->info.spec, to_string(c->info.kind), c->file, c->plugin_version);
  }
  if (!found && !other_kinds.empty()) {
    std::cerr << fmt::format("sgm describe: no {} named '{}' (there is: {} '{}')\n",
                             to_string(*kind), name, fmt::join(other_kinds, ", "), name);
    return kBadInput;
  }
  if (!found) {
    std::cerr << fmt::format("sgm describe: unknown component '{}'{}; `sgm list` shows them all\n",
                             name, did_you_mean(name, all_names));
    return kBadInput;
  }
  return 0;
}

void add_pipeline_options(po::options_description& opts) {
  opts.add_options()("help,h", "show this help")("file", po::value<std::string>(), "pipeline file")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a value: --set sample.steps=100, --set sde.plugin=ve (repeatable)")(
      "seed", po::value<std::uint64_t>(), "run seed (same as --set run.seed=S)");
}

std::vector<std::string> overrides_of(const po::variables_map& vm) {
  std::vector<std::string> o;
  if (vm.count("set")) o = vm["set"].as<std::vector<std::string>>();
  if (vm.count("seed")) o.push_back(fmt::format("run.seed={}", vm["seed"].as<std::uint64_t>()));
  return o;
}

int cmd_validate(const std::vector<std::string>& args, const Global& g) {
  po::options_description opts("Options of `sgm validate`");
  add_pipeline_options(opts);
  po::positional_options_description pos;
  pos.add("file", 1);
  const auto vm = parse(args, opts, pos);
  if (vm.count("help") || !vm.count("file")) {
    usage("sgm validate FILE [--set table.key=value]...", opts);
    return vm.count("help") ? 0 : kBadInput;
  }
  ComponentRegistry r;
  load_plugins(r, g);
  const auto points = expand_sweep(vm["file"].as<std::string>(), overrides_of(vm), r);
  TbbExecutor ex;
  for (const auto& p : points) build_components(p, r, ex);  // constructors check the fit
  const Pipeline& p = points.front();
  std::cout << fmt::format("{}: ok (dataset {}, sde {}, score {}, sample {}, {} metric{}{})\n",
                           p.file, p.dataset->plugin, p.sde->plugin,
                           p.score ? p.score->plugin : "-", p.sample->plugin, p.metrics.size(),
                           p.metrics.size() == 1 ? "" : "s",
                           p.sweep.empty() ? "" : fmt::format("; sweep of {} points", points.size()));
  return 0;
}

int cmd_run(const std::vector<std::string>& args, const Global& g) {
  po::options_description opts("Options of `sgm run`");
  add_pipeline_options(opts);
  opts.add_options()("threads,j", po::value<int>()->default_value(0),
                     "worker threads (0: all cores); results are identical for any value")(
      "out,o", po::value<std::string>(), "run directory (default runs/<pipeline>-<time>)")(
      "force", "allow --out to name a directory that already holds a run (or start an "
               "interrupted one over instead of resuming it)")(
      "quiet,q", "no progress or log on stderr")(
      "shard", po::value<std::string>(), "run slice K/N of a sweep (points k with k % N == K)");
  po::positional_options_description pos;
  pos.add("file", 1);
  const auto vm = parse(args, opts, pos);
  if (vm.count("help") || !vm.count("file")) {
    usage("sgm run FILE [--set table.key=value]... [--threads N] [--out DIR] [--seed S]", opts);
    if (vm.count("help"))
      std::cout << "Ctrl-C (or SIGTERM) stops at the next step: training writes checkpoint.ckpt and\n"
                   "loss.csv first, and the exit status is 130. Running the same command with the\n"
                   "same --out resumes an interrupted training run from its checkpoint.ckpt (also\n"
                   "after a crash, with [train] checkpoint_every > 0); --force starts over.\n"
                   "Exit status: 0 done, 1 the run failed, 2 bad input (nothing ran), 130 interrupted.\n";
    return vm.count("help") ? 0 : kBadInput;
  }
  ComponentRegistry r;
  load_plugins(r, g);
  const auto points = expand_sweep(vm["file"].as<std::string>(), overrides_of(vm), r);
  RunOptions o;
  o.threads = vm["threads"].as<int>();
  if (o.threads < 0) throw po::error("--threads must be >= 0");
  if (vm.count("out")) o.out = vm["out"].as<std::string>();
  o.force = vm.count("force") > 0;
  o.quiet = vm.count("quiet") > 0;
  Shard shard;
  if (vm.count("shard")) {
    const std::string text = vm["shard"].as<std::string>();
    if (std::sscanf(text.c_str(), "%d/%d", &shard.index, &shard.count) != 2)
      throw po::error("--shard expects K/N, e.g. --shard 0/4");
  }
  install_interrupt_handlers();  // Ctrl-C: stop at the next step, keep what is complete
  try {
    if (!points.front().sweep.empty()) {
      const auto table = run_sweep(points, r, o, shard);
      std::cout << table.string() << "\n";
      return 0;
    }
    const RunResult res = run_pipeline(points.front(), r, o);
    if (o.quiet) std::cout << res.dir.string() << "\n";
  } catch (const PipelineError&) {
    throw;
  } catch (const Interrupted& e) {
    std::cerr << "sgm run: " << e.what() << "\n";
    return kInterrupted;
  } catch (const std::exception& e) {
    std::cerr << "sgm run: error: " << e.what() << "\n";
    return kRunFailed;
  }
  return 0;
}

int cmd_merge(const std::vector<std::string>& args) {
  po::options_description opts("Options of `sgm merge`");
  opts.add_options()("help,h", "show this help")("out,o", po::value<std::string>(),
      "merged table (CSV); summary.csv, summary.md and sweep.json are written beside it")(
      "tables", po::value<std::vector<std::string>>(), "sweep tables to join");
  po::positional_options_description pos;
  pos.add("tables", -1);
  const auto vm = parse(args, opts, pos);
  if (vm.count("help") || !vm.count("tables") || !vm.count("out")) {
    usage("sgm merge --out merged.csv sweep-shard0of2.csv sweep-shard1of2.csv ...", opts);
    return vm.count("help") ? 0 : kBadInput;
  }
  std::vector<std::filesystem::path> tables;
  for (const auto& t : vm["tables"].as<std::vector<std::string>>()) tables.emplace_back(t);
  write_atomic(vm["out"].as<std::string>(), merge_sweep_tables(tables));
  write_sweep_summaries(vm["out"].as<std::string>());
  std::cout << vm["out"].as<std::string>() << "\n";
  return 0;
}

int cmd_report(const std::vector<std::string>& args) {
  po::options_description opts("Options of `sgm report`");
  opts.add_options()("help,h", "show this help")(
      "out,o", po::value<std::string>()->default_value("EXPERIMENTS.md"), "markdown file to write")(
      "figures", po::value<std::string>()->default_value("docs/experiments"),
      "directory the figures are copied into (linked from the report)")(
      "dirs", po::value<std::vector<std::string>>(), "run or sweep directories (sgm run --out)");
  po::positional_options_description pos;
  pos.add("dirs", -1);
  const auto vm = parse(args, opts, pos);
  if (vm.count("help") || !vm.count("dirs")) {
    usage("sgm report [--out EXPERIMENTS.md] [--figures docs/experiments] DIR...", opts);
    std::cout << "One section per directory, in the order given: the [report] table of its pipeline\n"
                 "(title, shows, seed), our results (a sweep's summary: mean ± standard error over\n"
                 "run.seed, with swept report.* labels such as the seed's value on each row; a run's\n"
                 "metrics beside the data-vs-data floor) and its figure ([report] figure, default\n"
                 "plots/<first metric> of a sweep or plots/samples of a run; see `sgm plot`).\n";
    return vm.count("help") ? 0 : kBadInput;
  }
  std::vector<std::filesystem::path> dirs;
  for (const auto& d : vm["dirs"].as<std::vector<std::string>>()) dirs.emplace_back(d);
  const std::filesystem::path out = vm["out"].as<std::string>();
  write_atomic(out, experiments_report(dirs, out, vm["figures"].as<std::string>()));
  std::cout << out.string() << "\n";
  return 0;
}

int cmd_check(const std::vector<std::string>& args, const Global& g) {
  po::options_description opts("Options of `sgm check`");
  opts.add_options()("help,h", "show this help")("target", po::value<std::string>(),
                                                 "component name or plugin library (.so)")(
      "all", "check every loaded component")("kind", po::value<std::string>(),
                                              "only components of this kind")(
      "seed", po::value<std::uint64_t>()->default_value(1), "seed of the checks' simulations");
  po::positional_options_description pos;
  pos.add("target", 1);
  const auto vm = parse(args, opts, pos);
  if (vm.count("help") || (!vm.count("target") && !vm.count("all"))) {
    usage("sgm check NAME | LIBRARY.so | --all [--kind KIND] [--seed S]", opts);
    return vm.count("help") ? 0 : kBadInput;
  }
  ComponentRegistry r;
  load_plugins(r, g);
  std::optional<ComponentKind> kind;
  if (vm.count("kind")) kind = parse_kind(vm["kind"].as<std::string>());
  std::string target = vm.count("target") ? vm["target"].as<std::string>() : "";
  std::string library;  // check the components of this file
  if (target.size() > 3 && target.substr(target.size() - 3) == ".so") {
    library = std::filesystem::weakly_canonical(target).string();
    bool loaded = false;
    for (const Component* c : r.all()) loaded = loaded || std::filesystem::weakly_canonical(c->file).string() == library;
    if (!loaded) r.load_library(library);  // a clear error if it is refused
  }
  int checked = 0, failed = 0;
  for (const Component* c : r.all()) {
    if (kind && *kind != c->info.kind) continue;
    if (!library.empty() && std::filesystem::weakly_canonical(c->file).string() != library) continue;
    if (library.empty() && !vm.count("all") && c->info.spec.name() != target) continue;
    const CheckReport rep = check_component(r, *c, vm["seed"].as<std::uint64_t>());
    std::cout << (checked++ ? "\n" : "") << rep.text() << std::flush;
    failed += rep.count(Verdict::fail) > 0;
  }
  if (checked == 0) {
    std::cerr << fmt::format("sgm check: no component matches '{}'; `sgm list` shows them all\n", target);
    return kBadInput;
  }
  std::cout << fmt::format("\nsgm check: {} component(s) checked, {} with failures\n", checked, failed);
  return failed ? kRunFailed : 0;
}

int cmd_bench(const std::vector<std::string>& args, const Global& g) {
  po::options_description opts("Options of `sgm bench`");
  BenchOptions b;
  MetricBenchOptions m;
  opts.add_options()("help,h", "show this help")(
      "threads", po::value<int>(&b.threads)->default_value(0), "threads for the parallel figures (0: all cores)")(
      "seconds", po::value<double>(&b.seconds)->default_value(2.0), "time per measurement")(
      "batch", po::value<long>(&b.train_batch)->default_value(512), "training minibatch")(
      "particles", po::value<long>(&b.sample_particles)->default_value(8192), "sampling particles")(
      "steps", po::value<long>(&b.sample_steps)->default_value(50), "sampling steps")(
      "metrics", "time every metric instead (on --points generated vs reference 2-D points)")(
      "points", po::value<long>(&m.points)->default_value(100000), "points per set for --metrics");
  const auto vm = parse(args, opts, {});
  if (vm.count("help")) {
    usage("sgm bench [--threads N] [--seconds S] | sgm bench --metrics [--points N]", opts);
    std::cout << "Reference workload: 2-D GMM data, VP SDE, MLP 4x128 SiLU on (x, t), DSM, Adam;\n"
                 "reverse Euler-Maruyama sampling with that MLP. Each figure is also given as a\n"
                 "fraction of the single-precision GEMM peak measured in the same run.\n"
                 "With --metrics: each installed metric with its default parameters (O(n^2) ones\n"
                 "subsample as their parameters say) on two independent draws of the 2-D mixture.\n";
    return 0;
  }
  if (b.seconds <= 0 || b.train_batch < 1 || b.sample_particles < 1 || b.sample_steps < 1 ||
      m.points < 2)
    throw po::error("--seconds, --batch, --particles and --steps must be positive and --points "
                    "at least 2");
  ComponentRegistry r;
  load_plugins(r, g);
  if (vm.count("metrics")) {
    m.threads = b.threads;
    run_metric_bench(r, m, std::cout);
  } else {
    run_bench(r, b, std::cout);
  }
  return 0;
}

int cmd_plot(const std::vector<std::string>& args) {
  po::options_description opts("Options of `sgm plot`");
  opts.add_options()("help,h", "show this help")(
      "dirs", po::value<std::vector<std::string>>(), "run or sweep directories");
  po::positional_options_description pos;
  pos.add("dirs", -1);
  const auto vm = parse(args, opts, pos);
  if (vm.count("help") || !vm.count("dirs")) {
    usage("sgm plot DIR...", opts);
    std::cout << "Draws each directory's results into DIR/plots/, as SVG and PNG (640x480):\n"
                 "  a run:   samples      generated samples over the data (reference.csv): x0 vs x1,\n"
                 "                        or density histograms in 1-D (from samples.csv or .npy)\n"
                 "           trajectories the recorded particles' paths (trajectories.csv)\n"
                 "           loss         training loss per step (loss.csv)\n"
                 "  a sweep: <metric>     each metric of sweep.csv (summary.csv when present)\n"
                 "                        against the first numeric swept parameter, one line per\n"
                 "                        value of the others, with standard errors and the\n"
                 "                        data-vs-data baseline; a bar per point when none is numeric\n"
                 "A plot whose input file is missing is left out. Prints the files written.\n";
    return vm.count("help") ? 0 : kBadInput;
  }
  for (const auto& dir : vm["dirs"].as<std::vector<std::string>>())
    for (const auto& file : plot_dir(dir)) std::cout << file.string() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  Global g;
  // Global options come before the command.
  std::size_t i = 0;
  while (i < args.size() && args[i].rfind("-", 0) == 0) {
    const std::string a = args[i];
    if (a == "--help" || a == "-h") {
      std::cout << kOverview;
      return 0;
    }
    if (a == "--version") {
      std::cout << "sgm " << SGM_VERSION_STRING << " (" << SGM_ABI_FINGERPRINT << ")\n";
      return 0;
    }
    if (a == "--plugin-path" && i + 1 < args.size()) {
      g.plugin_paths.push_back(args[i + 1]);
      i += 2;
      continue;
    }
    if (a.rfind("--plugin-path=", 0) == 0) {
      g.plugin_paths.push_back(a.substr(14));
      ++i;
      continue;
    }
    std::cerr << "sgm: unknown option '" << a << "'\n\n" << kOverview;
    return kBadInput;
  }
  if (i == args.size()) {
    std::cerr << kOverview;
    return kBadInput;
  }
  const std::string cmd = args[i];
  const std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
  try {
    if (cmd == "list") return cmd_list(rest, g);
    if (cmd == "describe") return cmd_describe(rest, g);
    if (cmd == "validate") return cmd_validate(rest, g);
    if (cmd == "run") return cmd_run(rest, g);
    if (cmd == "check") return cmd_check(rest, g);
    if (cmd == "merge") return cmd_merge(rest);
    if (cmd == "bench") return cmd_bench(rest, g);
    if (cmd == "plot") return cmd_plot(rest);
    if (cmd == "report") return cmd_report(rest);
    std::cerr << fmt::format("sgm: unknown command '{}'{}\n\n{}", cmd,
                             did_you_mean(cmd, {"list", "describe", "validate", "run", "check", "merge", "bench", "plot",
                                            "report"}),
                             kOverview);
    return kBadInput;
  } catch (const po::error& e) {
    std::cerr << "sgm " << cmd << ": " << e.what() << " (see `sgm " << cmd << " --help`)\n";
    return kBadInput;
  } catch (const PipelineError& e) {
    for (const auto& line : e.problems()) std::cerr << line << "\n";
    std::cerr << fmt::format("sgm {}: {} problem{}; nothing was run\n", cmd, e.problems().size(),
                             e.problems().size() == 1 ? "" : "s");
    return kBadInput;
  } catch (const std::exception& e) {
    std::cerr << "sgm " << cmd << ": error: " << e.what() << "\n";
    return kRunFailed;
  }
}
