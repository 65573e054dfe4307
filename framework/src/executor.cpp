#include "sgm/host/executor.hpp"

#include <algorithm>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace sgm::host {

void TbbExecutor::for_blocks(std::size_t n, std::size_t grain,
                             const std::function<void(std::size_t, std::size_t)>& body) const {
  if (n == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  const std::size_t blocks = (n + grain - 1) / grain;
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, blocks, 1),
      [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t b = r.begin(); b != r.end(); ++b)
          body(b * grain, std::min(n, (b + 1) * grain));
      },
      tbb::simple_partitioner());
}

int TbbExecutor::threads() const { return tbb::this_task_arena::max_concurrency(); }

}  // namespace sgm::host
