// pipeline.cpp: parsing and validating pipeline files against the plugins' schemas.
#include "sgm/host/pipeline.hpp"

#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "sgm/host/param_validation.hpp"
#include "sgm/host/suggest.hpp"
#include "sgm/host/training.hpp"

namespace sgm::host {

namespace fs = std::filesystem;

std::string Location::str() const {
  if (line == 0) return file;
  return fmt::format("{}:{}:{}", file, line, column);
}

namespace {
std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& p : v) s += (s.empty() ? "" : "\n") + p;
  return s;
}
}  // namespace

PipelineError::PipelineError(std::vector<std::string> problems)
    : Error(join_lines(problems)), problems_(std::move(problems)) {}

const ParamSpec& run_spec() {
  static const ParamSpec spec = [] {
    ParamSpec p{"run", "host settings of a run"};
    p.add<std::int64_t>("seed", 0, "run seed; every random number derives from it").min(0);
    p.add<std::int64_t>("particles", 10000, "number of samples to generate").min(1);
    p.add<std::int64_t>("reference_particles", 0,
                        "fresh dataset samples that metrics compare against (0: as many as "
                        "particles)")
        .min(0);
    p.add<std::int64_t>("chunk", 256, "particles per parallel task (never changes results)")
        .min(1);
    p.add<bool>("baseline", true,
                "also evaluate each metric between two independent reference sets (the "
                "data-vs-data floor)");
    p.example("[run]\nseed = 1\nparticles = 10000");
    return p;
  }();
  return spec;
}

const ParamSpec& output_spec() {
  static const ParamSpec spec = [] {
    ParamSpec p{"output", "what a run writes besides metrics.json, pipeline.toml and run.log"};
    p.add<bool>("csv", true, "write samples.csv");
    p.add<bool>("npy", true, "write samples.npy (float64, C order)");
    p.example("[output]\ncsv = false");
    return p;
  }();
  return spec;
}

const ParamSpec& model_spec() {
  static const ParamSpec spec = [] {
    ParamSpec p{"model", "trained weights for a trainable [score] model"};
    p.add<std::string>("checkpoint", "",
                       "checkpoint to load (path relative to the working directory); with "
                       "[train], training resumes from it");
    p.add<std::string>("weights", "ema", "which weights to sample with: ema or raw")
        .choices({"ema", "raw"});
    p.example("[model]\ncheckpoint = \"runs/swiss_roll/model.ckpt\"");
    return p;
  }();
  return spec;
}

namespace {

constexpr const char* kCommandLine = "<command line --set>";

struct Parser {
  std::string file;
  const ComponentRegistry& registry;
  std::vector<std::string> problems;

  Location where(const toml::node& n) const {
    const auto& src = n.source();
    if (!src.path) return Location{kCommandLine};  // parsed from a --set override
    return Location{file, src.begin.line, src.begin.column};
  }
  void problem(const Location& at, const std::string& msg) {
    problems.push_back(at.str() + ": " + msg);
  }

  // Values of a table's keys other than `skip`, converted to Values; problems reported.
  std::map<std::string, Value> values_of(const toml::table& t, const std::string& table_name,
                                         std::map<std::string, Location>& locations,
                                         const std::string& skip = "") {
    std::map<std::string, Value> out;
    for (const auto& [k, node] : t) {
      const std::string key(k.str());
      if (key == skip) continue;
      locations[key] = where(node);
      std::string why;
      if (auto v = value_from_toml(node, why)) out.emplace(key, std::move(*v));
      else problem(where(node), fmt::format("[{}].{}: {}", table_name, key, why));
    }
    return out;
  }

  Params resolve(const ParamSpec& spec, const toml::table& t, const std::string& table_name,
                 const std::string& skip = "") {
    std::map<std::string, Location> locations;
    auto given = values_of(t, table_name, locations, skip);
    std::vector<ParamIssue> issues;
    Params p = resolve_params(spec, given, issues);
    for (const auto& issue : issues) {
      const Location at = issue.key.empty() ? where(t) : locations[issue.key];
      problem(at, fmt::format("[{}]{}: {}", table_name, issue.key.empty() ? "" : "." + issue.key,
                              issue.message));
    }
    return p;
  }

  Params host_table(const toml::table& root, const char* name, const ParamSpec& spec) {
    const toml::node* n = root.get(name);
    if (!n) return resolve(spec, toml::table{}, name);
    if (const toml::table* t = n->as_table()) return resolve(spec, *t, name);
    problem(where(*n), fmt::format("'{}' must be a table ([{}])", name, name));
    return Params{};
  }

  std::optional<StageConfig> stage(const toml::node& n, const std::string& table_name,
                                   ComponentKind kind) {
    const toml::table* t = n.as_table();
    if (!t) {
      problem(where(n), fmt::format("'{}' must be a table ([{}] with plugin = \"...\")",
                                    table_name, table_name));
      return std::nullopt;
    }
    const toml::node* plugin = t->get("plugin");
    if (!plugin) {
      const auto known = registry.names(kind);
      problem(where(*t), fmt::format("[{}]: missing 'plugin = \"...\"' (a {}: {})", table_name,
                                     to_string(kind), join(known)));
      return std::nullopt;
    }
    const auto* name = plugin->as_string();
    if (!name) {
      problem(where(*plugin), fmt::format("[{}].plugin must be a string", table_name));
      return std::nullopt;
    }
    const Component* c = registry.find(kind, name->get());
    if (!c) {
      try {
        registry.get(kind, name->get());
      } catch (const std::exception& e) {
        problem(where(*plugin), fmt::format("[{}]: {}", table_name, e.what()));
      }
      return std::nullopt;
    }
    StageConfig s;
    s.table = table_name;
    s.kind = kind;
    s.plugin = name->get();
    s.location = where(*t);
    s.params = resolve(c->info.spec, *t, table_name, "plugin");
    return s;
  }
};

const std::vector<std::pair<std::string, ComponentKind>>& plugin_stages() {
  static const std::vector<std::pair<std::string, ComponentKind>> s = {
      {"dataset", ComponentKind::dataset},
      {"sde", ComponentKind::sde},
      {"score", ComponentKind::score},
      {"objective", ComponentKind::objective},
      {"sample", ComponentKind::integrator}};
  return s;
}

std::vector<std::string> top_level_tables() {
  std::vector<std::string> names = {"run", "output", "train", "model", "evaluate", "sweep"};
  for (const auto& [n, k] : plugin_stages()) names.push_back(n);
  return names;
}

// "table.sub.key=value" applied to the parsed document.
void apply_override(toml::table& root, const std::string& text, std::vector<std::string>& problems) {
  const auto eq = text.find('=');
  const std::string path = eq == std::string::npos ? "" : text.substr(0, eq);
  if (eq == std::string::npos || path.find('.') == std::string::npos) {
    problems.push_back(fmt::format("{}: '{}' is not of the form table.key=value", kCommandLine, text));
    return;
  }
  const std::string value_text = text.substr(eq + 1);
  toml::table parsed;
  try {
    parsed = toml::parse("v = " + value_text);
  } catch (const toml::parse_error&) {
    parsed = toml::table{};
    parsed.insert("v", value_text);  // a bare word is a string: --set sde.plugin=ve
  }
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  toml::table* t = &root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* child = t->get(parts[i]);
    if (!child) child = &t->insert(parts[i], toml::table{}).first->second;
    t = child->as_table();
    if (!t) {
      problems.push_back(fmt::format("{}: '{}' is not a table", kCommandLine, parts[i]));
      return;
    }
  }
  // Overridden values carry no source path, so problems point at the command line.
  t->insert_or_assign(parts.back(), std::move(*parsed.get("v")));
}

// [train] needs a model and a loss; a loss or a checkpoint without a model is a mistake.
void check_training_stages(Parser& p, const toml::table& root, const Pipeline& pl) {
  const Location top{p.file, 1, 1};
  auto at = [&](const char* name) {
    const toml::node* n = root.get(name);
    return n ? p.where(*n) : top;
  };
  if (pl.train && !root.get("objective"))
    p.problem(at("train"), "[train] needs an [objective] stage (plugin = one of: " +
                               join(p.registry.names(ComponentKind::objective)) + ")");
  if (pl.train && !root.get("score"))
    p.problem(at("train"), "[train] needs a trainable [score] model (e.g. plugin = \"mlp\")");
  if (!pl.train && root.get("objective"))
    p.problem(at("objective"), "[objective] is only used with a [train] stage; add [train] or "
                               "remove [objective]");
  if (!pl.model.values().empty() && !pl.model.get<std::string>("checkpoint").empty() && !root.get("score"))
    p.problem(at("model"), "[model].checkpoint needs the [score] model it was trained with");
}

}  // namespace

Pipeline parse_pipeline(const std::string& text, const std::string& file_name,
                        const std::vector<std::string>& overrides,
                        const ComponentRegistry& registry) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    const auto& b = e.source().begin;
    throw PipelineError({fmt::format("{}:{}:{}: TOML syntax error: {}", file_name, b.line,
                                     b.column, e.description())});
  }
  std::vector<std::string> problems;
  for (const auto& o : overrides) apply_override(root, o, problems);
  if (!problems.empty()) throw PipelineError(problems);

  Parser p{file_name, registry, {}};
  Pipeline pl;
  pl.file = file_name;
  const auto known = top_level_tables();
  for (const auto& [k, node] : root) {
    const std::string key(k.str());
    if (std::find(known.begin(), known.end(), key) == known.end())
      p.problem(p.where(node), fmt::format("unknown stage [{}]{} (stages: {})", key,
                                           did_you_mean(key, known), join(known)));
  }
  pl.run = p.host_table(root, "run", run_spec());
  pl.output = p.host_table(root, "output", output_spec());
  pl.model = p.host_table(root, "model", model_spec());
  if (root.get("train")) pl.train = p.host_table(root, "train", train_spec());
  for (const auto& [name, kind] : plugin_stages()) {
    const toml::node* n = root.get(name);
    if (!n) continue;
    auto s = p.stage(*n, name, kind);
    if (name == "dataset") pl.dataset = std::move(s);
    else if (name == "sde") pl.sde = std::move(s);
    else if (name == "score") pl.score = std::move(s);
    else if (name == "objective") pl.objective = std::move(s);
    else pl.sample = std::move(s);
  }
  if (const toml::node* ev = root.get("evaluate")) {
    if (const toml::table* t = ev->as_table()) {
      for (const auto& [k, node] : *t) {
        const std::string label(k.str());
        if (!node.is_table()) {
          p.problem(p.where(node), fmt::format("[evaluate].{}: each metric is a sub-table "
                                               "[evaluate.{}] with plugin = \"...\"",
                                               label, label));
          continue;
        }
        if (auto s = p.stage(node, "evaluate." + label, ComponentKind::metric))
          pl.metrics.push_back(std::move(*s));
      }
    } else {
      p.problem(p.where(*ev), "'evaluate' must be a table of metrics ([evaluate.<label>])");
    }
  }
  if (const toml::node* sw = root.get("sweep")) {
    if (const toml::table* t = sw->as_table()) {
      for (const auto& [k, node] : *t) {
        const std::string path(k.str());
        const toml::array* values = node.as_array();
        if (path.find('.') == std::string::npos || !values || values->empty()) {
          p.problem(p.where(node), fmt::format("[sweep].\"{}\": each axis is \"table.key\" = [values...] "
                                               "(e.g. \"sample.steps\" = [50, 100])", path));
          continue;
        }
        std::vector<std::string> texts;
        for (const auto& v : *values) {
          std::string why;
          if (auto value = value_from_toml(v, why)) texts.push_back(to_toml_text(*value));
          else p.problem(p.where(v), fmt::format("[sweep].\"{}\": {}", path, why));
        }
        pl.sweep.emplace_back(path, std::move(texts));
      }
    } else {
      p.problem(p.where(*sw), "'sweep' must be a table of axes ([sweep] \"table.key\" = [...])");
    }
  }
  const Location top{file_name, 1, 1};
  if (!root.get("dataset"))
    p.problem(top, "missing stage [dataset] (plugin = one of: " +
                       join(registry.names(ComponentKind::dataset)) + ")");
  if (!root.get("sde"))
    p.problem(top, "missing stage [sde] (plugin = one of: " +
                       join(registry.names(ComponentKind::sde)) + ")");
  if (!root.get("sample"))
    p.problem(top, "missing stage [sample] (plugin = one of: " +
                       join(registry.names(ComponentKind::integrator)) + ")");
  check_training_stages(p, root, pl);
  if (!p.problems.empty()) throw PipelineError(p.problems);
  return pl;
}

std::vector<std::vector<std::string>> Pipeline::sweep_points() const {
  std::vector<std::vector<std::string>> points{{}};
  for (const auto& [path, values] : sweep) {
    std::vector<std::vector<std::string>> next;
    for (const auto& point : points)
      for (const auto& v : values) {
        auto p = point;
        p.push_back(path + "=" + v);
        next.push_back(std::move(p));
      }
    points = std::move(next);
  }
  return points;
}

namespace {
std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw PipelineError({file.string() + ": cannot open pipeline file"});
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

std::vector<Pipeline> expand_sweep(const fs::path& file, const std::vector<std::string>& overrides,
                                   const ComponentRegistry& registry) {
  const std::string text = read_text(file);
  Pipeline base = parse_pipeline(text, file.string(), overrides, registry);
  if (base.sweep.empty()) return {std::move(base)};
  std::vector<Pipeline> out;
  std::vector<std::string> problems;
  for (const auto& point : base.sweep_points()) {
    auto all = overrides;
    all.insert(all.end(), point.begin(), point.end());
    try {
      Pipeline p = parse_pipeline(text, file.string(), all, registry);
      p.sweep.clear();
      out.push_back(std::move(p));
    } catch (const PipelineError& e) {
      for (const auto& pr : e.problems()) problems.push_back(pr + "   (sweep point " + join(point, ", ") + ")");
    }
  }
  if (!problems.empty()) throw PipelineError(problems);
  // Keep the axes on each point so the runner can label rows.
  for (auto& p : out) p.sweep = base.sweep;
  return out;
}

Pipeline load_pipeline(const fs::path& file, const std::vector<std::string>& overrides,
                       const ComponentRegistry& registry) {
  return parse_pipeline(read_text(file), file.string(), overrides, registry);
}

std::string Pipeline::resolved_toml() const {
  std::string out;
  auto put_table = [&](const std::string& name, const std::string& plugin, const Params& params) {
    out += "\n[" + name + "]\n";
    if (!plugin.empty()) out += "plugin = \"" + plugin + "\"\n";
    for (const auto& [k, v] : params.values()) out += k + " = " + to_toml_text(v) + "\n";
  };
  put_table("run", "", run);
  for (const auto* s : {&dataset, &sde, &score, &objective, &sample})
    if (*s) put_table((*s)->table, (*s)->plugin, (*s)->params);
  if (train) put_table("train", "", *train);
  if (!model.get<std::string>("checkpoint").empty()) put_table("model", "", model);
  for (const auto& m : metrics) put_table(m.table, m.plugin, m.params);
  put_table("output", "", output);
  return out;
}

}  // namespace sgm::host
