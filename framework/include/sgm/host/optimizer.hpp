// optimizer.hpp: first-order optimisers for trainable score models (DESIGN.md, "ScoreModel"):
// Adam (decoupled weight decay, as AdamW) or SGD with momentum, linear learning-rate warm-up,
// gradient-norm clipping and an exponential moving average of the weights, which sampling uses
// by default as in score_sde (MATH.md §B8: EMA 0.999 / 0.9999).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sgm::host {

struct OptimizerSettings {
  std::string method = "adam";  // "adam" | "sgd"
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Adam
  double momentum = 0.9;                          // SGD
  double weight_decay = 0.0;                      // decoupled: θ -= lr·wd·θ
  std::int64_t warmup = 0;                        // steps of linear lr warm-up
  double clip_norm = 0.0;                         // 0: no clipping
  double ema_decay = 0.0;                         // 0: no EMA
  // EMA warm-up (the num_updates schedule of TensorFlow's ExponentialMovingAverage): update k
  // (0-based) decays by min(ema_decay, (1 + k)/(10 + k)), so the initial weights are forgotten
  // within tens of steps instead of keeping ema_decay^k of the average.
  bool ema_warmup = false;
};

/// The EMA decay of update k (0-based), with the warm-up if it is on.
double ema_decay_at(const OptimizerSettings& s, std::int64_t k);
/// The weight of the initial parameters in the EMA after `steps` updates: the product of the
/// decays (ema_decay^steps without warm-up; 0.999^1500 = 0.22). 0 without EMA.
double ema_initial_weight(const OptimizerSettings& s, std::int64_t steps);

/// What a checkpoint must hold to continue an optimisation exactly.
struct OptimizerState {
  std::int64_t step = 0;      // updates done
  std::vector<double> m, v;   // Adam moments (SGD: m is the momentum buffer, v unused)
  std::vector<double> ema;    // EMA of the parameters (empty without EMA)
};

class Optimizer {
 public:
  Optimizer(OptimizerSettings s, std::span<const double> initial_params);

  /// One update of `params` from `grad` (clipped in place). Returns the gradient's L2 norm
  /// before clipping.
  double step(std::span<double> params, std::span<double> grad);
  /// Learning rate used by update number `step` (0-based), with warm-up.
  double learning_rate(std::int64_t step) const;

  const OptimizerState& state() const { return state_; }
  /// Continue from a saved state. \throws Error if its sizes do not match the parameters.
  void restore(OptimizerState s);
  const OptimizerSettings& settings() const { return s_; }

 private:
  OptimizerSettings s_;
  OptimizerState state_;
};

}  // namespace sgm::host
