// check.hpp: `sgm check`, a conformance suite for plugin authors. Each component is checked
// against what its interface promises, with numbers: schema (docs, defaults, example), SDE
// kernels against a forward Euler-Maruyama simulation, integrators against Gaussian data with
// the exact score, score models against the DSM identity, metrics on identical and shifted
// samples, datasets for determinism and density/score consistency.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sgm/host/registry.hpp"

namespace sgm::host {

enum class Verdict { pass, warn, fail, skip };

struct CheckLine {
  std::string check;
  Verdict verdict;
  std::string detail;
};

struct CheckReport {
  std::string component;  // "vp (sde, file)"
  std::vector<CheckLine> lines;
  int count(Verdict v) const;
  std::string text() const;
};

/// Run every check that applies to `c`. In-tree components (gmm, vp, analytic_gmm) are used
/// as test fixtures when present; checks that need a missing fixture are skipped.
CheckReport check_component(const ComponentRegistry& r, const Component& c, std::uint64_t seed);

}  // namespace sgm::host
