// executor.hpp: the host's parallel loops on oneTBB. Blocks are fixed by the grain, scheduled
// with the simple partitioner, so which rows a block holds never depends on the thread count.
// ThreadSanitizer builds run the same loops on std::threads instead (see executor.cpp).
#pragma once

#include <cstddef>
#include <functional>

#include <sgm/context.hpp>

namespace sgm::host {

/// Calls task(i) for every i in [0, n), concurrently on the host's workers (at most
/// tbb::global_control's max_allowed_parallelism), and returns when all calls have returned.
/// An exception thrown by a task is rethrown here once the tasks already started have finished.
void parallel_for(std::size_t n, const std::function<void(std::size_t)>& task);

class TbbExecutor final : public Executor {
 public:
  void for_blocks(std::size_t n, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& body) const override;
  int threads() const override;
};

}  // namespace sgm::host
