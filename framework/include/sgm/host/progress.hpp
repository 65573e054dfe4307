// progress.hpp: a progress line for long stages: rate, percentage and ETA, redrawn in place on
// a terminal; on a pipe or file, a plain line every few seconds.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include <sgm/context.hpp>

namespace sgm::host {

class ProgressLine final : public Progress {
 public:
  /// `enabled` false: count silently (the rate is still measured).
  ProgressLine(std::string label, std::uint64_t total, std::string unit, bool enabled);
  ~ProgressLine() override;
  void advance(std::uint64_t units) override { done_.fetch_add(units, std::memory_order_relaxed); }
  /// Extra text shown after the rate (e.g. the current loss).
  void set_note(std::string note) {
    std::lock_guard lock(mutex_);
    note_ = std::move(note);
  }
  /// Stop the display; prints the final line if enabled. Returns the elapsed seconds.
  double finish();

 private:
  void loop();
  std::string render(double seconds) const;  // called with mutex_ held

  std::string label_, unit_, note_;
  std::uint64_t total_;
  bool enabled_, tty_;
  std::atomic<std::uint64_t> done_{0};
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
  double elapsed_ = -1;
};

}  // namespace sgm::host
