#include "sgm/host/executor.hpp"

#include <algorithm>

#include <tbb/global_control.h>

// ThreadSanitizer cannot see the synchronisation inside an uninstrumented libtbb (Debian's),
// so it would report every result a worker writes and the caller reads after the loop. Under
// TSan the loops run on std::threads, whose start and join it understands; the blocks are the
// same, so results stay bit-identical, and the thread limit is still oneTBB's global_control.
#if defined(__SANITIZE_THREAD__)
#define SGM_STD_THREADS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SGM_STD_THREADS 1
#endif
#endif

#ifdef SGM_STD_THREADS
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>
#else
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#endif

namespace sgm::host {

#ifdef SGM_STD_THREADS

namespace {

// A loop reached from inside a loop (a sweep point's particles) runs on the worker that reached
// it, as oneTBB's workers would take it on: never more threads than the limit.
thread_local bool on_worker = false;

std::size_t max_threads() {
  return tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
}

}  // namespace

void parallel_for(std::size_t n, const std::function<void(std::size_t)>& task) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  const auto work = [&] {
    const bool outer = std::exchange(on_worker, true);
    try {
      // Relaxed: the counter only hands out indices (results are published by the joins). An
      // acquire-release claim would order each task after every earlier one, hiding races
      // between tasks from TSan.
      for (std::size_t i; !failed.load(std::memory_order_relaxed) &&
                          (i = next.fetch_add(1, std::memory_order_relaxed)) < n;)
        task(i);
    } catch (...) {
      const std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
      failed.store(true, std::memory_order_relaxed);
    }
    on_worker = outer;
  };
  const std::size_t threads = on_worker ? 1 : std::min(n, max_threads());
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();  // the caller is one of the workers
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}

int TbbExecutor::threads() const { return static_cast<int>(max_threads()); }

#else

void parallel_for(std::size_t n, const std::function<void(std::size_t)>& task) {
  tbb::parallel_for(
      tbb::blocked_range<std::size_t>(0, n, 1),
      [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) task(i);
      },
      tbb::simple_partitioner());
}

int TbbExecutor::threads() const { return tbb::this_task_arena::max_concurrency(); }

#endif

void TbbExecutor::for_blocks(std::size_t n, std::size_t grain,
                             const std::function<void(std::size_t, std::size_t)>& body) const {
  if (n == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  const std::size_t blocks = (n + grain - 1) / grain;
  parallel_for(blocks, [&](std::size_t b) { body(b * grain, std::min(n, (b + 1) * grain)); });
}

}  // namespace sgm::host
