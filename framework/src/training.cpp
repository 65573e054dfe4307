#include "sgm/host/training.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "sgm/host/runner.hpp"

namespace sgm::host {

const ParamSpec& train_spec() {
  static const ParamSpec spec = [] {
    ParamSpec p{"train", "train the [score] model with the [objective] before sampling"};
    p.add<std::int64_t>("iterations", 2000, "optimizer steps").min(1);
    p.add<std::int64_t>("batch_size", 512, "rows per minibatch (at most n_train)").min(1);
    p.add<std::int64_t>("n_train", 10000,
                        "training set size, drawn once from the dataset (as the seeds do)")
        .min(1);
    p.add<bool>("fresh_data", false, "draw a fresh minibatch from the dataset every step");
    p.add<std::int64_t>("chunk", 128, "rows per parallel task (never changes results)").min(1);
    p.add<std::string>("optimizer", "adam", "adam (decoupled weight decay) or sgd (momentum)")
        .choices({"adam", "sgd"});
    p.add<double>("lr", 1e-3, "learning rate").positive();
    p.add<double>("beta1", 0.9, "Adam first-moment decay").range(0.0, 0.999999);
    p.add<double>("beta2", 0.999, "Adam second-moment decay").range(0.0, 0.999999999);
    p.add<double>("adam_eps", 1e-8, "Adam denominator epsilon").positive();
    p.add<double>("momentum", 0.9, "SGD momentum").range(0.0, 0.999999);
    p.add<double>("weight_decay", 0.0, "decoupled weight decay per unit learning rate").min(0.0);
    p.add<std::int64_t>("warmup", 0, "steps of linear learning-rate warm-up").min(0);
    p.add<double>("clip_norm", 1.0, "clip the gradient's L2 norm to this (0: off)").min(0.0);
    p.add<double>("ema", 0.999, "EMA decay of the weights (0: no EMA)").range(0.0, 0.999999999);
    p.add<bool>("ema_warmup", false,
                "EMA decay min(ema, (1 + k)/(10 + k)) at step k, forgetting the initial weights "
                "early (for short runs: 0.999 alone keeps 0.999^k of them)");
    p.add<bool>("use_ema", true, "sample with the EMA weights (as score_sde does)");
    p.add<std::int64_t>("log_every", 100, "steps per row of loss.csv").min(1);
    p.add<std::int64_t>("checkpoint_every", 0,
                        "also write checkpoint.ckpt every this many steps (0: only at the end)")
        .min(0);
    p.example("[train]\niterations = 3000\nbatch_size = 512\nlr = 1e-3");
    return p;
  }();
  return spec;
}

TrainSettings train_settings(const Params& p) {
  TrainSettings s;
  s.iterations = p.get<std::int64_t>("iterations");
  s.batch_size = p.get<std::int64_t>("batch_size");
  s.n_train = p.get<std::int64_t>("n_train");
  s.fresh_data = p.get<bool>("fresh_data");
  s.chunk = p.get<std::int64_t>("chunk");
  s.log_every = p.get<std::int64_t>("log_every");
  auto& o = s.optimizer;
  o.method = p.get<std::string>("optimizer");
  o.lr = p.get<double>("lr");
  o.beta1 = p.get<double>("beta1");
  o.beta2 = p.get<double>("beta2");
  o.eps = p.get<double>("adam_eps");
  o.momentum = p.get<double>("momentum");
  o.weight_decay = p.get<double>("weight_decay");
  o.warmup = p.get<std::int64_t>("warmup");
  o.clip_norm = p.get<double>("clip_norm");
  o.ema_decay = p.get<double>("ema");
  o.ema_warmup = p.get<bool>("ema_warmup");
  return s;
}

Trainer::Trainer(TrainableScore& model, const Objective& objective, const Dataset& data,
                 TrainSettings s, std::uint64_t seed, const Executor& executor)
    : model_(model),
      objective_(objective),
      data_(data),
      s_(std::move(s)),
      seed_(seed),
      executor_(executor),
      optimizer_(s_.optimizer, model.parameters()) {
  if (!s_.fresh_data) {
    train_set_ = sample_dataset(data_, seed_, streams::train_data, s_.n_train, 4096, executor_);
    s_.batch_size = std::min(s_.batch_size, s_.n_train);
  }
  const auto chunks = static_cast<std::size_t>((s_.batch_size + s_.chunk - 1) / s_.chunk);
  for (std::size_t k = 0; k < chunks; ++k) {
    tapes_.push_back(model_.make_tape());
    chunk_grads_.emplace_back(model_.parameter_count(), 0.0);
  }
}

void Trainer::restore(const Checkpoint& c) {
  if (c.params.size() != model_.parameter_count())
    throw Error(fmt::format("checkpoint has {} parameters, the model {}", c.params.size(),
                            model_.parameter_count()));
  std::copy(c.params.begin(), c.params.end(), model_.parameters().begin());
  model_.parameters_changed();
  optimizer_.restore(c.optimizer);
}

Matrix Trainer::minibatch(std::int64_t step) const {
  const Eigen::Index b = s_.batch_size;
  if (s_.fresh_data) {
    Matrix out(b, data_.dim());
    RowRng rng(seed_, streams::minibatch, static_cast<std::uint64_t>(step * b), b);
    data_.sample(out, rng);
    return out;
  }
  // Epochs as in seed 000's reference code: a fresh permutation of the training set per epoch,
  // consecutive minibatches of it, the remainder dropped (MATH.md §C8).
  const std::int64_t per_epoch = s_.n_train / b;
  const std::int64_t epoch = step / per_epoch, within = step % per_epoch;
  std::vector<Eigen::Index> perm(static_cast<std::size_t>(s_.n_train));
  std::iota(perm.begin(), perm.end(), Eigen::Index{0});
  Rng rng(seed_, streams::minibatch, static_cast<std::uint64_t>(epoch));
  for (std::size_t i = perm.size() - 1; i > 0; --i)
    std::swap(perm[i], perm[static_cast<std::size_t>(rng.next_u64() % (i + 1))]);
  Matrix out(b, data_.dim());
  for (Eigen::Index i = 0; i < b; ++i)
    out.row(i) = train_set_.row(perm[static_cast<std::size_t>(within * b + i)]);
  return out;
}

double Trainer::loss_and_gradient(std::int64_t step, std::vector<double>& grad) {
  const Matrix x0 = minibatch(step);
  const auto b = static_cast<std::size_t>(x0.rows());
  const auto chunk = static_cast<std::size_t>(s_.chunk);
  std::vector<double> losses(tapes_.size(), 0.0);
  executor_.for_blocks(b, chunk, [&](std::size_t begin, std::size_t end) {
    const std::size_t k = begin / chunk;
    auto& g = chunk_grads_[k];
    std::fill(g.begin(), g.end(), 0.0);
    const auto rows = static_cast<Eigen::Index>(end - begin);
    RowRng rng(seed_, streams::objective,
               static_cast<std::uint64_t>(step) * b + begin, rows);
    losses[k] = objective_.loss_and_gradient(
        model_, x0.middleRows(static_cast<Eigen::Index>(begin), rows), rng, *tapes_[k], g);
  });
  // Fixed-order reduction: the result does not depend on which thread ran which chunk.
  grad.assign(model_.parameter_count(), 0.0);
  double loss = 0.0;
  const double inv = 1.0 / static_cast<double>(b);
  for (std::size_t k = 0; k < tapes_.size(); ++k) {
    loss += losses[k];
    for (std::size_t i = 0; i < grad.size(); ++i) grad[i] += chunk_grads_[k][i];
  }
  for (double& g : grad) g *= inv;
  return loss * inv;
}

void Trainer::run(const std::function<void(std::int64_t)>& on_step) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<double> grad;
  double window_loss = 0, window_norm = 0;
  std::int64_t window = 0;
  while (step() < s_.iterations) {
    const std::int64_t k = step();
    const double loss = loss_and_gradient(k, grad);
    if (!std::isfinite(loss))
      throw Error(fmt::format("train: the loss is {} at step {} (lower the learning rate, clip "
                              "gradients, or check the data and the objective)", loss, k));
    const double lr = optimizer_.learning_rate(k);
    const double norm = optimizer_.step(model_.parameters(), grad);
    if (!std::isfinite(norm))
      throw Error(fmt::format("train: the gradient is not finite at step {} (loss {})", k, loss));
    model_.parameters_changed();
    window_loss += loss;
    window_norm += norm;
    ++window;
    if (step() % s_.log_every == 0 || step() == s_.iterations) {
      const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      curve_.push_back({step(), window_loss / static_cast<double>(window),
                        window_norm / static_cast<double>(window), lr, sec});
      window_loss = window_norm = 0;
      window = 0;
    }
    if (on_step) on_step(step());
  }
}

Checkpoint Trainer::checkpoint(const std::string& plugin) const {
  Checkpoint c;
  c.architecture = model_.architecture();
  c.plugin = plugin;
  c.method = s_.optimizer.method;
  c.seed = seed_;
  const auto p = model_.parameters();
  c.params.assign(p.begin(), p.end());
  c.optimizer = optimizer_.state();
  return c;
}

void Trainer::use_ema() {
  const auto& ema = optimizer_.state().ema;
  if (ema.empty()) return;
  std::copy(ema.begin(), ema.end(), model_.parameters().begin());
  model_.parameters_changed();
}

std::string loss_csv(const std::vector<LossRow>& rows) {
  std::string s = "step,loss,grad_norm,lr,seconds\n";
  for (const auto& r : rows)
    s += fmt::format("{},{:.10g},{:.6g},{:.6g},{:.4f}\n", r.step, r.loss, r.grad_norm, r.lr, r.seconds);
  return s;
}

}  // namespace sgm::host
