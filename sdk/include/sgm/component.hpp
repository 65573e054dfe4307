// component.hpp: what every component kind shares: its kind tag and a virtual destructor.
#pragma once

#include "sgm/abi.hpp"

namespace sgm {

enum class ComponentKind { dataset, sde, score, integrator, metric, objective };

inline const char* to_string(ComponentKind k) {
  switch (k) {
    case ComponentKind::dataset: return "dataset";
    case ComponentKind::sde: return "sde";
    case ComponentKind::score: return "score";
    case ComponentKind::integrator: return "integrator";
    case ComponentKind::metric: return "metric";
    case ComponentKind::objective: return "objective";
  }
  return "?";
}

}  // namespace sgm
