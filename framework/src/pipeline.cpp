// pipeline.cpp: parsing and validating pipeline files against the plugins' schemas.
#include "sgm/host/pipeline.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <string_view>
#include <sstream>

#include <fmt/format.h>

#include "sgm/host/param_validation.hpp"
#include "sgm/host/suggest.hpp"
#include "sgm/host/training.hpp"
#include "sgm/host/output.hpp"

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
                        "particles, or as one pass with stream)")
        .min(0);
    p.add<std::int64_t>("chunk", 256, "particles per parallel task (never changes results)")
        .min(1);
    p.add<std::int64_t>("stream", 0,
                        "particles sampled, evaluated and written per pass (0: all at once); "
                        "peak memory grows with this, not with particles. Rounded up to a "
                        "multiple of chunk, so the samples are the same bits; metrics that do "
                        "not stream (the log names them) see the first pass")
        .min(0);
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
    p.add<std::int64_t>("trajectories", 16,
                        "particles whose paths are written to trajectories.csv (step, particle, "
                        "x...; at most ~200 recorded steps); 0: none")
        .min(0)
        .max(10000);
    p.add<std::int64_t>("reference", 2000,
                        "data points written to reference.csv (what plots draw the samples "
                        "against); 0: none")
        .min(0);
    p.add<bool>("plots", true, "draw plots/ after the run (samples vs data, trajectories, loss; "
                               "see `sgm plot`)");
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
constexpr std::uint64_t kMaxSweepPoints = 10000;
constexpr std::size_t kMaxSweepValues = 1000;

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
  std::vector<std::string> names = {"run",      "output", "train", "model",
                                    "evaluate", "sweep",  "report"};
  for (const auto& [n, k] : plugin_stages()) names.push_back(n);
  return names;
}

// toml++ builds nested tables recursively, so a 100000-deep [a.a.a...] header or dotted key
// overflows the stack inside toml::parse (found by tests/fuzz). Its own limit covers only nested
// arrays and inline tables (TOML_MAX_NESTED_VALUES, 256), so the depth of everything (header
// segments, dotted key segments, enclosing inline tables and arrays) is bounded by the same
// number before parsing. A linear scan that skips strings and comments; whatever it misreads in
// malformed text is left to the parser, which refuses that text anyway.
constexpr int kMaxNesting = 256;

/// The byte offset at which `s` nests deeper than kMaxNesting, if it does.
std::optional<std::size_t> too_deep(std::string_view s) {
  struct Frame {
    bool inline_table;
    int depth;
  };
  std::vector<Frame> stack;
  int header = 0, segments = 1, value_depth = 0;
  bool key = true, line_start = true;
  const auto base = [&] { return stack.empty() ? header : stack.back().depth; };
  // Past the end of the string starting at i (a quote), or npos if unterminated.
  const auto skip_string = [&](std::size_t i) -> std::size_t {
    const char q = s[i];
    const bool multi = s.substr(i, 3) == std::string_view(q == '"' ? "\"\"\"" : "'''");
    for (std::size_t j = i + (multi ? 3 : 1); j < s.size(); ++j) {
      if (q == '"' && s[j] == '\\') ++j;
      else if (!multi && s[j] == q) return j + 1;
      else if (multi && s.substr(j, 3) == s.substr(i, 3)) {
        j += 3;
        for (int extra = 0; extra < 2 && j < s.size() && s[j] == q; ++extra) ++j;  // """a""""
        return j;
      }
      else if (!multi && s[j] == '\n') return j;
    }
    return std::string_view::npos;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\n') {
      line_start = true;
      if (stack.empty()) key = true, segments = 1;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\r') continue;
    const bool first_on_line = line_start;
    line_start = false;
    if (c == '"' || c == '\'') {
      const std::size_t end = skip_string(i);
      if (end == std::string_view::npos) return std::nullopt;
      i = end - 1;
    } else if (c == '#') {
      while (i + 1 < s.size() && s[i + 1] != '\n') ++i;
    } else if (key && c == '[' && first_on_line && stack.empty()) {  // [table] or [[array]]
      header = 1;
      for (++i; i < s.size() && s[i] != ']' && s[i] != '\n'; ++i) {
        if (s[i] == '"' || s[i] == '\'') {
          const std::size_t end = skip_string(i);
          if (end == std::string_view::npos) return std::nullopt;
          i = end - 1;
        } else if (s[i] == '.' && ++header > kMaxNesting) {
          return i;
        }
      }
    } else if (key) {
      if (c == '.' && base() + ++segments > kMaxNesting) return i;
      if (c == '=') key = false, value_depth = base() + segments, segments = 1;
      if (c == '}' && !stack.empty() && stack.back().inline_table) stack.pop_back(), key = false;
    } else if (c == '[' || c == '{') {
      const bool in_array = !stack.empty() && !stack.back().inline_table;
      stack.push_back({c == '{', in_array ? stack.back().depth + 1 : value_depth});
      if (stack.back().depth > kMaxNesting || stack.size() > kMaxNesting) return i;
      if (c == '{') key = true, segments = 1;
    } else if ((c == ']' || c == '}') && !stack.empty()) {
      stack.pop_back();
    } else if (c == ',' && !stack.empty() && stack.back().inline_table) {
      key = true, segments = 1;
    }
  }
  return std::nullopt;
}

/// "line:column" (from 1) of a byte offset.
std::string line_column(std::string_view s, std::size_t offset) {
  const auto end = s.begin() + static_cast<std::ptrdiff_t>(offset);
  const std::size_t line = 1 + static_cast<std::size_t>(std::count(s.begin(), end, '\n'));
  const std::size_t nl = s.rfind('\n', offset == 0 ? 0 : offset - 1);
  const std::size_t column = nl == std::string_view::npos || offset == 0 ? offset + 1 : offset - nl;
  return fmt::format("{}:{}", line, column);
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
  if (too_deep("v = " + value_text) ||
      std::count(path.begin(), path.end(), '.') >= kMaxNesting) {
    problems.push_back(fmt::format("{}: '{}' is nested deeper than {} levels", kCommandLine,
                                   text.substr(0, 60), kMaxNesting));
    return;
  }
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
  // has(): a [model].checkpoint of the wrong type is already a problem and left unset.
  if (pl.model.has("checkpoint") && !pl.model.get<std::string>("checkpoint").empty() &&
      !root.get("score"))
    p.problem(at("model"), "[model].checkpoint needs the [score] model it was trained with");
}


// One [sweep] axis "table.key" = [values...] (from [sweep] or [sweep.zip]); false if refused.
bool parse_axis(Parser& p, const std::string& path, const toml::node& node, bool zipped,
                Pipeline& pl) {
  const std::string where = zipped ? "[sweep.zip]" : "[sweep]";
  const toml::array* values = node.as_array();
  if (path.find('.') == std::string::npos || !values || values->empty()) {
    p.problem(p.where(node), fmt::format("{}.\"{}\": each axis is \"table.key\" = [values...] "
                                         "(e.g. \"sample.steps\" = [50, 100])", where, path));
    return false;
  }
  if (values->size() > kMaxSweepValues) {
    p.problem(p.where(node), fmt::format("{}.\"{}\": {} values, at most {} per axis", where, path,
                                         values->size(), kMaxSweepValues));
    return false;
  }
  SweepAxis axis{path, {}, zipped};
  for (const auto& v : *values) {
    std::string why;
    if (auto value = value_from_toml(v, why)) axis.values.push_back(to_toml_text(*value));
    else p.problem(p.where(v), fmt::format("{}.\"{}\": {}", where, path, why));
  }
  pl.sweep.push_back(std::move(axis));
  return true;
}

// [sweep]: grid axes, and [sweep.zip]: axes of one length that advance together.
void parse_sweep(Parser& p, const toml::node& node, Pipeline& pl) {
  const toml::table* t = node.as_table();
  if (!t) {
    p.problem(p.where(node), "'sweep' must be a table of axes ([sweep] \"table.key\" = [...])");
    return;
  }
  const toml::table* zip = nullptr;
  for (const auto& [k, axis] : *t) {
    if (k.str() == "zip" && axis.is_table()) zip = axis.as_table();
    else parse_axis(p, std::string(k.str()), axis, false, pl);
  }
  if (zip) {
    std::size_t length = 0;
    std::string lengths;
    bool same = true;
    for (const auto& [k, axis] : *zip) {
      if (!parse_axis(p, std::string(k.str()), axis, true, pl)) continue;
      const std::size_t n = pl.sweep.back().values.size();
      same = same && (length == 0 || n == length);
      length = n;
      lengths += fmt::format("{}{} has {}", lengths.empty() ? "" : ", ", k.str(), n);
    }
    if (!same)
      p.problem(p.where(*zip), "[sweep.zip]: zipped axes advance together, so they need the same "
                               "number of values (" + lengths + ")");
  }
  // Every point is validated and held in memory, with a copy of the axes, before anything
  // runs (by every shard), so the grid is bounded: 360000 points took 96 s and 8.3 GB in
  // `sgm validate`, one 10000-value axis 13 s and 3.2 GB (found by tests/fuzz). At most
  // 10000 points of at most 1000 values per axis: about 1 s and 300 MB at worst.
  std::uint64_t points = 1;
  std::string shape;
  bool zip_counted = false;
  for (const auto& axis : pl.sweep) {
    if (axis.zipped && std::exchange(zip_counted, true)) continue;
    points = std::min<std::uint64_t>(points * std::max<std::size_t>(axis.values.size(), 1),
                                     kMaxSweepPoints + 1);
    shape += fmt::format("{}{}", shape.empty() ? "" : " x ", axis.values.size());
  }
  if (points > kMaxSweepPoints)
    p.problem(p.where(node), fmt::format("[sweep]: the grid ({} values) has more than {} points; "
                                         "split it into several pipelines",
                                         shape, kMaxSweepPoints));
}

// [report]: free-form labels; values only (no sub-tables), kept in file (key) order.
void parse_report(Parser& p, const toml::node& node, Pipeline& pl) {
  const toml::table* t = node.as_table();
  if (!t) {
    p.problem(p.where(node), "'report' must be a table of labels ([report] title = \"...\")");
    return;
  }
  for (const auto& [k, v] : *t) {
    std::string why;
    if (auto value = value_from_toml(v, why)) pl.report.emplace_back(std::string(k.str()), *value);
    else p.problem(p.where(v), fmt::format("[report].{}: {}", k.str(), why));
  }
}

}  // namespace

Pipeline parse_pipeline(const std::string& text, const std::string& file_name,
                        const std::vector<std::string>& overrides,
                        const ComponentRegistry& registry) {
  if (const auto at = too_deep(text))
    throw PipelineError({fmt::format("{}:{}: tables, keys and values nested deeper than {} levels",
                                     file_name, line_column(text, *at), kMaxNesting)});
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
  if (const toml::node* r = root.get("report")) parse_report(p, *r, pl);
  if (const toml::node* sw = root.get("sweep")) parse_sweep(p, *sw, pl);
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
  for (const auto& axis : sweep) {
    if (axis.zipped) continue;
    std::vector<std::vector<std::string>> next;
    for (const auto& point : points)
      for (const auto& v : axis.values) {
        auto p = point;
        p.push_back(axis.path + "=" + v);
        next.push_back(std::move(p));
      }
    points = std::move(next);
  }
  std::size_t zip_length = 0;
  for (const auto& axis : sweep) if (axis.zipped) zip_length = axis.values.size();
  if (zip_length == 0) return points;
  std::vector<std::vector<std::string>> next;
  for (const auto& point : points)
    for (std::size_t k = 0; k < zip_length; ++k) {
      auto p = point;
      for (const auto& axis : sweep)
        if (axis.zipped) p.push_back(axis.path + "=" + axis.values.at(k));
      next.push_back(std::move(p));
    }
  return next;
}

namespace {
std::string read_pipeline_text(const fs::path& file) {
  try {
    return read_text(file, "pipeline file");
  } catch (const Error& e) {
    throw PipelineError({e.what()});
  }
}

// A sweep point's values are applied like --set overrides, so their problems come back located
// at the command line. The base pipeline (the user's own --set included) validated without
// them, so such a problem is the point's doing: locate it at the [sweep] value it names
// ("[table].key: ..." or, for a plugin axis, "[table]: ..."), else at the [sweep] table.
std::string locate_at_sweep(const std::string& problem, const toml::table& root,
                            const Pipeline& base, const std::vector<std::string>& point) {
  const std::string cli = std::string(kCommandLine) + ": ";
  const toml::table* sweep = root.get_as<toml::table>("sweep");
  if (problem.rfind(cli, 0) != 0 || !sweep) return problem;
  const std::string msg = problem.substr(cli.size());
  std::size_t best = base.sweep.size();
  int best_score = 0;
  for (std::size_t a = 0; a < base.sweep.size(); ++a) {
    const std::string& path = base.sweep[a].path;
    const auto dot = path.rfind('.');
    const std::string table = "[" + path.substr(0, dot) + "]", key = path.substr(dot + 1);
    const int score = msg.rfind(table + "." + key + ":", 0) == 0 ||
                              (key == "plugin" && msg.rfind(table + ":", 0) == 0)
                          ? 2
                          : msg.rfind(table, 0) == 0 ? 1 : 0;
    if (score > best_score) best = a, best_score = score;
  }
  const toml::node* at = sweep;
  if (best < base.sweep.size()) {
    const auto& [path, texts, zipped] = base.sweep[best];
    const toml::table* axes = zipped ? sweep->get_as<toml::table>("zip") : sweep;
    if (const toml::array* values = axes ? axes->get_as<toml::array>(path) : nullptr) {
      at = values;
      const std::string value = point[best].substr(path.size() + 1);  // "path=value"
      const auto k =
          static_cast<std::size_t>(std::find(texts.begin(), texts.end(), value) - texts.begin());
      if (k < values->size()) at = values->get(k);
    }
  }
  const auto& b = at->source().begin;
  return fmt::format("{}:{}:{}: {}", base.file, b.line, b.column, msg);
}

// The text each sweep point is validated from: the file with the [sweep] axes blanked out
// (spaces, line ends kept, so every other location is unchanged). A point re-parses the file, so
// with the axes in it a 10000-value axis made validation quadratic (100 s for a 50 kB file; found
// by tests/fuzz). Falls back to the whole text if the blanked one does not parse without axes.
std::string without_sweep_axes(const std::string& text, const toml::table& root,
                               const std::string& file) {
  const toml::table* sweep = root.get_as<toml::table>("sweep");
  if (!sweep) return text;
  std::vector<std::size_t> line_at{0};  // byte offset of each line (from line 1)
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') line_at.push_back(i + 1);
  std::string out = text;
  const auto blank = [&](const toml::node& node) {
    const auto& src = node.source();
    if (src.begin.line == 0 || src.end.line < src.begin.line || src.end.line > line_at.size())
      return false;
    const std::size_t to = src.end.line < line_at.size() ? line_at[src.end.line] : text.size();
    for (std::size_t i = line_at[src.begin.line - 1]; i < to; ++i)
      if (out[i] != '\n') out[i] = ' ';
    return true;
  };
  for (const auto& [key, node] : *sweep) {
    if (const toml::table* zip = key.str() == "zip" ? node.as_table() : nullptr) {
      for (const auto& [k, axis] : *zip)
        if (!blank(axis)) return text;
    } else if (!blank(node)) {
      return text;
    }
  }
  // What may be left: [sweep] and [sweep.zip] headers with nothing in them.
  const auto empty = [](const toml::table* t) {
    if (!t) return true;
    for (const auto& [k, node] : *t)
      if (k.str() != "zip" || !node.is_table() || !node.as_table()->empty()) return false;
    return true;
  };
  try {
    const toml::table check = toml::parse(out, file);
    return empty(check.get_as<toml::table>("sweep")) ? out : text;
  } catch (const toml::parse_error&) {
    return text;
  }
}
}  // namespace

std::vector<Pipeline> expand_sweep(const fs::path& file, const std::vector<std::string>& overrides,
                                   const ComponentRegistry& registry) {
  const std::string text = read_pipeline_text(file);
  Pipeline base = parse_pipeline(text, file.string(), overrides, registry);
  if (base.sweep.empty()) return {std::move(base)};
  std::vector<Pipeline> out;
  std::vector<std::string> problems;
  const toml::table root = toml::parse(text, file.string());  // parsed above: does not throw
  const std::string point_text = without_sweep_axes(text, root, file.string());
  for (const auto& point : base.sweep_points()) {
    auto all = overrides;
    all.insert(all.end(), point.begin(), point.end());
    try {
      Pipeline p = parse_pipeline(point_text, file.string(), all, registry);
      p.sweep.clear();
      out.push_back(std::move(p));
    } catch (const PipelineError& e) {
      std::string label = join(point, ", ");
      if (label.size() > 200) label = label.substr(0, 200) + "...";
      for (const auto& pr : e.problems())
        problems.push_back(locate_at_sweep(pr, root, base, point) + "   (sweep point " + label +
                           ")");
    }
  }
  if (!problems.empty()) throw PipelineError(problems);
  // Keep the axes on each point so the runner can label rows.
  for (auto& p : out) p.sweep = base.sweep;
  return out;
}

Pipeline load_pipeline(const fs::path& file, const std::vector<std::string>& overrides,
                       const ComponentRegistry& registry) {
  return parse_pipeline(read_pipeline_text(file), file.string(), overrides, registry);
}

namespace {
/// A bare key when it can be one, else a quoted key (a [report] key may be any string).
std::string toml_key(const std::string& k) {
  const bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? k : to_toml_text(Value{k});
}
}  // namespace

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
  if (!report.empty()) {
    out += "\n[report]\n";
    for (const auto& [k, v] : report) out += toml_key(k) + " = " + to_toml_text(v) + "\n";
  }
  return out;
}

}  // namespace sgm::host
