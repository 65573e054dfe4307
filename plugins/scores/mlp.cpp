// mlp.cpp: score model `mlp`, a trainable multilayer perceptron s_θ(x, t) (MATH.md §2, §C8).
//
//   a_0 = [x; emb(t)],  a_l = σ(W_l a_{l−1} + b_l) (l < L),  NN = W_L a_{L−1} + b_L,
//   s(x, t) = c(t) · NN − κ(t) · [0; v],
//   output = "score":   c = 1, κ = 0;
//   output = "epsilon": c = −1/σ_t, κ = 0 (the network predicts the noise ε of x_t = m_t x_0 +
//                       σ_t ε, so s = −ε̂/σ_t, MATH.md §2 and §C8's default; one-block SDEs);
//   output = "mixed":   c = −ℓ_t, κ = 1/Σvv(t) (CLD's mixed score, MATH.md §2 "HSM (CLD)"; state
//                       u = (x, v) of a two-block linear SDE): s_v = −v/Σvv − ℓ_t NN_v, with Σvv
//                       and ℓ_t = 1/L22 of the kernel with the lifted initial covariance
//                       diag(0, γM) integrated out — the kernel the hsm objective trains against
//                       (sgm::velocity_kernel, score_matching.hpp). The network then learns only the
//                       departure of the velocity score from that of N(0, Σvv), the score of p_t
//                       for Gaussian data near the prior. The position block is s_x = −ℓ_t NN_x:
//                       the same per-row scale and no affine term, so the network keeps its shape
//                       (2d outputs). CLD's reverse SDE and SSCS use only s_v (G Gᵀ acts on v
//                       alone) and hsm trains only s_v, so s_x is not a position score estimate.
//
// x is the state (data dimension x SDE blocks); emb(t) is t itself, random Fourier features
// [sin 2πw_j t, cos 2πw_j t] with w_j ~ N(0, fourier_scale²) drawn once from the run seed, or
// transformer-style sinusoidal features (mlp_network.hpp). The time embedding is a plain input:
// not trained, no tangent. The parametrisation c(t) is a per-row scale of the network output, so
// the forward pass, its tangents and the reverse pass all just scale; the mixed term −κ(t)·v is an
// affine function of the state that does not depend on θ: the forward output adds it, a tangent
// w adds its derivative −κ(t)·w_v, and the reverse pass does not see it.
//
// Training interface (sgm/trainable.hpp): forward() evaluates a chunk with one time per row and
// pushes K tangent directions through in forward mode (∇ₓs · v_k, for sliced and implicit score
// matching), batched as extra GEMM columns; backward() reverses both the primal and the tangent
// computations. mlp_network.hpp has the equations and the flat parameter layout. The network
// computes in `precision` (float by default; double for gradient checks); the master parameters
// are doubles and parameters_changed() re-derives the working copy.
//
// Init: He normal weights for ReLU (std √(2/fan_in)), Glorot/Xavier normal for SiLU and tanh
// (std √(2/(fan_in + fan_out))), zero biases, the output layer scaled by 0.1 so that the initial
// score is near 0; layer l draws from Rng(seed, streams::init, l) (l = 1..L), the Fourier
// frequencies from Rng(seed, streams::init, 0): deterministic by seed.
//
// Concurrency: score() and jvp() are const and keep their buffers thread_local (sized on demand,
// so the sampling hot path does not allocate); forward()/backward() keep theirs in the tape.
//
// Example stage:
//   [score]
//   plugin = "mlp"
//   hidden = [128, 128, 128, 128]
//   activation = "silu"
//   embedding = "sinusoidal"
//   output = "epsilon"
#include <sgm/context.hpp>
#include <sgm/dataset.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/rng.hpp>
#include <sgm/score_matching.hpp>
#include <sgm/trainable.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numbers>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "mlp_network.hpp"

namespace sgm::plugins::scores {

namespace {

using mlp::Activation;
using mlp::EmbeddingKind;
using mlp::Index;
using mlp::Network;
using mlp::Shape;
using mlp::TimeEmbedding;
using mlp::Workspace;

constexpr double kOutputGain = 0.1;          // output-layer init scale: initial score ≈ 0
constexpr Index kTile = 256;                 // rows per block in score()/jvp(): buffers in L2
constexpr std::uint64_t kFourierStream = 0;  // particle id of the Fourier frequencies' stream

// ---- parameters ----------------------------------------------------------------------------

struct Config {
  std::vector<Index> hidden;
  std::string activation, embedding, output, precision;
  Index embedding_dim = 16;
  double fourier_scale = 1.0;
};

std::string list_text(const DoubleList& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += ", ";
    s += format_number(v[i]);
  }
  return s + "]";
}

std::vector<Index> hidden_widths(const DoubleList& hidden) {
  std::vector<Index> widths;
  for (const double w : hidden) {
    if (!(w >= 1.0 && w <= 1e6 && w == std::floor(w)))
      throw Error("mlp: hidden = " + list_text(hidden) + ": every width must be a whole number "
                  "of units in [1, 1000000], got " + format_number(w));
    widths.push_back(static_cast<Index>(w));
  }
  return widths;
}

Config read_config(const Params& p) {
  Config c;
  c.hidden = hidden_widths(p.get<DoubleList>("hidden"));
  c.activation = p.get<std::string>("activation");
  c.embedding = p.get<std::string>("embedding");
  c.output = p.get<std::string>("output");
  c.precision = p.get<std::string>("precision");
  c.embedding_dim = p.get<std::int64_t>("embedding_dim");
  c.fourier_scale = p.get<double>("fourier_scale");
  if (c.embedding != "raw" && c.embedding_dim % 2 != 0)
    throw Error("mlp: embedding_dim = " + std::to_string(c.embedding_dim) +
                " must be even (sin and cos of each frequency)");
  return c;
}

Activation activation_of(const std::string& name) {
  if (name == "relu") return Activation::relu;
  if (name == "tanh") return Activation::tanh;
  return Activation::silu;
}

// ---- context -------------------------------------------------------------------------------

Index require_state_dim(const Context& ctx) {
  if (ctx.dataset == nullptr)
    throw Error("mlp needs a [dataset] stage: its dimension sizes the network's input and output");
  if (ctx.sde == nullptr)
    throw Error("mlp needs an [sde] stage: the state dimension is the data dimension times the "
                "SDE's blocks");
  return static_cast<Index>(ctx.dataset->dim()) * ctx.sde->blocks();
}

enum class Output { score, epsilon, mixed };

Output output_of(const std::string& name) {
  if (name == "epsilon") return Output::epsilon;
  if (name == "mixed") return Output::mixed;
  return Output::score;
}

std::string sde_text(const ForwardSde& sde) {
  return std::to_string(sde.blocks()) + " block(s) and is " +
         (sde.is_linear() ? std::string("linear") : std::string("not linear"));
}

// output = "epsilon" divides by σ_t, the kernel's standard deviation of a one-block linear SDE.
void require_epsilon_sde(const Config& c, const ForwardSde& sde) {
  if (c.output != "epsilon") return;
  if (!sde.is_linear() || sde.blocks() != 1)
    throw Error("mlp: output = \"epsilon\" (s = −NN/σ_t) needs a one-block linear SDE with a "
                "closed-form kernel (vp, ve, subvp, ou, ...); this SDE has " +
                sde_text(sde) + "; use output = \"score\"");
}

// output = "mixed" reads Σvv and ℓ_t from the kernel of a two-block (x, v) linear SDE with the
// lifted initial covariance integrated out (header).
void require_mixed_sde(const Config& c, const ForwardSde& sde) {
  if (c.output != "mixed") return;
  const bool shaped = sde.is_linear() && sde.blocks() == 2;
  if (!shaped || sde.initial_block_cov().rows() != 2 || sde.initial_block_cov().cols() != 2)
    throw Error("mlp: output = \"mixed\" (CLD's s_v = −v/Σvv − ℓ_t NN_v) needs a two-block "
                "(position, velocity) linear SDE with a closed-form kernel and a 2 x 2 initial "
                "block covariance (cld, cld_elliptic); this SDE has " +
                sde_text(sde) + "; use output = \"score\" (or \"epsilon\" for one-block SDEs)");
}

// ---- initialisation ------------------------------------------------------------------------

TimeEmbedding make_embedding(const Config& c, std::uint64_t seed) {
  if (c.embedding == "raw") return {EmbeddingKind::raw, Eigen::VectorXd()};
  const Index half = c.embedding_dim / 2;
  Eigen::VectorXd omega(half);
  if (c.embedding == "fourier") {  // ω_j = 2π w_j, w_j ~ N(0, scale²)
    Rng rng(seed, streams::init, kFourierStream);
    for (Index j = 0; j < half; ++j)
      omega[j] = 2.0 * std::numbers::pi * c.fourier_scale * rng.normal();
    return {EmbeddingKind::fourier, omega};
  }
  // Geometric frequencies from 1000 down to 0.1 (score_sde's get_timestep_embedding on 1000 t).
  const double denom = static_cast<double>(std::max<Index>(half - 1, 1));
  for (Index j = 0; j < half; ++j)
    omega[j] = 1000.0 * std::pow(10000.0, -static_cast<double>(j) / denom);
  return {EmbeddingKind::sinusoidal, omega};
}

// He (ReLU) or Glorot (SiLU, tanh) normal standard deviation of a layer's weights.
double init_std(Activation act, Index fan_in, Index fan_out) {
  const auto in = static_cast<double>(fan_in), out = static_cast<double>(fan_out);
  return act == Activation::relu ? std::sqrt(2.0 / in) : std::sqrt(2.0 / (in + out));
}

std::vector<double> initial_parameters(const Shape& s, Activation act, std::uint64_t seed) {
  std::vector<double> theta(static_cast<std::size_t>(s.count()), 0.0);  // biases stay 0
  for (Index l = 0; l < s.layers(); ++l) {
    Rng rng(seed, streams::init, static_cast<std::uint64_t>(l + 1));
    double sd = init_std(act, s.cols(l), s.rows(l));
    if (l == s.layers() - 1) sd *= kOutputGain;
    const Index first = s.weight_offset(l), count = s.rows(l) * s.cols(l);
    for (Index e = 0; e < count; ++e)
      theta[static_cast<std::size_t>(first + e)] = sd * rng.normal();
  }
  return theta;
}

// ---- the tape ------------------------------------------------------------------------------

class MlpTape final : public ModelTape {
 public:
  std::variant<Workspace<float>, Workspace<double>> ws;

  template <class S>
  Workspace<S>& get() {
    if (!std::holds_alternative<Workspace<S>>(ws)) ws.template emplace<Workspace<S>>();
    return std::get<Workspace<S>>(ws);
  }
};

MlpTape& tape_of(ModelTape& tape) {
  auto* t = dynamic_cast<MlpTape*>(&tape);
  if (t == nullptr) throw Error("mlp: the tape was not made by an mlp model's make_tape()");
  return *t;
}

std::string shape_text(Index rows, Index cols) {
  return std::to_string(rows) + " x " + std::to_string(cols);
}

}  // namespace

class Mlp final : public TrainableScore {
 public:
  static ParamSpec params() {
    ParamSpec p{"mlp", "Trainable MLP score network s(x, t) with exact JVPs (MATH.md §2, §C8)"};
    p.add<DoubleList>("hidden", DoubleList{128, 128, 128, 128},
                      "hidden-layer widths, one whole number per layer ([] = affine model)")
        .range(1, 1e6);
    p.add<std::string>("activation", std::string("silu"), "hidden activation")
        .choices({"silu", "relu", "tanh"});
    p.add<std::string>("embedding", std::string("sinusoidal"),
                       "time input: raw t, random Fourier features, or sinusoidal features")
        .choices({"raw", "fourier", "sinusoidal"});
    p.add<std::int64_t>("embedding_dim", 16, "number of time features (even; unused for raw)")
        .range(2, 4096);
    p.add<double>("fourier_scale", 1.0, "std of the Fourier frequencies w_j in sin(2π w_j t)")
        .positive();
    p.add<std::string>("output", std::string("epsilon"),
                       "score: s = NN; epsilon: s = −NN/σ_t (one-block linear SDEs); mixed: "
                       "CLD's mixed score s_v = −v/Σvv − ℓ_t NN_v, s_x = −ℓ_t NN_x (two-block "
                       "SDEs; Σvv, ℓ_t = 1/L22 of hsm's kernel)")
        .choices({"score", "epsilon", "mixed"});
    p.add<std::string>("precision", std::string("float"),
                       "network arithmetic: float (fast) or double (gradient checks)")
        .choices({"float", "double"});
    p.example(
        "[score]\n"
        "plugin = \"mlp\"\n"
        "hidden = [128, 128, 128, 128]\n"
        "activation = \"silu\"\n"
        "embedding = \"sinusoidal\"\n"
        "output = \"epsilon\"\n");
    return p;
  }

  Mlp(const Params& p, const Context& ctx)
      : config_(read_config(p)),
        state_dim_(require_state_dim(ctx)),
        sde_(ctx.sde),
        seed_(ctx.seed),
        output_(output_of(config_.output)),
        embedding_(make_embedding(config_, ctx.seed)) {
    require_epsilon_sde(config_, *sde_);
    require_mixed_sde(config_, *sde_);
    std::vector<Index> widths{state_dim_ + embedding_.dim()};
    widths.insert(widths.end(), config_.hidden.begin(), config_.hidden.end());
    widths.push_back(state_dim_);
    const Shape shape(widths);
    const Activation act = activation_of(config_.activation);
    theta_ = initial_parameters(shape, act, ctx.seed);
    if (config_.precision == "double") net_.emplace<Network<double>>(shape, act);
    else net_.emplace<Network<float>>(shape, act);
    parameters_changed();
  }

  // Documentation inherited.
  std::span<double> parameters() override { return theta_; }

  // Documentation inherited.
  void parameters_changed() override {
    std::visit([&](auto& net) { net.set_parameters(theta_); }, net_);
  }

  // Documentation inherited.
  std::string architecture() const override {
    std::string s = "mlp in=";
    s += std::to_string(state_dim_);
    s += "+emb(";
    s += config_.embedding;
    s += ",";
    s += std::to_string(embedding_.dim());
    if (config_.embedding == "fourier") {  // the frequencies come from the seed, not θ
      s += ",scale=";
      s += format_number(config_.fourier_scale);
      s += ",seed=";
      s += std::to_string(seed_);
    }
    s += ") hidden=";
    for (std::size_t i = 0; i < config_.hidden.size(); ++i) {
      if (i) s += "x";
      s += std::to_string(config_.hidden[i]);
    }
    if (config_.hidden.empty()) s += "none";
    s += " act=";
    s += config_.activation;
    s += " out=";
    s += config_.output;
    s += " prec=";
    s += config_.precision;
    return s;
  }

  // Documentation inherited.
  std::unique_ptr<ModelTape> make_tape() const override {
    auto tape = std::make_unique<MlpTape>();
    if (config_.precision == "double") tape->get<double>();
    return tape;
  }

  // Documentation inherited.
  void forward(CRef x, CVecRef t, const std::vector<Matrix>& tangents, ModelTape& tape, Ref out,
               std::vector<Matrix>& jvp) const override {
    check_forward(x, t, tangents, out);
    MlpTape& mt = tape_of(tape);
    std::visit([&](const auto& net) { train_forward(net, x, t, tangents, mt, out, jvp); }, net_);
  }

  // Documentation inherited.
  void backward(ModelTape& tape, CRef grad_out, const std::vector<Matrix>& grad_jvp,
                std::span<double> grad) const override {
    MlpTape& mt = tape_of(tape);
    std::visit([&](const auto& net) { train_backward(net, mt, grad_out, grad_jvp, grad); }, net_);
  }

  // Documentation inherited.
  void score(CRef x, double t, Ref out) const override {
    check_rows(x, out, "score");
    std::visit([&](const auto& net) { evaluate(net, x, t, nullptr, out); }, net_);
  }

  // Documentation inherited.
  bool has_jvp() const override { return true; }

  // Documentation inherited.
  void jvp(CRef x, double t, CRef v, Ref out) const override {
    check_rows(x, out, "jvp");
    if (v.rows() != x.rows() || v.cols() != x.cols())
      throw Error("mlp: jvp directions are " + shape_text(v.rows(), v.cols()) + ", expected " +
                  shape_text(x.rows(), x.cols()));
    std::visit([&](const auto& net) { evaluate(net, x, t, &v, out); }, net_);
  }

 private:
  template <class Net>
  using ScalarOf = typename std::decay_t<Net>::Scalar;

  // s = c(t)·NN − κ(t)·[0; v] (header).
  struct OutputMap {
    double scale = 1.0;  // c(t)
    double shift = 0.0;  // κ(t), nonzero for output = mixed only
  };

  // c(t) and κ(t): (1, 0) for output = score, (−1/σ_t, 0) for epsilon, (−ℓ_t, 1/Σvv) for mixed.
  OutputMap output_map(double t) const {
    if (output_ == Output::score) return {};
    if (output_ == Output::epsilon) {
      const double var = sde_->kernel(t).variance();
      if (!(var > 0.0) || !std::isfinite(var))
        throw Error("mlp: output = \"epsilon\" divides by σ_t, but σ_t² = " + format_number(var) +
                    " at t = " + format_number(t) + " (evaluate at t > 0)");
      return {-1.0 / std::sqrt(var), 0.0};
    }
    VelocityKernel k;
    try {
      k = velocity_kernel(*sde_, t);
    } catch (const Error& e) {
      throw Error(std::string("mlp: output = \"mixed\" needs the kernel's Σvv and ℓ_t = 1/L22: ") +
                  e.what());
    }
    if (!(k.var_v > 0.0) || !std::isfinite(k.var_v) || !std::isfinite(k.ell))
      throw Error("mlp: output = \"mixed\" divides by Σvv = " + format_number(k.var_v) +
                  " and L22 = " + format_number(1.0 / k.ell) + " at t = " + format_number(t) +
                  " (evaluate at t > 0)");
    return {-k.ell, 1.0 / k.var_v};
  }

  // rows.rightCols(d) −= diag(κ) · src.rightCols(d), d = state_dim/2: the mixed term −κ(t) v of
  // the score (src = the states) or of its JVP (src = the tangents). No-op unless output = mixed.
  void add_mixed_term(const Eigen::VectorXd& kappa, CRef src, Ref rows) const {
    if (output_ != Output::mixed) return;
    const Index h = state_dim_ / 2;
    rows.rightCols(h) -= kappa.asDiagonal() * src.rightCols(h);
  }

  // ---- shape checks --------------------------------------------------------------------------

  void check_rows(CRef x, CRef out, const char* what) const {
    if (x.cols() != state_dim_)
      throw Error(std::string("mlp: ") + what + " got states of dimension " +
                  std::to_string(x.cols()) + ", expected " + std::to_string(state_dim_));
    if (out.rows() != x.rows() || out.cols() != x.cols())
      throw Error(std::string("mlp: ") + what + " output is " + shape_text(out.rows(), out.cols()) +
                  ", expected " + shape_text(x.rows(), x.cols()));
  }

  void check_forward(CRef x, CVecRef t, const std::vector<Matrix>& tangents, CRef out) const {
    check_rows(x, out, "forward");
    if (t.size() != x.rows())
      throw Error("mlp: forward got " + std::to_string(t.size()) + " times for " +
                  std::to_string(x.rows()) + " rows (one time per row)");
    for (const Matrix& v : tangents)
      if (v.rows() != x.rows() || v.cols() != x.cols())
        throw Error("mlp: a tangent is " + shape_text(v.rows(), v.cols()) + ", expected " +
                    shape_text(x.rows(), x.cols()));
  }

  // ---- training passes -----------------------------------------------------------------------

  template <class Net>
  void train_forward(const Net& net, CRef x, CVecRef t, const std::vector<Matrix>& tangents,
                     MlpTape& tape, Ref out, std::vector<Matrix>& jvp) const {
    using S = ScalarOf<Net>;
    Workspace<S>& ws = tape.get<S>();
    const Index n = x.rows(), d = state_dim_, e = embedding_.dim();
    const auto k = static_cast<Index>(tangents.size());
    ws.prepare(net.shape(), n, k, true);
    ws.a0.topLeftCorner(d, n) = x.transpose().template cast<S>();
    embedding_.write<S>(t, ws.a0.block(d, 0, e, n), ws.phase);
    for (Index q = 0; q < k; ++q) {  // input tangent [v_q; 0]
      const Matrix& v = tangents[static_cast<std::size_t>(q)];
      ws.a0.block(0, (q + 1) * n, d, n) = v.transpose().template cast<S>();
      ws.a0.block(d, (q + 1) * n, e, n).setZero();
    }
    for (Index i = 0; i < n; ++i) {
      const OutputMap map = output_map(t[i]);
      ws.scale[i] = map.scale;
      ws.shift[i] = map.shift;
    }
    net.forward(ws);
    out = ws.scale.asDiagonal() * ws.y.leftCols(n).transpose().template cast<double>();
    add_mixed_term(ws.shift, x, out);
    jvp.resize(tangents.size());
    for (Index q = 0; q < k; ++q) {
      Matrix& j = jvp[static_cast<std::size_t>(q)];
      j.resize(n, d);
      const auto y_dot = ws.y.middleCols((q + 1) * n, n);
      j = ws.scale.asDiagonal() * y_dot.transpose().template cast<double>();
      add_mixed_term(ws.shift, tangents[static_cast<std::size_t>(q)], j);
    }
  }

  template <class Net>
  void train_backward(const Net& net, MlpTape& tape, CRef grad_out,
                      const std::vector<Matrix>& grad_jvp, std::span<double> grad) const {
    using S = ScalarOf<Net>;
    Workspace<S>& ws = tape.get<S>();
    const Index n = ws.n, d = state_dim_;
    const auto k = static_cast<Index>(grad_jvp.size());
    check_backward(ws.n, ws.tangents, grad_out, grad_jvp, grad.size());
    // ∂L/∂NN = c(t) ∂L/∂s, column-major features x rows (the mixed term has no θ).
    ws.g.resize(d, (k + 1) * n);
    ws.g.leftCols(n) = (ws.scale.asDiagonal() * grad_out).transpose().template cast<S>();
    for (Index q = 0; q < k; ++q) {
      const Matrix& g_jvp = grad_jvp[static_cast<std::size_t>(q)];
      ws.g.middleCols((q + 1) * n, n) =
          (ws.scale.asDiagonal() * g_jvp).transpose().template cast<S>();
    }
    net.backward(ws, k);
    Eigen::Map<Eigen::VectorXd>(grad.data(), static_cast<Index>(grad.size())) +=
        ws.grad.template cast<double>();
  }

  void check_backward(Index n, Index tangents, CRef grad_out, const std::vector<Matrix>& grad_jvp,
                      std::size_t grad_size) const {
    if (grad_out.rows() != n || grad_out.cols() != state_dim_)
      throw Error("mlp: backward got ∂L/∂out of " + shape_text(grad_out.rows(), grad_out.cols()) +
                  ", the tape's forward had " + shape_text(n, state_dim_));
    if (!grad_jvp.empty() && static_cast<Index>(grad_jvp.size()) != tangents)
      throw Error("mlp: backward got " + std::to_string(grad_jvp.size()) +
                  " tangent gradients, the forward pushed " + std::to_string(tangents) +
                  " tangents (pass all or none)");
    for (const Matrix& g : grad_jvp)
      if (g.rows() != n || g.cols() != state_dim_)
        throw Error("mlp: backward got ∂L/∂jvp of " + shape_text(g.rows(), g.cols()) +
                    ", expected " + shape_text(n, state_dim_));
    if (grad_size != theta_.size())
      throw Error("mlp: gradient buffer has " + std::to_string(grad_size) + " entries, the model " +
                  std::to_string(theta_.size()) + " parameters");
  }

  // ---- sampling-time evaluation --------------------------------------------------------------

  // out = s(x, t) (v null) or ∇ₓs(x, t) v, in tiles of kTile rows through a thread_local
  // workspace: concurrent callers never share buffers, repeated calls do not allocate.
  template <class Net>
  void evaluate(const Net& net, CRef x, double t, const CRef* v, Ref out) const {
    using S = ScalarOf<Net>;
    thread_local Workspace<S> ws;
    const Index d = state_dim_, e = embedding_.dim(), k = v ? 1 : 0;
    const OutputMap map = output_map(t);
    const double c = map.scale;
    const Eigen::Matrix<double, 1, 1> time(t);
    for (Index r0 = 0; r0 < x.rows(); r0 += kTile) {
      const Index n = std::min(kTile, x.rows() - r0);
      ws.prepare(net.shape(), n, k, false);
      ws.a0.topLeftCorner(d, n) = x.middleRows(r0, n).transpose().template cast<S>();
      embedding_.write<S>(time, ws.a0.block(d, 0, e, 1), ws.phase);
      ws.a0.block(d, 1, e, n - 1).colwise() = ws.a0.block(d, 0, e, 1).col(0);  // same t per row
      if (v) {
        ws.a0.block(0, n, d, n) = v->middleRows(r0, n).transpose().template cast<S>();
        ws.a0.block(d, n, e, n).setZero();
      }
      net.forward(ws);
      auto tile = out.middleRows(r0, n);
      const auto y = ws.y.middleCols(k * n, n).transpose().template cast<double>();
      if (output_ != Output::mixed) {
        tile = c * y;
      } else {  // s_v = c NN_v − κ v, or its JVP c ṄN_v − κ w_v (coefficient-wise: one pass)
        const Index h = d / 2;
        const auto src = (v ? *v : x).middleRows(r0, n).rightCols(h);
        tile.leftCols(h) = c * y.leftCols(h);
        tile.rightCols(h) = c * y.rightCols(h) - map.shift * src;
      }
    }
  }

  Config config_;
  Index state_dim_;
  const ForwardSde* sde_;  // alive while the model is (the host keeps earlier stages)
  std::uint64_t seed_;
  Output output_;  // c(t), κ(t) of the header
  TimeEmbedding embedding_;
  std::vector<double> theta_;  // master parameters, flat layout of mlp_network.hpp
  std::variant<Network<float>, Network<double>> net_;
};

}  // namespace sgm::plugins::scores

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::scores::Mlp>(); }
}  // namespace

SGM_PLUGIN("mlp", "0.1.0", register_components)
