// registry.hpp: how a plugin library declares its components. The host owns the registry
// (no static initialisers: STYLE.md guideline 3); a plugin's register function calls
// r.add<MyComponent>() once per component, and the kind is deduced from the SDK base class.
#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>
#include <variant>

#include "sgm/abi.hpp"
#include "sgm/context.hpp"
#include "sgm/dataset.hpp"
#include "sgm/forward_sde.hpp"
#include "sgm/integrator.hpp"
#include "sgm/metric.hpp"
#include "sgm/objective.hpp"
#include "sgm/params.hpp"
#include "sgm/score_model.hpp"

namespace sgm {

template <class I>
using FactoryFn = std::function<std::unique_ptr<I>(const Params&, const Context&)>;

/// One factory per component kind; the variant index is the kind.
using Factory = std::variant<FactoryFn<Dataset>, FactoryFn<ForwardSde>, FactoryFn<ScoreModel>,
                             FactoryFn<Integrator>, FactoryFn<Metric>, FactoryFn<Objective>>;

struct ComponentInfo {
  ComponentKind kind;
  ParamSpec spec;
  Factory factory;
};

namespace detail {
template <class T, class I>
constexpr int is_base = std::is_base_of_v<I, T> ? 1 : 0;

template <class T>
constexpr int interface_count = is_base<T, Dataset> + is_base<T, ForwardSde> +
                                is_base<T, ScoreModel> + is_base<T, Integrator> +
                                is_base<T, Metric> + is_base<T, Objective>;

template <class T>
auto interface_of() {
  if constexpr (std::is_base_of_v<Dataset, T>) return static_cast<Dataset*>(nullptr);
  else if constexpr (std::is_base_of_v<ForwardSde, T>) return static_cast<ForwardSde*>(nullptr);
  else if constexpr (std::is_base_of_v<ScoreModel, T>) return static_cast<ScoreModel*>(nullptr);
  else if constexpr (std::is_base_of_v<Integrator, T>) return static_cast<Integrator*>(nullptr);
  else if constexpr (std::is_base_of_v<Metric, T>) return static_cast<Metric*>(nullptr);
  else return static_cast<Objective*>(nullptr);
}
}  // namespace detail

/// Implemented by the host. Plugins only call add<T>().
class SGM_SDK_VISIBLE Registry {
 public:
  virtual ~Registry() = default;

  /// Register component T. T must derive from exactly one SDK interface, provide
  /// `static ParamSpec params()` and a constructor T(const Params&) or
  /// T(const Params&, const Context&).
  template <class T>
  void add() {
    static_assert(detail::interface_count<T> == 1,
                  "sgm: a component must derive from exactly one of Dataset, ForwardSde, "
                  "ScoreModel, Integrator, Metric, Objective");
    static_assert(requires { { T::params() } -> std::convertible_to<ParamSpec>; },
                  "sgm: a component must provide `static sgm::ParamSpec params()`");
    using I = std::remove_pointer_t<decltype(detail::interface_of<T>())>;
    FactoryFn<I> make = [](const Params& p, const Context& c) -> std::unique_ptr<I> {
      if constexpr (std::is_constructible_v<T, const Params&, const Context&>)
        return std::make_unique<T>(p, c);
      else {
        static_assert(std::is_constructible_v<T, const Params&>,
                      "sgm: a component needs a constructor T(const Params&) or "
                      "T(const Params&, const Context&)");
        return std::make_unique<T>(p);
      }
    };
    add_component(ComponentInfo{I::kind, T::params(), Factory{std::move(make)}});
  }

 protected:
  virtual void add_component(ComponentInfo info) = 0;
};

}  // namespace sgm
