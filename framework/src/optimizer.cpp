#include "sgm/host/optimizer.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include <sgm/error.hpp>

namespace sgm::host {

Optimizer::Optimizer(OptimizerSettings s, std::span<const double> initial_params) : s_(std::move(s)) {
  if (s_.method != "adam" && s_.method != "sgd")
    throw Error(fmt::format("unknown optimizer '{}' (adam, sgd)", s_.method));
  const std::size_t n = initial_params.size();
  state_.m.assign(n, 0.0);
  if (s_.method == "adam") state_.v.assign(n, 0.0);
  if (s_.ema_decay > 0) state_.ema.assign(initial_params.begin(), initial_params.end());
}

double ema_decay_at(const OptimizerSettings& s, std::int64_t k) {
  if (!s.ema_warmup) return s.ema_decay;
  const auto kd = static_cast<double>(k);
  return std::min(s.ema_decay, (1.0 + kd) / (10.0 + kd));
}

double ema_initial_weight(const OptimizerSettings& s, std::int64_t steps) {
  if (s.ema_decay <= 0) return 0.0;
  if (!s.ema_warmup) return std::pow(s.ema_decay, static_cast<double>(steps));
  double w = 1.0;
  for (std::int64_t k = 0; k < steps && w > 0; ++k) w *= ema_decay_at(s, k);
  return w;
}

double Optimizer::learning_rate(std::int64_t step) const {
  if (s_.warmup <= 0) return s_.lr;
  return s_.lr * std::min(1.0, static_cast<double>(step + 1) / static_cast<double>(s_.warmup));
}

double Optimizer::step(std::span<double> params, std::span<double> grad) {
  double sq = 0.0;
  for (double g : grad) sq += g * g;
  const double norm = std::sqrt(sq);
  if (s_.clip_norm > 0 && norm > s_.clip_norm) {
    const double scale = s_.clip_norm / norm;
    for (double& g : grad) g *= scale;
  }
  const double lr = learning_rate(state_.step);
  const double ema_decay = ema_decay_at(s_, state_.step);
  ++state_.step;
  const double decay = 1.0 - lr * s_.weight_decay;
  if (s_.method == "adam") {
    // Kingma & Ba (2015), Algorithm 1, with bias-corrected moments.
    const auto t = static_cast<double>(state_.step);
    const double c1 = 1.0 - std::pow(s_.beta1, t), c2 = 1.0 - std::pow(s_.beta2, t);
    for (std::size_t i = 0; i < params.size(); ++i) {
      double& m = state_.m[i];
      double& v = state_.v[i];
      m = s_.beta1 * m + (1.0 - s_.beta1) * grad[i];
      v = s_.beta2 * v + (1.0 - s_.beta2) * grad[i] * grad[i];
      params[i] = decay * params[i] - lr * (m / c1) / (std::sqrt(v / c2) + s_.eps);
    }
  } else {
    for (std::size_t i = 0; i < params.size(); ++i) {
      double& b = state_.m[i];
      b = s_.momentum * b + grad[i];
      params[i] = decay * params[i] - lr * b;
    }
  }
  if (!state_.ema.empty())
    for (std::size_t i = 0; i < params.size(); ++i)
      state_.ema[i] = ema_decay * state_.ema[i] + (1.0 - ema_decay) * params[i];
  return norm;
}

void Optimizer::restore(OptimizerState s) {
  if (s.m.size() != state_.m.size() || s.v.size() != state_.v.size() ||
      s.ema.size() != state_.ema.size())
    throw Error(fmt::format(
        "optimizer state does not fit: {} parameters with {} moments and {} EMA values were "
        "saved, this run has {} / {} / {} (was it saved with another optimizer or EMA setting?)",
        s.m.size(), s.v.size(), s.ema.size(), state_.m.size(), state_.v.size(), state_.ema.size()));
  state_ = std::move(s);
}

}  // namespace sgm::host
