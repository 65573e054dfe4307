// toy_trainable.hpp: small TrainableScore models for testing objectives without the `mlp` plugin
// (double precision, exact forward-mode tangents and reverse-mode gradients, tangent path
// included):
// - ToyNet: s(x, t) = W2 tanh(W1 x + w t + b1) + b2, a one-hidden-layer network whose Jacobian
//   depends on x (exercises the second-order terms of ssm/ism gradients);
// - GaussianFamilyScore: s_j(x, t) = −(x_j − m_t μ_j)/(m_t² e^{ρ_j} + σ_t²), the exact score of
//   N(μ, diag e^ρ) data under a one-block linear SDE (m_t, σ_t² from its kernel), linear in x;
//   at μ = data mean and e^ρ = data variance it IS the true score;
// - ShiftedScore: s = (1 + c) s*(x, t) + b around a fixed ScoreModel s* (e.g. analytic_gmm), with
//   parameters (c, b); at c = 0, b = 0 it is s* (tangents through s*'s jvp() when it has one).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/rng.hpp>
#include <sgm/trainable.hpp>
#include <sgm/types.hpp>

namespace sgm::test {

/// ∂L/∂θ written as a flat vector view.
using GradSpan = std::span<double>;

// ------------------------------------------------------------------------------------------

class ToyNet final : public TrainableScore {
 public:
  /// dim inputs/outputs, `hidden` tanh units; weights N(0, 1/fan_in) from (seed, streams::init).
  ToyNet(int dim, int hidden, std::uint64_t seed = 1)
      : d_(dim), h_(hidden), theta_(static_cast<std::size_t>(2 * h_ * d_ + 2 * h_ + d_)) {
    Rng r(seed, streams::init, 0);
    for (double& v : theta_) v = r.normal();
    w1() /= std::sqrt(static_cast<double>(d_));
    w2() /= std::sqrt(static_cast<double>(h_));
    b2().setZero();
  }

  std::span<double> parameters() override { return theta_; }
  void parameters_changed() override {}
  std::string architecture() const override {
    return "toy_net " + std::to_string(d_) + "x" + std::to_string(h_);
  }
  std::unique_ptr<ModelTape> make_tape() const override { return std::make_unique<Tape>(); }

  void score(CRef x, double t, Ref out) const override {
    std::vector<Matrix> jvp;
    Tape tape;
    forward(x, Eigen::VectorXd::Constant(x.rows(), t), {}, tape, out, jvp);
  }

  // z = x W1ᵀ + t wᵀ + b1, h = tanh z, s = h W2ᵀ + b2; a_k = v_k W1ᵀ, dh_k = (1 − h²) a_k,
  // jvp_k = dh_k W2ᵀ.
  void forward(CRef x, CVecRef t, const std::vector<Matrix>& tangents, ModelTape& tape_base,
               Ref out, std::vector<Matrix>& jvp) const override {
    auto& tape = static_cast<Tape&>(tape_base);
    tape.x = x;
    tape.t = t;
    Matrix z = x * w1().transpose() + t * wt().transpose();
    z.rowwise() += b1().transpose();
    tape.h = z.array().tanh().matrix();
    out = tape.h * w2().transpose();
    out.rowwise() += b2().transpose();
    const Matrix slope = (1.0 - tape.h.array().square()).matrix();
    tape.v = tangents;
    tape.a.clear();
    jvp.clear();
    for (const Matrix& v : tangents) {
      tape.a.push_back(v * w1().transpose());
      jvp.push_back((slope.array() * tape.a.back().array()).matrix() * w2().transpose());
    }
  }

  void backward(ModelTape& tape_base, CRef grad_out, const std::vector<Matrix>& grad_jvp,
                GradSpan grad) const override {
    auto& tape = static_cast<Tape&>(tape_base);
    Weights g = view(grad);
    const Matrix slope = (1.0 - tape.h.array().square()).matrix();
    g.w2 += grad_out.transpose() * tape.h;
    g.b2 += grad_out.colwise().sum().transpose();
    Matrix gh = grad_out * w2();
    for (std::size_t k = 0; k < grad_jvp.size(); ++k) {
      const Matrix gdh = grad_jvp[k] * w2();  // ∂L/∂dh_k
      const Matrix dh = (slope.array() * tape.a[k].array()).matrix();
      g.w2 += grad_jvp[k].transpose() * dh;
      const Matrix ga = (slope.array() * gdh.array()).matrix();               // ∂L/∂a_k
      gh.array() += -2.0 * tape.h.array() * tape.a[k].array() * gdh.array();  // through slope
      g.w1 += ga.transpose() * tape.v[k];
    }
    const Matrix gz = (slope.array() * gh.array()).matrix();
    g.w1 += gz.transpose() * tape.x;
    g.wt += gz.transpose() * tape.t;
    g.b1 += gz.colwise().sum().transpose();
  }

 private:
  struct Tape final : ModelTape {
    Matrix x, h;
    Eigen::VectorXd t;
    std::vector<Matrix> v, a;
  };
  using RowMap = Eigen::Map<Matrix>;
  using VecMap = Eigen::Map<Eigen::VectorXd>;
  struct Weights {
    RowMap w1;
    VecMap wt, b1;
    RowMap w2;
    VecMap b2;
  };
  // Layout: W1 (h x d), w (h), b1 (h), W2 (d x h), b2 (d).
  Weights view(std::span<double> p) const {
    double* q = p.data();
    const auto d = static_cast<Eigen::Index>(d_), h = static_cast<Eigen::Index>(h_);
    return {RowMap(q, h, d), VecMap(q + h * d, h), VecMap(q + h * d + h, h),
            RowMap(q + h * d + 2 * h, d, h), VecMap(q + 2 * h * d + 2 * h, d)};
  }
  Weights view() const {  // read-only use by the const accessors below
    return view(std::span<double>(const_cast<double*>(theta_.data()), theta_.size()));
  }
  RowMap w1() const { return view().w1; }
  VecMap wt() const { return view().wt; }
  VecMap b1() const { return view().b1; }
  RowMap w2() const { return view().w2; }
  VecMap b2() const { return view().b2; }

  int d_, h_;
  std::vector<double> theta_;
};

// ------------------------------------------------------------------------------------------

class GaussianFamilyScore final : public TrainableScore {
 public:
  /// Parameters (μ_1..μ_D, ρ_1..ρ_D), initialised to μ = 0, ρ = 0. sde: one-block and linear.
  GaussianFamilyScore(const ForwardSde& sde, int dim)
      : sde_(&sde), d_(dim), theta_(static_cast<std::size_t>(2 * dim), 0.0) {
    if (sde.blocks() != 1 || !sde.is_linear())
      throw Error("GaussianFamilyScore needs a one-block linear SDE");
  }
  /// Sets μ and the variance e^ρ of every coordinate.
  void set(double mean, double variance) {
    for (int j = 0; j < d_; ++j) {
      theta_[static_cast<std::size_t>(j)] = mean;
      theta_[static_cast<std::size_t>(d_ + j)] = std::log(variance);
    }
  }

  std::span<double> parameters() override { return theta_; }
  void parameters_changed() override {}
  std::string architecture() const override { return "gaussian_family " + std::to_string(d_); }
  std::unique_ptr<ModelTape> make_tape() const override { return std::make_unique<Tape>(); }

  void score(CRef x, double t, Ref out) const override {
    std::vector<Matrix> jvp;
    Tape tape;
    forward(x, Eigen::VectorXd::Constant(x.rows(), t), {}, tape, out, jvp);
  }

  // q_ij = m_i² e^{ρ_j} + σ_i², s_ij = −(x_ij − m_i μ_j)/q_ij, jvp_k,ij = −v_k,ij / q_ij.
  void forward(CRef x, CVecRef t, const std::vector<Matrix>& tangents, ModelTape& tape_base,
               Ref out, std::vector<Matrix>& jvp) const override {
    auto& tape = static_cast<Tape&>(tape_base);
    const Eigen::Index n = x.rows();
    tape.m.resize(n);
    tape.q.resize(n, d_);
    for (Eigen::Index i = 0; i < n; ++i) {
      const LinearKernel k = sde_->kernel(t[i]);
      tape.m[i] = k.mean_scale();
      for (Eigen::Index j = 0; j < d_; ++j) {
        tape.q(i, j) = k.mean_scale() * k.mean_scale() * std::exp(rho(j)) + k.variance();
        out(i, j) = -(x(i, j) - k.mean_scale() * mu(j)) / tape.q(i, j);
      }
    }
    tape.s = out;
    tape.v = tangents;
    jvp.clear();
    for (const Matrix& v : tangents) jvp.push_back(-(v.array() / tape.q.array()).matrix());
  }

  // ∂s/∂μ_j = m/q, ∂s/∂ρ_j = −s m² e^ρ / q, ∂jvp/∂ρ_j = v m² e^ρ / q².
  void backward(ModelTape& tape_base, CRef grad_out, const std::vector<Matrix>& grad_jvp,
                GradSpan grad) const override {
    auto& tape = static_cast<Tape&>(tape_base);
    for (Eigen::Index i = 0; i < tape.s.rows(); ++i)
      for (Eigen::Index j = 0; j < d_; ++j) {
        const double m = tape.m[i], q = tape.q(i, j), dq = m * m * std::exp(rho(j));
        grad[static_cast<std::size_t>(j)] += grad_out(i, j) * m / q;
        double g_rho = -grad_out(i, j) * tape.s(i, j) * dq / q;
        for (std::size_t k = 0; k < grad_jvp.size(); ++k)
          g_rho += grad_jvp[k](i, j) * tape.v[k](i, j) * dq / (q * q);
        grad[static_cast<std::size_t>(d_ + j)] += g_rho;
      }
  }

 private:
  struct Tape final : ModelTape {
    Eigen::VectorXd m;
    Matrix q, s;
    std::vector<Matrix> v;
  };
  double mu(Eigen::Index j) const { return theta_[static_cast<std::size_t>(j)]; }
  double rho(Eigen::Index j) const { return theta_[static_cast<std::size_t>(d_ + j)]; }

  const ForwardSde* sde_;
  int d_;
  std::vector<double> theta_;
};

// ------------------------------------------------------------------------------------------

class ShiftedScore final : public TrainableScore {
 public:
  /// s = (1 + c) inner(x, t) + b with parameters (c, b_1..b_D), all zero initially. Tangents
  /// need inner.has_jvp(): ∇ₓs v = (1 + c) inner.jvp(x, t, v).
  ShiftedScore(const ScoreModel& inner, int state_dim)
      : inner_(&inner), theta_(static_cast<std::size_t>(1 + state_dim), 0.0) {}

  std::span<double> parameters() override { return theta_; }
  void parameters_changed() override {}
  std::string architecture() const override { return "shifted"; }
  std::unique_ptr<ModelTape> make_tape() const override { return std::make_unique<Tape>(); }

  void score(CRef x, double t, Ref out) const override {
    std::vector<Matrix> jvp;
    Tape tape;
    forward(x, Eigen::VectorXd::Constant(x.rows(), t), {}, tape, out, jvp);
  }

  void forward(CRef x, CVecRef t, const std::vector<Matrix>& tangents, ModelTape& tape_base,
               Ref out, std::vector<Matrix>& jvp) const override {
    if (!tangents.empty() && !inner_->has_jvp())
      throw Error("ShiftedScore: the inner score has no Jacobian-vector product");
    auto& tape = static_cast<Tape&>(tape_base);
    tape.inner.resize(x.rows(), x.cols());
    tape.inner_jvp.assign(tangents.size(), Matrix(x.rows(), x.cols()));
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
      inner_->score(x.middleRows(i, 1), t[i], tape.inner.middleRows(i, 1));
      for (std::size_t k = 0; k < tangents.size(); ++k)
        inner_->jvp(x.middleRows(i, 1), t[i], tangents[k].middleRows(i, 1),
                    tape.inner_jvp[k].middleRows(i, 1));
    }
    const Eigen::Map<const Eigen::RowVectorXd> b(theta_.data() + 1, x.cols());
    out = (1.0 + theta_[0]) * tape.inner;
    out.rowwise() += b;
    jvp.clear();
    for (const Matrix& j : tape.inner_jvp) jvp.push_back((1.0 + theta_[0]) * j);
  }

  void backward(ModelTape& tape_base, CRef grad_out, const std::vector<Matrix>& grad_jvp,
                GradSpan grad) const override {
    auto& tape = static_cast<Tape&>(tape_base);
    grad[0] += (grad_out.array() * tape.inner.array()).sum();
    for (std::size_t k = 0; k < grad_jvp.size(); ++k)
      grad[0] += (grad_jvp[k].array() * tape.inner_jvp[k].array()).sum();
    for (Eigen::Index j = 0; j < grad_out.cols(); ++j)
      grad[static_cast<std::size_t>(1 + j)] += grad_out.col(j).sum();
  }

 private:
  struct Tape final : ModelTape {
    Matrix inner;
    std::vector<Matrix> inner_jvp;
  };
  const ScoreModel* inner_;
  std::vector<double> theta_;
};

}  // namespace sgm::test
