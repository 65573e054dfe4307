// interrupt.hpp: a clean stop on SIGINT/SIGTERM (issue 8). The first signal sets a flag that long
// work polls at safe points (each training step, each sampling step); the work then writes what
// is complete (training: checkpoint.ckpt and loss.csv, so a re-run resumes) and throws
// Interrupted. A second signal terminates at once (the default action is restored).
#pragma once

#include <sgm/error.hpp>

namespace sgm::host {

/// Thrown at a safe point after an interrupt; `sgm` exits with 130 (128 + SIGINT).
class Interrupted : public Error {
 public:
  using Error::Error;
};

/// Installs the SIGINT/SIGTERM handlers (idempotent; the CLI calls it once).
void install_interrupt_handlers();
/// Whether an interrupt arrived.
bool interrupt_requested();
/// Throws Interrupted(`what`) if an interrupt arrived.
void throw_if_interrupted(const char* what);

}  // namespace sgm::host
