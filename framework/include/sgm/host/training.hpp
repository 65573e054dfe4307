// training.hpp: the [train] stage. A minibatch is split into fixed chunks of rows; each chunk's
// loss and gradient are computed concurrently into its own buffer (objective + model tape) and
// the buffers are summed in chunk order, so a run is bit-identical at any thread count
// (DESIGN.md, "Parallelism"). All randomness is keyed by (seed, step, row): the step number is
// the whole state needed to resume.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <sgm/sgm.hpp>

#include "sgm/host/checkpoint.hpp"
#include "sgm/host/optimizer.hpp"

namespace sgm::host {

struct TrainSettings {
  std::int64_t iterations = 2000;
  std::int64_t batch_size = 512;
  std::int64_t n_train = 10000;  // training set drawn once from the dataset
  bool fresh_data = false;       // draw a new minibatch from the dataset every step instead
  std::int64_t chunk = 128;      // rows per parallel task (never changes results)
  std::int64_t log_every = 100;  // one loss-curve row per this many steps
  OptimizerSettings optimizer;
};

/// Host parameters of [train], described like a plugin's.
const ParamSpec& train_spec();
TrainSettings train_settings(const Params& p);

struct LossRow {
  std::int64_t step;  // last step of the window
  double loss;        // mean minibatch loss over the window
  double grad_norm;   // mean gradient norm (before clipping) over the window
  double lr;
  double seconds;     // since training started
};

class Trainer {
 public:
  Trainer(TrainableScore& model, const Objective& objective, const Dataset& data,
          TrainSettings s, std::uint64_t seed, const Executor& executor);

  /// Continue from a checkpoint (parameters, optimizer state and step).
  void restore(const Checkpoint& c);
  /// Train until step == settings.iterations. `on_step(step)` runs after each update (progress,
  /// periodic checkpoints). \throws Error naming the step if the loss or gradient is not finite.
  void run(const std::function<void(std::int64_t)>& on_step);

  /// Mean loss and gradient of minibatch `step` at the current parameters (no update).
  double loss_and_gradient(std::int64_t step, std::vector<double>& grad);

  std::int64_t step() const { return optimizer_.state().step; }
  const std::vector<LossRow>& curve() const { return curve_; }
  Checkpoint checkpoint(const std::string& plugin) const;
  /// Copy the EMA weights (if any) into the model, for sampling.
  void use_ema();
  const Matrix& training_set() const { return train_set_; }

 private:
  Matrix minibatch(std::int64_t step) const;

  TrainableScore& model_;
  const Objective& objective_;
  const Dataset& data_;
  TrainSettings s_;
  std::uint64_t seed_;
  const Executor& executor_;
  Optimizer optimizer_;
  Matrix train_set_;
  std::vector<std::unique_ptr<ModelTape>> tapes_;   // one per chunk
  std::vector<std::vector<double>> chunk_grads_;    // one per chunk
  std::vector<LossRow> curve_;
};

/// "loss.csv": step,loss,grad_norm,lr,seconds.
std::string loss_csv(const std::vector<LossRow>& rows);

}  // namespace sgm::host
