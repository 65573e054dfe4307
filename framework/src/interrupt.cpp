// interrupt.cpp: see interrupt.hpp.
#include "sgm/host/interrupt.hpp"

#include <csignal>

namespace sgm::host {

namespace {

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void on_interrupt(int sig) {
  g_interrupted = 1;
  std::signal(sig, SIG_DFL);  // a second signal stops the process at once
}

}  // namespace

void install_interrupt_handlers() {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
}

bool interrupt_requested() { return g_interrupted != 0; }

void throw_if_interrupted(const char* what) {
  if (interrupt_requested()) throw Interrupted(what);
}

}  // namespace sgm::host
