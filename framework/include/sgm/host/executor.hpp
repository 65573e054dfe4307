// executor.hpp: the host's parallel loops on oneTBB. Blocks are fixed by the grain, scheduled
// with the simple partitioner, so which rows a block holds never depends on the thread count.
#pragma once

#include <sgm/context.hpp>

namespace sgm::host {

class TbbExecutor final : public Executor {
 public:
  void for_blocks(std::size_t n, std::size_t grain,
                  const std::function<void(std::size_t, std::size_t)>& body) const override;
  int threads() const override;
};

}  // namespace sgm::host
