// abi.hpp: the SDK's binary contract: one version constant, a fingerprint of the C++ ABI,
// and the visibility macros. Bump SGM_ABI_VERSION on any change to an SDK class layout,
// virtual table, or the plugin entry struct (STYLE.md guideline 1).
#pragma once

#include <Eigen/Core>

#define SGM_ABI_VERSION 3u
#define SGM_VERSION_STRING "0.1.0"

#if defined(_WIN32)
#define SGM_EXPORT __declspec(dllexport)
#define SGM_SDK_VISIBLE
#else
#define SGM_EXPORT __attribute__((visibility("default")))
#define SGM_SDK_VISIBLE __attribute__((visibility("default")))
#endif

#define SGM_STRINGIFY_IMPL(x) #x
#define SGM_STRINGIFY(x) SGM_STRINGIFY_IMPL(x)

#if defined(__clang__)
#define SGM_COMPILER_ID "clang-" SGM_STRINGIFY(__clang_major__)
#elif defined(__GNUC__)
#define SGM_COMPILER_ID "gcc-" SGM_STRINGIFY(__GNUC__)
#else
#define SGM_COMPILER_ID "unknown"
#endif

#if defined(_GLIBCXX_USE_CXX11_ABI)
#define SGM_CXX11_ABI SGM_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define SGM_CXX11_ABI "n/a"
#endif

// Everything that changes the layout of objects crossing the plugin boundary. NDEBUG is left
// out on purpose: it changes no SDK or Eigen (dynamic-size) layout, so a Debug plugin can run in
// a Release host.
#define SGM_ABI_FINGERPRINT                                                                      \
  "sgm-" SGM_VERSION_STRING " abi-" SGM_STRINGIFY(SGM_ABI_VERSION) " " SGM_COMPILER_ID          \
  " cxx11abi-" SGM_CXX11_ABI " eigen-" SGM_STRINGIFY(EIGEN_WORLD_VERSION) "." SGM_STRINGIFY(    \
      EIGEN_MAJOR_VERSION) " eigen-align-" SGM_STRINGIFY(EIGEN_MAX_ALIGN_BYTES)
