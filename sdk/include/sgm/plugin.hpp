// plugin.hpp: the entry point of a plugin library (LLVM pass-plugin style). The one exported
// symbol, sgm_plugin_entry, returns a POD descriptor whose first field is the ABI version, so
// the host can refuse a mismatched library before calling any of its C++ code.
#pragma once

#include <cstdint>

#include "sgm/abi.hpp"
#include "sgm/registry.hpp"

extern "C" {
struct sgm_plugin_info {
  std::uint32_t abi_version;     // SGM_ABI_VERSION the plugin was built with; always first
  std::uint32_t struct_size;     // sizeof(sgm_plugin_info) as the plugin saw it
  const char* name;              // library name, e.g. "sdes"
  const char* version;           // the plugin's own version
  const char* abi_fingerprint;   // SGM_ABI_FINGERPRINT as the plugin saw it
  void (*register_components)(sgm::Registry&);
  void* reserved[4];             // room to grow without changing the size
};
}

/// Name of the exported entry function.
#define SGM_PLUGIN_ENTRY_SYMBOL "sgm_plugin_entry"

/// Declare a plugin library: SGM_PLUGIN("sdes", "0.1.0", my_register_function).
/// FN is a named function `void FN(sgm::Registry&)` (a function, since template commas in
/// r.add<...>() would break a macro argument).
#define SGM_PLUGIN(NAME, VERSION, FN)                                                        \
  extern "C" SGM_EXPORT const sgm_plugin_info* sgm_plugin_entry() {                          \
    static const sgm_plugin_info info{SGM_ABI_VERSION, sizeof(sgm_plugin_info), NAME,         \
                                      VERSION, SGM_ABI_FINGERPRINT, &FN, {}};                \
    return &info;                                                                            \
  }
