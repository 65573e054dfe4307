// context.hpp: what the host gives a component besides its parameters: the run seed, the
// components of earlier stages, and host services (parallel loops, progress). Plugins never
// touch TBB: the host owns parallelism (STYLE.md guideline 9).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "sgm/abi.hpp"

namespace sgm {

class Dataset;
class ForwardSde;
class ScoreModel;

/// Parallel loops run by the host. Blocks are fixed by `grain` alone (never by the number of
/// threads), so a plugin that writes per-block results and combines them in block order is
/// deterministic at any thread count.
class SGM_SDK_VISIBLE Executor {
 public:
  virtual ~Executor() = default;
  /// Calls body(begin, end) for the blocks [k*grain, min(n, (k+1)*grain)), possibly concurrently.
  virtual void for_blocks(std::size_t n, std::size_t grain,
                          const std::function<void(std::size_t, std::size_t)>& body) const = 0;
  /// Worker threads available (for choosing a grain; never for splitting results).
  virtual int threads() const = 0;
};

/// An executor that runs blocks one after another: the default for tests and tools.
class SGM_SDK_VISIBLE SerialExecutor final : public Executor {
 public:
  void for_blocks(std::size_t n, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& body) const override {
    if (grain == 0) grain = 1;
    for (std::size_t b = 0; b < n; b += grain) body(b, b + grain < n ? b + grain : n);
  }
  int threads() const override { return 1; }
};

/// Progress sink for long work; thread-safe. Units are the ones the stage announces
/// (particle-steps for sampling).
class SGM_SDK_VISIBLE Progress {
 public:
  virtual ~Progress() = default;
  virtual void advance(std::uint64_t units) = 0;
};

class SGM_SDK_VISIBLE NullProgress final : public Progress {
 public:
  void advance(std::uint64_t) override {}
};

/// Everything a factory may look at. Pointers are null when the stage does not exist (yet):
/// datasets are built first, then the SDE, the score model, the integrator and the metrics.
struct Context {
  std::uint64_t seed = 0;
  const Dataset* dataset = nullptr;
  const ForwardSde* sde = nullptr;
  const ScoreModel* score = nullptr;
  const Executor* executor = nullptr;
};

}  // namespace sgm
