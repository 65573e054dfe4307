#include "sgm/host/param_validation.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "sgm/host/suggest.hpp"

namespace sgm::host {

namespace {

std::optional<double> number_of(const toml::node& n) {
  if (auto i = n.as_integer()) return static_cast<double>(i->get());
  if (auto f = n.as_floating_point()) return f->get();
  return std::nullopt;
}

// Nested arrays of numbers: depth 1 -> DoubleList, 2 -> DoubleTable, 3 -> DoubleTable3.
std::optional<DoubleList> list_of(const toml::array& a, std::string& why) {
  DoubleList out;
  for (const auto& e : a) {
    auto v = number_of(e);
    if (!v) {
      why = "array elements must be numbers";
      return std::nullopt;
    }
    out.push_back(*v);
  }
  return out;
}

std::optional<DoubleTable> table_of(const toml::array& a, std::string& why) {
  DoubleTable out;
  for (const auto& e : a) {
    const toml::array* row = e.as_array();
    if (!row) {
      why = "expected an array of arrays";
      return std::nullopt;
    }
    auto r = list_of(*row, why);
    if (!r) return std::nullopt;
    out.push_back(std::move(*r));
  }
  return out;
}

int array_depth(const toml::array& a) {
  if (a.empty()) return 1;
  if (const toml::array* inner = a.front().as_array()) return 1 + array_depth(*inner);
  return 1;
}

template <class T>
std::optional<Value> widen_nested(const Value& v) {
  if (std::holds_alternative<T>(v)) return v;
  return std::nullopt;
}

}  // namespace

std::optional<Value> value_from_toml(const toml::node& node, std::string& why) {
  if (auto b = node.as_boolean()) return Value{b->get()};
  if (auto i = node.as_integer()) return Value{std::int64_t{i->get()}};
  if (auto f = node.as_floating_point()) return Value{f->get()};
  if (auto s = node.as_string()) return Value{s->get()};
  if (const toml::array* a = node.as_array()) {
    switch (array_depth(*a)) {
      case 1:
        if (auto l = list_of(*a, why)) return Value{std::move(*l)};
        return std::nullopt;
      case 2:
        if (auto t = table_of(*a, why)) return Value{std::move(*t)};
        return std::nullopt;
      case 3: {
        DoubleTable3 out;
        for (const auto& e : *a) {
          const toml::array* m = e.as_array();
          if (!m) {
            why = "expected an array of matrices";
            return std::nullopt;
          }
          auto t = table_of(*m, why);
          if (!t) return std::nullopt;
          out.push_back(std::move(*t));
        }
        return Value{std::move(out)};
      }
      default:
        why = "arrays nested deeper than 3 levels are not supported";
        return std::nullopt;
    }
  }
  if (node.is_table()) {
    why = "expected a value, found a table";
    return std::nullopt;
  }
  why = "dates and times are not supported";
  return std::nullopt;
}

std::optional<Value> coerce(const Value& v, ParamType t) {
  switch (t) {
    case ParamType::boolean: return widen_nested<bool>(v);
    case ParamType::integer: return widen_nested<std::int64_t>(v);
    case ParamType::real:
      if (auto i = std::get_if<std::int64_t>(&v)) return Value{static_cast<double>(*i)};
      return widen_nested<double>(v);
    case ParamType::string: return widen_nested<std::string>(v);
    case ParamType::real_list:
      if (auto d = std::get_if<double>(&v)) return Value{DoubleList{*d}};  // a scalar is a 1-list
      if (auto i = std::get_if<std::int64_t>(&v)) return Value{DoubleList{static_cast<double>(*i)}};
      return widen_nested<DoubleList>(v);
    case ParamType::real_table: return widen_nested<DoubleTable>(v);
    case ParamType::real_table3: return widen_nested<DoubleTable3>(v);
  }
  return std::nullopt;
}

std::string type_name(const Value& v) {
  static const ParamType types[] = {ParamType::boolean,   ParamType::integer,
                                    ParamType::real,      ParamType::string,
                                    ParamType::real_list, ParamType::real_table,
                                    ParamType::real_table3};
  return to_string(types[v.index()]);
}

namespace {
std::string real_text(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  std::string s = fmt::format("{}", x);  // shortest text that reads back exactly
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}
template <class T, class F>
std::string array_text(const std::vector<T>& items, F&& each) {
  std::string s = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) s += ", ";
    s += each(items[i]);
  }
  return s + "]";
}
}  // namespace

std::string to_toml_text(const Value& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::int64_t>) return fmt::format("{}", x);
        else if constexpr (std::is_same_v<T, double>) return real_text(x);
        else if constexpr (std::is_same_v<T, std::string>) {
          std::ostringstream os;
          os << toml::value<std::string>(x);  // TOML string escaping
          return os.str();
        } else if constexpr (std::is_same_v<T, DoubleList>) return array_text(x, real_text);
        else if constexpr (std::is_same_v<T, DoubleTable>)
          return array_text(x, [](const DoubleList& r) { return array_text(r, real_text); });
        else
          return array_text(x, [](const DoubleTable& m) {
            return array_text(m, [](const DoubleList& r) { return array_text(r, real_text); });
          });
      },
      v);
}

namespace {

std::string range_problem(const ParamDef& d, const Value& v) {
  std::string why;
  auto check = [&](double x) {
    if (why.empty()) why = d.check_range(x);
  };
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::int64_t>) check(static_cast<double>(x));
        else if constexpr (std::is_same_v<T, double>) check(x);
        else if constexpr (std::is_same_v<T, DoubleList>) for (double e : x) check(e);
        else if constexpr (std::is_same_v<T, DoubleTable>)
          for (const auto& r : x)
            for (double e : r) check(e);
        else if constexpr (std::is_same_v<T, DoubleTable3>)
          for (const auto& m : x)
            for (const auto& r : m)
              for (double e : r) check(e);
        else if constexpr (std::is_same_v<T, std::string>) {
          if (!d.allowed.empty() &&
              std::find(d.allowed.begin(), d.allowed.end(), x) == d.allowed.end())
            why = fmt::format("'{}' is not one of: {}{}", x, join(d.allowed), did_you_mean(x, d.allowed));
        }
      },
      v);
  // Lists of reals also refuse NaN even without a declared range.
  if (why.empty() && !d.lower && !d.upper) {
    auto nan_check = [&](double x) {
      if (why.empty() && std::isnan(x)) why = "NaN is not allowed";
    };
    if (auto x = std::get_if<double>(&v)) nan_check(*x);
    if (auto l = std::get_if<DoubleList>(&v)) for (double e : *l) nan_check(e);
  }
  return why;
}

}  // namespace

Params resolve_params(const ParamSpec& spec, const std::map<std::string, Value>& given,
                      std::vector<ParamIssue>& issues) {
  std::vector<std::string> keys;
  for (const auto& d : spec.params()) keys.push_back(d.key);
  for (const auto& [key, value] : given) {
    (void)value;
    if (!spec.find(key))
      issues.push_back({key, fmt::format("unknown parameter '{}' of '{}'{}", key,
                                         spec.name(), did_you_mean(key, keys))});
  }
  Params out;
  for (const auto& d : spec.params()) {
    auto it = given.find(d.key);
    if (it == given.end()) {
      if (d.required())
        issues.push_back({"", fmt::format("missing required parameter '{}' ({})", d.key, d.doc)});
      else
        out.set(d.key, *d.default_value);
      continue;
    }
    auto v = coerce(it->second, d.type);
    if (!v) {
      issues.push_back({d.key, fmt::format("'{}' must be a {}, not a {}", d.key, to_string(d.type),
                                           type_name(it->second))});
      continue;
    }
    if (const std::string why = range_problem(d, *v); !why.empty()) {
      issues.push_back({d.key, fmt::format("'{}': {}", d.key, why)});
      continue;
    }
    out.set(d.key, std::move(*v));
  }
  return out;
}

}  // namespace sgm::host
