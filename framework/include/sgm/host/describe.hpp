// describe.hpp: components describing themselves (gst-inspect): `sgm list`, `sgm describe`.
#pragma once

#include <optional>
#include <string>

#include <sgm/params.hpp>

#include "sgm/host/registry.hpp"

namespace sgm::host {

/// "dataset" / "datasets" / "sde" ... -> kind. \throws Error listing the kinds.
ComponentKind parse_kind(const std::string& text);

/// A table of components: kind, name, description (and the library with `verbose`).
std::string list_text(const ComponentRegistry& r, std::optional<ComponentKind> kind);
/// The same as JSON, with each component's parameters.
std::string list_json(const ComponentRegistry& r, std::optional<ComponentKind> kind);
/// Libraries that failed to load, with the reason.
std::string broken_text(const ComponentRegistry& r);
/// Every parameter with its type, default, range and doc, and the example stage.
std::string describe_text(const ParamSpec& spec, const std::string& kind, const std::string& file,
                          const std::string& version);

}  // namespace sgm::host
