// param_validation.hpp: checking given parameter values against a component's ParamSpec
// (MOOSE validParams: unknown keys are errors, not warnings; types and ranges are checked).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include <sgm/params.hpp>

namespace sgm::host {

/// A problem with one key ("" for the component as a whole).
struct ParamIssue {
  std::string key;
  std::string message;
};

/// The Value a TOML node holds (numbers, strings, booleans, nested arrays of numbers up to
/// depth 3), or nullopt with the reason in `why`.
std::optional<Value> value_from_toml(const toml::node& node, std::string& why);

/// `v` converted to type `t` (integers widen to reals), or nullopt if it has another type.
std::optional<Value> coerce(const Value& v, ParamType t);

/// The type name of a value as a user would say it ("string", "integer", ...).
std::string type_name(const Value& v);

/// A value as TOML text ("0.1", "\"vp\"", "[1.0, 2.0]").
std::string to_toml_text(const Value& v);

/// Defaults filled in, given values coerced and range-checked; problems appended to `issues`.
Params resolve_params(const ParamSpec& spec, const std::map<std::string, Value>& given,
                      std::vector<ParamIssue>& issues);

}  // namespace sgm::host
