#include "sgm/host/progress.hpp"

#include <cstdio>

#include <unistd.h>

#include <fmt/format.h>

namespace sgm::host {

ProgressLine::ProgressLine(std::string label, std::uint64_t total, std::string unit, bool enabled)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(enabled),
      tty_(::isatty(::fileno(stderr)) != 0),
      start_(std::chrono::steady_clock::now()) {
  if (enabled_) thread_ = std::thread([this] { loop(); });
}

ProgressLine::~ProgressLine() { finish(); }

std::string ProgressLine::render(double seconds) const {
  const double done = static_cast<double>(done_.load(std::memory_order_relaxed));
  const double rate = seconds > 0 ? done / seconds : 0.0;
  const double frac = total_ ? done / static_cast<double>(total_) : 1.0;
  const double eta = rate > 0 ? (static_cast<double>(total_) - done) / rate : 0.0;
  return fmt::format("{}: {:5.1f}%  {:.3g} {}/s  {}{}elapsed {:.1f}s  ETA {:.1f}s", label_,
                     100.0 * frac, rate, unit_, note_, note_.empty() ? "" : "  ", seconds, eta);
}

void ProgressLine::loop() {
  // A terminal gets a line redrawn 5 times a second; a log gets a line every 5 seconds.
  const auto period = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  std::unique_lock lock(mutex_);
  while (!cv_.wait_for(lock, period, [this] { return stop_; })) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (tty_) std::fprintf(stderr, "\r%s\033[K", render(s).c_str());
    else std::fprintf(stderr, "%s\n", render(s).c_str());
    std::fflush(stderr);
  }
}

double ProgressLine::finish() {
  if (elapsed_ >= 0) return elapsed_;
  elapsed_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
    if (tty_) std::fprintf(stderr, "\r\033[K");
  }
  return elapsed_;
}

}  // namespace sgm::host
