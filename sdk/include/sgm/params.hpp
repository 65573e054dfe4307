// params.hpp: self-describing parameters (MOOSE validParams(), GStreamer param specs).
// Each component declares a ParamSpec; the host validates a pipeline against it before anything
// runs and hands the constructor a Params holding exactly the declared keys, with defaults
// filled in and types and ranges checked.
#pragma once

#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "sgm/abi.hpp"
#include "sgm/error.hpp"

namespace sgm {

using DoubleList = std::vector<double>;
using DoubleTable = std::vector<DoubleList>;   // e.g. GMM means: one row per component
using DoubleTable3 = std::vector<DoubleTable>; // e.g. GMM covariances: one matrix per component

/// A parameter value. The alternatives are exactly the types a pipeline may hold.
using Value = std::variant<bool, std::int64_t, double, std::string, DoubleList, DoubleTable,
                           DoubleTable3>;

enum class ParamType { boolean, integer, real, string, real_list, real_table, real_table3 };

/// The ParamType of a C++ type (int64_t for integers, double for reals).
template <class T>
constexpr ParamType param_type_of() {
  if constexpr (std::is_same_v<T, bool>) return ParamType::boolean;
  else if constexpr (std::is_same_v<T, std::int64_t>) return ParamType::integer;
  else if constexpr (std::is_same_v<T, double>) return ParamType::real;
  else if constexpr (std::is_same_v<T, std::string>) return ParamType::string;
  else if constexpr (std::is_same_v<T, DoubleList>) return ParamType::real_list;
  else if constexpr (std::is_same_v<T, DoubleTable>) return ParamType::real_table;
  else {
    static_assert(std::is_same_v<T, DoubleTable3>, "unsupported parameter type");
    return ParamType::real_table3;
  }
}

inline const char* to_string(ParamType t) {
  switch (t) {
    case ParamType::boolean: return "bool";
    case ParamType::integer: return "integer";
    case ParamType::real: return "real";
    case ParamType::string: return "string";
    case ParamType::real_list: return "list of reals";
    case ParamType::real_table: return "list of lists of reals";
    case ParamType::real_table3: return "list of matrices of reals";
  }
  return "?";
}

/// One declared parameter. Built fluently: p.add<double>("beta_min", 0.1, "doc").min(0.0).
struct ParamDef {
  std::string key;
  ParamType type = ParamType::real;
  std::optional<Value> default_value;  // empty: required
  std::string doc;
  std::optional<double> lower, upper;  // numeric bounds, applied to every element of lists
  bool lower_open = false, upper_open = false;
  std::vector<std::string> allowed;    // string choices; empty means any string

  ParamDef& min(double v) { lower = v; lower_open = false; return *this; }
  ParamDef& min_open(double v) { lower = v; lower_open = true; return *this; }
  ParamDef& max(double v) { upper = v; upper_open = false; return *this; }
  ParamDef& max_open(double v) { upper = v; upper_open = true; return *this; }
  ParamDef& range(double lo, double hi) { return min(lo).max(hi); }
  ParamDef& positive() { return min_open(0.0); }
  ParamDef& choices(std::vector<std::string> c) { allowed = std::move(c); return *this; }
  bool required() const { return !default_value.has_value(); }

  /// A human-readable range such as "(0, inf)" or "[0.1, 20]"; empty if unbounded.
  std::string range_text() const;
  /// Why `v` is out of range, or an empty string if it is fine. Scalars and every list element.
  std::string check_range(double v) const;
};

/// The schema of a component: its registered name, a one-line description, an example
/// pipeline stage and its parameters, in declaration order.
class ParamSpec {
 public:
  ParamSpec(std::string name, std::string description)
      : name_(std::move(name)), description_(std::move(description)) {}

  template <class T, class D>
  ParamDef& add(std::string key, D default_value, std::string doc) {
    ParamDef d;
    d.key = std::move(key);
    d.type = param_type_of<T>();
    d.default_value = Value{T(std::move(default_value))};
    d.doc = std::move(doc);
    return push(std::move(d));
  }
  template <class T>
  ParamDef& add_required(std::string key, std::string doc) {
    ParamDef d;
    d.key = std::move(key);
    d.type = param_type_of<T>();
    d.doc = std::move(doc);
    return push(std::move(d));
  }
  void example(std::string toml) { example_ = std::move(toml); }

  const std::string& name() const { return name_; }
  const std::string& description() const { return description_; }
  const std::string& example() const { return example_; }
  const std::vector<ParamDef>& params() const { return defs_; }
  const ParamDef* find(const std::string& key) const {
    for (const auto& d : defs_)
      if (d.key == key) return &d;
    return nullptr;
  }

 private:
  ParamDef& push(ParamDef d) {
    if (find(d.key)) throw Error("duplicate parameter '" + d.key + "' in " + name_);
    defs_.push_back(std::move(d));
    return defs_.back();
  }
  std::string name_, description_, example_;
  std::vector<ParamDef> defs_;
};

/// Validated parameter values handed to a constructor: every declared key is present.
class Params {
 public:
  Params() = default;
  explicit Params(std::map<std::string, Value> values) : values_(std::move(values)) {}

  template <class T>
  const T& get(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) throw Error("parameter '" + key + "' is not set");
    if (const T* v = std::get_if<T>(&it->second)) return *v;
    throw Error("parameter '" + key + "' has another type than requested");
  }
  /// Integers as int, with a range check (sizes, counts).
  int get_int(const std::string& key) const {
    const auto v = get<std::int64_t>(key);
    if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
      throw Error("parameter '" + key + "' does not fit in an int");
    return static_cast<int>(v);
  }
  bool has(const std::string& key) const { return values_.count(key) != 0; }
  void set(const std::string& key, Value v) { values_[key] = std::move(v); }
  const std::map<std::string, Value>& values() const { return values_; }

 private:
  std::map<std::string, Value> values_;
};

/// Parameters from a spec's defaults (throws if one is required): for tests and tools.
Params defaults_of(const ParamSpec& spec);

inline std::string format_number(double v) {
  if (v == std::numeric_limits<double>::infinity()) return "inf";
  if (v == -std::numeric_limits<double>::infinity()) return "-inf";
  std::string s = std::to_string(v);
  // trim trailing zeros of std::to_string's fixed format ("0.100000" -> "0.1")
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "0" && v != 0.0) {  // tiny numbers: fall back to scientific notation
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    s = buf;
  }
  return s;
}

inline std::string ParamDef::range_text() const {
  if (!lower && !upper) return "";
  std::string s;
  if (lower) {
    s += lower_open ? '(' : '[';
    s += format_number(*lower);
  } else {
    s += "(-inf";
  }
  s += ", ";
  if (upper) {
    s += format_number(*upper);
    s += upper_open ? ')' : ']';
  } else {
    s += "inf)";
  }
  return s;
}

inline std::string ParamDef::check_range(double v) const {
  if (v != v) return "NaN is not allowed";
  const bool below = lower && (lower_open ? v <= *lower : v < *lower);
  const bool above = upper && (upper_open ? v >= *upper : v > *upper);
  if (below || above) return format_number(v) + " is outside the allowed range " + range_text();
  return "";
}

inline Params defaults_of(const ParamSpec& spec) {
  Params p;
  for (const auto& d : spec.params()) {
    if (d.required()) throw Error(spec.name() + ": parameter '" + d.key + "' is required");
    p.set(d.key, *d.default_value);
  }
  return p;
}

}  // namespace sgm
