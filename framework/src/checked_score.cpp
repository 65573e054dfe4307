// checked_score.cpp: see checked_score.hpp.
#include "sgm/host/checked_score.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <sgm/error.hpp>

namespace sgm::host {

namespace {

/// Index of the first row holding a NaN or Inf, or -1.
Eigen::Index first_bad_row(CRef m) {
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    if (!m.row(i).allFinite()) return i;
  return -1;
}

}  // namespace

void CheckedScore::check_state(CRef x, double t) const {
  const Eigen::Index bad = first_bad_row(x);
  if (bad < 0) return;
  throw Error(fmt::format(
      "sample: particle {} diverged: its state is [{}] at t = {:.6g}, before score evaluation {} "
      "(the integrator is unstable here: use more steps or a smaller step size, or check the "
      "score model '{}')",
      first_ + bad, fmt::join(x.row(bad), ", "), t, evals_, name_));
}

void CheckedScore::check_output(CRef x, CRef out, double t, const char* what) const {
  const Eigen::Index bad = first_bad_row(out);
  if (bad < 0) return;
  throw Error(fmt::format(
      "sample: score model '{}' returned a non-finite {} [{}] for particle {} at t = {:.6g} "
      "(score evaluation {}; state [{}])",
      name_, what, fmt::join(out.row(bad), ", "), first_ + bad, t, evals_,
      fmt::join(x.row(bad), ", ")));
}

void CheckedScore::score(CRef x, double t, Ref out) const {
  ++evals_;
  check_state(x, t);
  guarded([&] { inner_.score(x, t, out); }, t);
  check_output(x, out, t, "score");
}

void CheckedScore::jvp(CRef x, double t, CRef v, Ref out) const {
  ++evals_;
  check_state(x, t);
  guarded([&] { inner_.jvp(x, t, v, out); }, t);
  check_output(x, out, t, "Jacobian-vector product");
}

void CheckedScore::guarded(const std::function<void()>& call, double t) const {
  try {
    call();
  } catch (const std::exception& e) {  // a plugin's own exception, named and placed
    throw Error(fmt::format("sample: score model '{}' failed at t = {:.6g} (score evaluation {}, "
                            "particles {}..): {}",
                            name_, t, evals_, first_, e.what()));
  }
}

}  // namespace sgm::host
