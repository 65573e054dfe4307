// checked_score.hpp: the host's numerical-fault guard for sampling (issue 8). Every score
// evaluation of a block of particles goes through it: a state that is no longer finite (the
// integrator diverged) or a score that is not finite (the model failed) stops the run with the
// stage, the score evaluation (≈ the step), the time t and the first bad particle, instead of a
// NaN that surfaces only in the metrics; an exception thrown by the model is reported with its
// name, t and block. The check is one pass over x and s per evaluation,
// negligible next to the score itself, and changes no result.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <sgm/score_model.hpp>
#include <sgm/types.hpp>

namespace sgm::host {

class CheckedScore final : public ScoreModel {
 public:
  /// `first_particle`: the index of the block's row 0 in the whole run; `name`: the plugin.
  CheckedScore(const ScoreModel& inner, std::string name, Eigen::Index first_particle)
      : inner_(inner), name_(std::move(name)), first_(first_particle) {}

  void score(CRef x, double t, Ref out) const override;
  bool has_jvp() const override { return inner_.has_jvp(); }
  void jvp(CRef x, double t, CRef v, Ref out) const override;

  /// Score evaluations so far (each call counts once, whatever its number of rows).
  std::uint64_t evaluations() const { return evals_; }

 private:
  void check_state(CRef x, double t) const;
  void check_output(CRef x, CRef out, double t, const char* what) const;
  /// Runs the model; an exception it throws becomes an Error naming the model, t and the block.
  void guarded(const std::function<void()>& call, double t) const;

  const ScoreModel& inner_;
  std::string name_;
  Eigen::Index first_;
  mutable std::uint64_t evals_ = 0;  // one object per block, used by one thread
};

}  // namespace sgm::host
