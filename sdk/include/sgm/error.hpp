// error.hpp: the one exception type plugins throw. Visible so that RTTI matches across the
// plugin boundary (STYLE.md guideline 7).
#pragma once

#include <stdexcept>
#include <string>

#include "sgm/abi.hpp"

namespace sgm {

class SGM_SDK_VISIBLE Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sgm
