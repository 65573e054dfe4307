// mlp_network.hpp: the numerics of the `mlp` score model (mlp.cpp), templated on the scalar type
// (float for speed, double for gradient checks). Private to the plugin.
//
// Layout. Activations are column-major features x columns, so each layer is one GEMM W·A. The
// columns of every buffer are [primal | tangent 1 | ... | tangent K], n columns each: forward-mode
// tangents ride along as extra columns of the same GEMM (the input tangent is [v_k; 0], the time
// embedding being a plain, untrained input).
//
// Forward (layers l = 1..L, σ the activation, L the output layer):
//   a_0 = [x; emb(t)],  h_l = W_l a_{l−1} + b_l,  a_l = σ(h_l),  y = W_L a_{L−1} + b_L,
//   ȧ_0 = [v_k; 0],     ḣ_l = W_l ȧ_{l−1},        ȧ_l = σ'(h_l) ⊙ ḣ_l,  ẏ = W_L ȧ_{L−1}.
// Reverse (g = ∂L/∂·; through both the primal and the tangent computations):
//   g_W_l = [g_h | g_ḣ] [a_{l−1} | ȧ_{l−1}]ᵀ,  g_b_l = Σ_columns g_h,
//   [g_a | g_ȧ]_{l−1} = W_lᵀ [g_h | g_ḣ]_l,
//   g_ḣ_k = σ'(h) ⊙ g_ȧ_k,  g_h = σ'(h) ⊙ g_a + Σ_k σ''(h) ⊙ ḣ_k ⊙ g_ȧ_k
// (the last term is d(σ'(h) ⊙ ḣ) = σ''(h) ⊙ ḣ ⊙ dh + σ'(h) ⊙ dḣ). Without tangents the reverse
// pass is an ordinary backprop over the n primal columns.
//
// Flat parameter layout (the master vector of TrainableScore::parameters()): for l = 1..L,
// W_l column-major (out_l x in_l), then b_l.
#pragma once

#include <sgm/error.hpp>
#include <sgm/types.hpp>

#include <Eigen/Core>

#include <cmath>
#include <cstddef>
#include <numbers>
#include <span>
#include <utility>
#include <vector>

namespace sgm::plugins::scores::mlp {

using Eigen::Index;

template <class S>
using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;  // column-major
template <class S>
using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

enum class Activation { silu, relu, tanh };

// ---- time embedding -----------------------------------------------------------------------

enum class EmbeddingKind { raw, fourier, sinusoidal };

/// emb(t): raw = [t]; otherwise [sin(ω_j t)]_j ++ [cos(ω_j t)]_j for fixed angular frequencies
/// ω_j (Gaussian Fourier features: ω_j = 2π w_j, w_j ~ N(0, scale²), Tancik et al. 2020, as in
/// score_sde's GaussianFourierProjection; sinusoidal: ω_j = 1000·10000^(−j/(J−1)), the
/// transformer position encoding of t·1000 "timesteps", as score_sde's get_timestep_embedding).
class TimeEmbedding {
 public:
  TimeEmbedding() = default;
  TimeEmbedding(EmbeddingKind kind, Eigen::VectorXd omega)
      : kind_(kind), omega_(std::move(omega)) {}

  Index dim() const { return kind_ == EmbeddingKind::raw ? 1 : 2 * omega_.size(); }

  /// out.col(j) = emb(t_j), out being dim() x t.size().
  template <class S, class Out>
  void write(const Eigen::Ref<const Eigen::VectorXd>& t, Out&& out, Eigen::ArrayXXd& phase) const {
    if (kind_ == EmbeddingKind::raw) {
      out.row(0) = t.transpose().template cast<S>();
      return;
    }
    // Reduce the phases modulo 2π in double, so that float sin/cos stay accurate (ω t reaches
    // 10³ rad, where float's own reduction would lose ~1e−4).
    const Index half = omega_.size();
    phase.resize(half, t.size());
    phase.matrix().noalias() = omega_ * t.transpose();
    constexpr double two_pi = 2.0 * std::numbers::pi;
    phase -= two_pi * (phase * (1.0 / two_pi)).round();
    out.topRows(half).array() = phase.template cast<S>().sin();
    out.bottomRows(half).array() = phase.template cast<S>().cos();
  }

 private:
  EmbeddingKind kind_ = EmbeddingKind::raw;
  Eigen::VectorXd omega_;
};

// ---- shapes --------------------------------------------------------------------------------

/// Layer widths [in, hidden..., out] and the offsets of W_l, b_l in the flat parameter vector.
class Shape {
 public:
  Shape() = default;
  explicit Shape(std::vector<Index> widths) : widths_(std::move(widths)) {
    for (Index l = 0; l < layers(); ++l) {
      weight_offset_.push_back(count_);
      count_ += rows(l) * cols(l);
      bias_offset_.push_back(count_);
      count_ += rows(l);
    }
  }
  /// Number of affine layers L (hidden layers + the output layer).
  Index layers() const { return static_cast<Index>(widths_.size()) - 1; }
  Index rows(Index l) const { return widths_[static_cast<std::size_t>(l + 1)]; }  // out_l
  Index cols(Index l) const { return widths_[static_cast<std::size_t>(l)]; }      // in_l
  Index in() const { return widths_.front(); }
  Index out() const { return widths_.back(); }
  Index weight_offset(Index l) const { return weight_offset_[static_cast<std::size_t>(l)]; }
  Index bias_offset(Index l) const { return bias_offset_[static_cast<std::size_t>(l)]; }
  Index count() const { return count_; }

 private:
  std::vector<Index> widths_{1, 1};
  std::vector<Index> weight_offset_, bias_offset_;
  Index count_ = 0;
};

// ---- workspace (the tape) ------------------------------------------------------------------

/// Everything one evaluation writes; kept between calls so repeated shapes never allocate
/// (Eigen's resize() keeps the buffer when the size does not change).
template <class S>
struct Workspace {
  Index n = 0;          // primal columns of the last forward
  Index tangents = 0;   // K of the last forward
  bool taped = true;    // keep σ'(h) for a reverse pass (score() does not need it)
  Mat<S> a0;            // [x; emb(t)] | [v_k; 0]
  std::vector<Mat<S>> z, a;  // per hidden layer: [h | ḣ], [σ(h) | σ'(h) ⊙ ḣ]
  std::vector<Mat<S>> slope;  // per hidden layer: σ'(h), primal columns only
  Mat<S> y;             // output layer: [y | ẏ]
  Mat<S> g, g_next;     // reverse pass: ∂L/∂(pre-activations) of the current layer
  Vec<S> tmp, acc;      // one column of scratch
  Vec<S> grad;          // ∂L/∂θ in S, flat layout
  Eigen::ArrayXXd phase;     // time-embedding phases
  Eigen::VectorXd scale;     // output scale c(t_i) per primal column
  Eigen::VectorXd shift;     // mixed term κ(t_i) per primal column (output = "mixed"; else 0)

  /// Sizes the forward buffers for n primal columns and k tangents; `for_backward`: a reverse
  /// pass will follow.
  void prepare(const Shape& shape, Index rows, Index k, bool for_backward) {
    n = rows;
    tangents = k;
    taped = for_backward;
    const Index m = (k + 1) * n, hidden = shape.layers() - 1;
    a0.resize(shape.in(), m);
    z.resize(static_cast<std::size_t>(hidden));
    a.resize(static_cast<std::size_t>(hidden));
    slope.resize(static_cast<std::size_t>(hidden));
    for (Index l = 0; l < hidden; ++l) {
      const auto i = static_cast<std::size_t>(l);
      z[i].resize(shape.rows(l), m);
      a[i].resize(shape.rows(l), m);
      slope[i].resize(shape.rows(l), n);
    }
    y.resize(shape.out(), m);
    scale.resize(n);
    shift.resize(n);
  }
};

// ---- activations ---------------------------------------------------------------------------

// One primal column j of a hidden layer: h += b, a = σ(h), σ'(h) kept, and the K tangent columns
// ȧ = σ'(h) ⊙ ḣ, all while the column is in L1. SiLU: σ = h·sig(h), σ' = sig·(1 + h(1 − sig));
// tanh: σ' = 1 − σ²; ReLU: σ' = [h > 0].
template <Activation act, class S>
void activate_column(Workspace<S>& ws, std::size_t layer, const Vec<S>& bias, Index j) {
  Mat<S>& z = ws.z[layer];
  Mat<S>& a = ws.a[layer];
  auto h = z.col(j).array();
  auto out = a.col(j).array();
  if (!ws.taped && ws.tangents == 0) {  // sampling: neither h nor σ' is needed later, one pass
    const auto hb = h + bias.array();
    if constexpr (act == Activation::silu) out = hb * hb.logistic();
    else if constexpr (act == Activation::tanh) out = hb.tanh();
    else out = hb.max(S(0));
    return;
  }
  auto slope = ws.slope[layer].col(j).array();
  h += bias.array();
  if constexpr (act == Activation::silu) {
    auto sig = ws.tmp.array();
    sig = h.logistic();
    out = h * sig;
    slope = sig * (S(1) + h * (S(1) - sig));
  } else if constexpr (act == Activation::tanh) {
    out = h.tanh();
    slope = S(1) - out.square();
  } else {
    out = h.max(S(0));
    slope = (h > S(0)).template cast<S>();
  }
  for (Index k = 1; k <= ws.tangents; ++k)
    a.col(k * ws.n + j).array() = slope * z.col(k * ws.n + j).array();
}

template <Activation act, class S>
void activate(Workspace<S>& ws, std::size_t layer, const Vec<S>& bias) {
  ws.tmp.resize(bias.size());
  for (Index j = 0; j < ws.n; ++j) activate_column<act>(ws, layer, bias, j);
}

// Reverse through a hidden layer, in place on g = [g_a | g_ȧ] (k tangent blocks carry
// gradients): g_h = σ'(h) ⊙ g_a + Σ_k σ''(h) ⊙ ḣ_k ⊙ g_ȧ_k, g_ḣ_k = σ'(h) ⊙ g_ȧ_k (header).
// σ''(h): SiLU sig(1 − sig)(2 + h(1 − 2 sig)); tanh −2σ(1 − σ²); ReLU 0 (the tangent path then
// adds nothing to g_h).
template <Activation act, class S>
void activate_backward_column(Workspace<S>& ws, std::size_t layer, Index k, Index j) {
  auto g = ws.g.col(j).array();
  const auto slope = ws.slope[layer].col(j).array();
  if (act != Activation::relu && k > 0) {
    auto acc = ws.acc.array();  // Σ_k ḣ_k ⊙ g_ȧ_k
    acc = ws.z[layer].col(ws.n + j).array() * ws.g.col(ws.n + j).array();
    for (Index q = 2; q <= k; ++q)
      acc += ws.z[layer].col(q * ws.n + j).array() * ws.g.col(q * ws.n + j).array();
    auto curvature = ws.tmp.array();
    if constexpr (act == Activation::silu) {
      const auto h = ws.z[layer].col(j).array();
      curvature = h.logistic();
      curvature = curvature * (S(1) - curvature) * (S(2) + h * (S(1) - S(2) * curvature));
    } else {
      curvature = S(-2) * ws.a[layer].col(j).array() * slope;
    }
    g = slope * g + curvature * acc;
  } else {
    g *= slope;
  }
  for (Index q = 1; q <= k; ++q) ws.g.col(q * ws.n + j).array() *= slope;
}

template <Activation act, class S>
void activate_backward(Workspace<S>& ws, std::size_t layer, Index k) {
  ws.tmp.resize(ws.g.rows());
  ws.acc.resize(ws.g.rows());
  for (Index j = 0; j < ws.n; ++j) activate_backward_column<act>(ws, layer, k, j);
}

// ---- the network ---------------------------------------------------------------------------

template <class S>
class Network {
 public:
  using Scalar = S;
  Network() = default;
  Network(Shape shape, Activation act) : shape_(std::move(shape)), act_(act) {
    for (Index l = 0; l < shape_.layers(); ++l) {
      w_.emplace_back(Mat<S>::Zero(shape_.rows(l), shape_.cols(l)));
      b_.emplace_back(Vec<S>::Zero(shape_.rows(l)));
    }
  }

  const Shape& shape() const { return shape_; }

  /// Re-derive the S weights from the double master vector (flat layout in the header).
  void set_parameters(std::span<const double> theta) {
    for (Index l = 0; l < shape_.layers(); ++l) {
      const auto i = static_cast<std::size_t>(l);
      w_[i] = Eigen::Map<const Eigen::MatrixXd>(theta.data() + shape_.weight_offset(l),
                                                shape_.rows(l), shape_.cols(l))
                  .template cast<S>();
      b_[i] = Eigen::Map<const Eigen::VectorXd>(theta.data() + shape_.bias_offset(l),
                                                shape_.rows(l))
                  .template cast<S>();
    }
  }

  /// ws.a0 (prepared and filled) -> every layer, ending in ws.y = [y | ẏ] (header).
  void forward(Workspace<S>& ws) const {
    const Index m = (ws.tangents + 1) * ws.n, last = shape_.layers() - 1;
    for (Index l = 0; l < last; ++l) {
      const auto i = static_cast<std::size_t>(l);
      ws.z[i].noalias() = w_[i] * input(ws, l).leftCols(m);
      switch (act_) {
        case Activation::silu: activate<Activation::silu>(ws, i, b_[i]); break;
        case Activation::tanh: activate<Activation::tanh>(ws, i, b_[i]); break;
        case Activation::relu: activate<Activation::relu>(ws, i, b_[i]); break;
      }
    }
    const auto i = static_cast<std::size_t>(last);
    ws.y.noalias() = w_[i] * input(ws, last).leftCols(m);
    ws.y.leftCols(ws.n).colwise() += b_[i];
  }

  /// Reverse pass: ws.g = ∂L/∂[y | ẏ_1..ẏ_k] (out x (k+1)n, k = 0 or the forward's K) on entry;
  /// ws.grad = ∂L/∂θ (flat layout) on exit.
  void backward(Workspace<S>& ws, Index k) const {
    const Index m = (k + 1) * ws.n;
    ws.grad.resize(shape_.count());
    for (Index l = shape_.layers() - 1; l >= 0; --l) {
      const auto i = static_cast<std::size_t>(l);
      Eigen::Map<Mat<S>> g_w(ws.grad.data() + shape_.weight_offset(l), shape_.rows(l),
                             shape_.cols(l));
      Eigen::Map<Vec<S>> g_b(ws.grad.data() + shape_.bias_offset(l), shape_.rows(l));
      g_w.noalias() = ws.g * input(ws, l).leftCols(m).transpose();
      g_b.noalias() = ws.g.leftCols(ws.n).rowwise().sum();
      if (l == 0) break;  // a_0 holds x and t: nothing trainable below
      ws.g_next.resize(shape_.cols(l), m);
      ws.g_next.noalias() = w_[i].transpose() * ws.g;
      std::swap(ws.g, ws.g_next);
      switch (act_) {
        case Activation::silu: activate_backward<Activation::silu>(ws, i - 1, k); break;
        case Activation::tanh: activate_backward<Activation::tanh>(ws, i - 1, k); break;
        case Activation::relu: activate_backward<Activation::relu>(ws, i - 1, k); break;
      }
    }
  }

 private:
  // The input of layer l: a_0 or the previous hidden layer's activations.
  static const Mat<S>& input(const Workspace<S>& ws, Index l) {
    return l == 0 ? ws.a0 : ws.a[static_cast<std::size_t>(l - 1)];
  }

  Shape shape_;
  Activation act_ = Activation::silu;
  std::vector<Mat<S>> w_;
  std::vector<Vec<S>> b_;
};

}  // namespace sgm::plugins::scores::mlp
