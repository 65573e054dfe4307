// A plugin that claims another SDK ABI version: the host must refuse it before calling it.
#include <sgm/plugin.hpp>

namespace {
void register_nothing(sgm::Registry&) {}
}

extern "C" SGM_EXPORT const sgm_plugin_info* sgm_plugin_entry() {
  static const sgm_plugin_info info{SGM_ABI_VERSION + 1, sizeof(sgm_plugin_info), "wrong_abi",
                                    "0.0.1", SGM_ABI_FINGERPRINT, &register_nothing, {}};
  return &info;
}
