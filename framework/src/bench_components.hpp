// bench_components.hpp: building the benchmarks' components by name with parameters given in
// code (validated like a pipeline's), shared by bench.cpp and bench_metrics.cpp.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <sgm/sgm.hpp>

#include "sgm/host/param_validation.hpp"
#include "sgm/host/registry.hpp"

namespace sgm::host::bench {

/// Creates component `name` of kind I::kind; `given` overrides its defaults.
template <class I>
std::shared_ptr<I> make(const ComponentRegistry& r, const std::string& name,
                        const std::map<std::string, Value>& given, const Context& ctx) {
  std::vector<ParamIssue> issues;
  const Params p = resolve_params(r.get(I::kind, name).info.spec, given, issues);
  if (!issues.empty()) throw Error(fmt::format("bench: {}: {}", name, issues.front().message));
  return r.create<I>(name, p, ctx);
}

/// The default pipeline's 2-D mixture (its first two components).
inline std::shared_ptr<Dataset> default_mixture(const ComponentRegistry& r, const Context& ctx) {
  return make<Dataset>(
      r, "gmm",
      {{"weights", DoubleList{0.6, 0.4}},
       {"means", DoubleTable{{-2.0, 0.0}, {2.0, 1.0}}},
       {"covariances", DoubleTable3{{{0.3, 0.1}, {0.1, 0.2}}, {{0.2, 0.0}, {0.0, 0.4}}}}},
      ctx);
}

}  // namespace sgm::host::bench
