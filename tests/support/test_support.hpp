// test_support.hpp: build components through the real plugin loader, as the host does.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <sgm/sgm.hpp>

#include "sgm/host/registry.hpp"

namespace sgm::test {

/// True in AddressSanitizer and ThreadSanitizer builds (CI's sanitizer subsets), whose unoptimised,
/// instrumented host runs several times slower: long tests shrink their workload there (the
/// property they check does not depend on its size) and time limits grow.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif

/// The registry with every in-tree plugin of this build loaded (once per process).
const host::ComponentRegistry& registry();

/// Parameters of `name` (kind I): the plugin's defaults overridden by `given`, validated by the
/// host exactly as a pipeline's would be (unknown keys, wrong types, out-of-range values throw).
Params params_for(ComponentKind kind, const std::string& name,
                  const std::map<std::string, Value>& given = {});

/// Create component `name` of kind I through the loader with validated parameters.
template <class I>
std::shared_ptr<I> make(const std::string& name, const std::map<std::string, Value>& given = {},
                        const Context& ctx = {}) {
  return registry().create<I>(name, params_for(I::kind, name, given), ctx);
}

/// Mean and standard deviation helpers for statistical assertions.
struct MeanSe {
  double mean, se;
};
MeanSe mean_se(const Eigen::VectorXd& v);

/// Result of running the sgm binary: exit status and stdout + stderr together.
struct Command {
  int status;
  std::string output;
};
/// Runs `sgm <args>` (the build's binary) through the shell.
Command sgm_cli(const std::string& args);
/// A path under the temporary directory unique to this process, removed if it exists.
std::filesystem::path fresh_dir(const std::string& name);
/// The whole file as bytes ("" if it cannot be opened).
std::string read_file(const std::filesystem::path& p);

/// A CSV table without the columns whose header contains "seconds" (wall-clock timings).
std::string without_time_columns(const std::string& csv);

/// Least-squares slope of log(err) against log(h): the measured order of convergence.
double loglog_slope(const std::vector<double>& h, const std::vector<double>& err);

}  // namespace sgm::test
