#include "sgm/host/describe.hpp"

#include <fmt/format.h>

#include "sgm/host/output.hpp"
#include "sgm/host/param_validation.hpp"
#include "sgm/host/suggest.hpp"

namespace sgm::host {

namespace {
const ComponentKind kAllKinds[] = {ComponentKind::dataset, ComponentKind::sde,
                                   ComponentKind::score, ComponentKind::integrator,
                                   ComponentKind::metric, ComponentKind::objective};
}

ComponentKind parse_kind(const std::string& text) {
  std::vector<std::string> names;
  for (auto k : kAllKinds) {
    const std::string n = to_string(k);
    names.push_back(n);
    if (text == n || text == n + "s" || (k == ComponentKind::sde && text == "sdes") ||
        (k == ComponentKind::score && text == "scores"))
      return k;
  }
  throw Error(fmt::format("unknown kind '{}'{} (kinds: {})", text, did_you_mean(text, names),
                          join(names)));
}

std::string list_text(const ComponentRegistry& r, std::optional<ComponentKind> kind) {
  std::string out;
  for (auto k : kAllKinds) {
    if (kind && *kind != k) continue;
    out += fmt::format("{}:\n", to_string(k));
    bool any = false;
    for (const Component* c : r.all()) {
      if (c->info.kind != k) continue;
      out += fmt::format("  {:<22} {}\n", c->info.spec.name(), c->info.spec.description());
      any = true;
    }
    if (!any) out += "  (none)\n";
  }
  if (!r.broken().empty())
    out += fmt::format("\n{} librar{} failed to load: see `sgm list --broken`\n", r.broken().size(),
                       r.broken().size() == 1 ? "y" : "ies");
  return out;
}

std::string list_json(const ComponentRegistry& r, std::optional<ComponentKind> kind) {
  std::string out = "[";
  bool first = true;
  for (const Component* c : r.all()) {
    if (kind && *kind != c->info.kind) continue;
    out += first ? "\n" : ",\n";
    first = false;
    const ParamSpec& s = c->info.spec;
    out += fmt::format(R"(  {{"kind": "{}", "name": "{}", "description": "{}", "library": "{}", "params": [)",
                       to_string(c->info.kind), json_escape(s.name()), json_escape(s.description()),
                       json_escape(c->file));
    for (std::size_t i = 0; i < s.params().size(); ++i) {
      const ParamDef& d = s.params()[i];
      out += fmt::format(R"({}{{"key": "{}", "type": "{}", "default": "{}", "range": "{}", "doc": "{}"}})",
                         i ? ", " : "", json_escape(d.key), to_string(d.type),
                         d.required() ? "" : json_escape(to_toml_text(*d.default_value)),
                         json_escape(d.range_text()), json_escape(d.doc));
    }
    out += "]}";
  }
  return out + "\n]\n";
}

std::string broken_text(const ComponentRegistry& r) {
  if (r.broken().empty()) return "no broken libraries\n";
  std::string out;
  for (const auto& b : r.broken()) out += fmt::format("{}\n", b.reason);
  return out;
}

std::string describe_text(const ParamSpec& spec, const std::string& kind, const std::string& file,
                          const std::string& version) {
  std::string out = fmt::format("{} ({})\n  {}\n", spec.name(), kind, spec.description());
  if (!file.empty()) out += fmt::format("  library: {} (version {})\n", file, version);
  out += "\nParameters:\n";
  if (spec.params().empty()) out += "  (none)\n";
  for (const auto& d : spec.params()) {
    out += fmt::format("  {:<20} {}", d.key, to_string(d.type));
    out += d.required() ? ", required" : ", default " + to_toml_text(*d.default_value);
    if (!d.range_text().empty()) out += ", range " + d.range_text();
    if (!d.allowed.empty()) out += ", one of: " + join(d.allowed);
    out += fmt::format("\n      {}\n", d.doc);
  }
  if (!spec.example().empty()) {
    out += "\nExample:\n";
    std::string ex = spec.example();
    std::size_t start = 0;
    while (start < ex.size()) {
      const auto nl = ex.find('\n', start);
      out += "  " + ex.substr(start, nl == std::string::npos ? std::string::npos : nl - start) + "\n";
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  return out;
}

}  // namespace sgm::host
