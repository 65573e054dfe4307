// report.cpp: EXPERIMENTS.md from result directories (see report.hpp).
#include "sgm/host/report.hpp"
#include "sgm/host/output.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <sgm/error.hpp>

#include "sweep_table.hpp"

namespace sgm::host {

namespace fs = std::filesystem;

namespace {

/// The [report] labels of a resolved pipeline.toml, as text, in key order.
std::map<std::string, std::string> report_labels(const fs::path& pipeline) {
  std::map<std::string, std::string> out;
  toml::table root;
  try {
    root = toml::parse_file(pipeline.string());
  } catch (const toml::parse_error& e) {
    throw Error(fmt::format("{}:{}: {}", pipeline.string(), e.source().begin.line, e.description()));
  }
  if (const toml::table* r = root["report"].as_table())
    for (const auto& [k, v] : *r) {
      if (const auto* s = v.as_string()) out[std::string(k.str())] = s->get();
      else {
        std::ostringstream os;
        v.visit([&](const auto& x) { os << x; });
        out[std::string(k.str())] = os.str();
      }
    }
  return out;
}

/// A run's metrics.json members "metrics"/"baseline" -> "label.name" -> value. Reads the
/// writer's own layout (output.hpp JsonWriter: one member per line), not general JSON.
std::vector<std::pair<std::string, std::string>> json_numbers(const fs::path& file,
                                                              std::string& pipeline_file) {
  std::vector<std::pair<std::string, std::string>> out;
  std::vector<std::string> path;
  std::istringstream in(read_text(file));
  for (std::string line; std::getline(in, line);) {
    const auto q1 = line.find('"');
    const auto q2 = q1 == std::string::npos ? q1 : line.find("\": ", q1 + 1);
    if (q2 == std::string::npos) {
      if (line.find('}') != std::string::npos && !path.empty()) path.pop_back();
      continue;
    }
    const std::string key = line.substr(q1 + 1, q2 - q1 - 1);
    std::string value = line.substr(q2 + 3);
    if (!value.empty() && value.back() == ',') value.pop_back();
    if (value == "{") {
      path.push_back(key);
      continue;
    }
    if (path.empty() && key == "pipeline" && value.size() >= 2) pipeline_file = value.substr(1, value.size() - 2);
    if (path.size() == 2 && (path[0] == "metrics" || path[0] == "baseline"))
      out.emplace_back((path[0] == "baseline" ? "baseline:" : "") + path[1] + "." + key, value);
  }
  return out;
}

/// First point directory of a sweep (point-0000, or the lowest that exists).
std::optional<fs::path> first_point(const fs::path& dir) {
  std::optional<fs::path> best;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().rfind("point-", 0) == 0 &&
        (!best || e.path().filename() < best->filename()))
      best = e.path();
  return best;
}

struct Section {
  std::map<std::string, std::string> labels;  // [report]
  std::string table;                          // markdown
  std::string pipeline_file;
  std::string default_figure;                 // relative to the directory, no extension
};

Section sweep_section(const fs::path& dir) {
  Section s;
  const auto points = sweep_table::read(dir / "sweep.csv");
  const auto summary = sweep_table::summarize(points);
  s.table = sweep_table::summary_markdown(summary);
  if (const auto p = first_point(dir)) {
    if (fs::exists(*p / "pipeline.toml")) s.labels = report_labels(*p / "pipeline.toml");
    if (fs::exists(*p / "metrics.json")) json_numbers(*p / "metrics.json", s.pipeline_file);
  }
  for (const auto& a : summary.lead)  // swept labels are in the table, not in the list
    if (a.rfind("report.", 0) == 0) s.labels.erase(a.substr(7));
  // The figure: the chart (as `sgm plot` names it) of the first metric that varies over the rows.
  std::string first_metric;
  for (const auto& [k, v] : summary.rows.front()) {
    if (k.find('.') == std::string::npos || k.rfind("report.", 0) == 0 ||
        k.rfind("baseline:", 0) == 0 || k.find(':') != std::string::npos ||
        std::find(summary.lead.begin(), summary.lead.end(), k) != summary.lead.end())
      continue;
    if (first_metric.empty()) first_metric = k;
    const bool varies = std::any_of(summary.rows.begin(), summary.rows.end(), [&](const auto& r) {
      return !r.count(k) || r.at(k) != v;
    });
    if (varies) {
      s.default_figure = "plots/" + k;
      return s;
    }
  }
  if (!first_metric.empty()) s.default_figure = "plots/" + first_metric;
  return s;
}

Section run_section(const fs::path& dir) {
  Section s;
  s.labels = report_labels(dir / "pipeline.toml");
  const auto values = json_numbers(dir / "metrics.json", s.pipeline_file);
  std::map<std::string, std::string> baseline;
  for (const auto& [k, v] : values)
    if (k.rfind("baseline:", 0) == 0) baseline[k.substr(9)] = v;
  s.table = "| metric | ours | data vs data |\n|---|---|---|\n";
  const auto shown = [](const std::string& v) {  // 6 significant digits, like the run's log
    char* end = nullptr;
    const double x = std::strtod(v.c_str(), &end);
    return end == v.c_str() + v.size() && !v.empty() ? fmt::format("{:.6g}", x) : v;
  };
  for (const auto& [k, v] : values)
    if (k.rfind("baseline:", 0) != 0)
      s.table += fmt::format("| {} | {} | {} |\n", k, shown(v),
                             baseline.count(k) ? shown(baseline.at(k)) : "");
  s.default_figure = "plots/samples";
  return s;
}

/// Copies <dir>/<figure>.png (or .svg) to `figures`; returns its link from `out`'s directory.
std::optional<std::string> copy_figure(const fs::path& dir, const std::string& figure,
                                       const fs::path& out, const fs::path& figures) {
  for (const char* ext : {".png", ".svg"}) {  // PNG first: a scatter's SVG is megabytes
    const fs::path from = dir / (figure + ext);
    if (!fs::exists(from)) continue;
    fs::create_directories(figures);
    std::string name = dir.filename().string() + "-" + fs::path(figure).filename().string() + ext;
    const fs::path to = figures / name;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    const fs::path base = out.parent_path().empty() ? fs::path(".") : out.parent_path();
    return fs::relative(to, base).generic_string();
  }
  return std::nullopt;
}

std::string anchor(const std::string& title) {
  std::string a;
  for (char c : title) {
    if (std::isalnum(static_cast<unsigned char>(c))) a += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (c == ' ' || c == '-') a += '-';
  }
  return a;
}

}  // namespace

std::string experiments_report(const std::vector<fs::path>& dirs, const fs::path& out,
                               const fs::path& figures) {
  std::string toc, body;
  for (const auto& dir : dirs) {
    Section s;
    if (fs::exists(dir / "sweep.csv")) s = sweep_section(dir);
    else if (fs::exists(dir / "metrics.json")) s = run_section(dir);
    else throw Error(dir.string() + ": holds no results (no sweep.csv or metrics.json); run the "
                                    "pipeline with --out " + dir.string() + " first");
    const std::string title = s.labels.count("title") ? s.labels.at("title") : dir.filename().string();
    toc += fmt::format("- [{}](#{})\n", title, anchor(title));
    body += fmt::format("\n## {}\n\n", title);
    if (s.labels.count("shows")) body += s.labels.at("shows") + "\n\n";
    if (s.labels.count("seed")) body += "**The seed:** " + s.labels.at("seed") + "\n\n";
    body += "**Ours:**\n\n" + s.table + "\n";
    const std::string figure = s.labels.count("figure") ? s.labels.at("figure") : s.default_figure;
    if (const auto link = figure.empty() ? std::nullopt : copy_figure(dir, figure, out, figures))
      body += fmt::format("![{}]({})\n\n", title, *link);
    std::string others;
    for (const auto& [k, v] : s.labels)
      if (k != "title" && k != "shows" && k != "seed" && k != "figure") others += fmt::format("- {}: {}\n", k, v);
    if (!others.empty()) body += others + "\n";
    if (!s.pipeline_file.empty())
      body += fmt::format("Pipeline: `{}` (results in `{}`)\n", s.pipeline_file, dir.generic_string());
  }
  return "# Experiments: the seed documents, reproduced\n\n"
         "Generated by `sgm report` from the result tables of `scripts/experiments.sh` (which runs\n"
         "every pipeline of examples/pipelines/seeds/); do not edit by hand. Each section gives the\n"
         "seed's figure beside ours; ± is one standard error over the seeds of the run.\n\n" +
         toc + body;
}

}  // namespace sgm::host
