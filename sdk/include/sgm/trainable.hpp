// trainable.hpp: a score model with parameters that an optimiser trains (DESIGN.md, "ScoreModel";
// MATH.md §2). A training step evaluates the model on a chunk of rows with one time per row,
// optionally pushing tangent directions through it in forward mode (∇ₓs · v, for sliced and
// implicit score matching: no finite differences), then pulls the loss gradient back to the
// parameters in reverse mode. The host owns the optimiser, the EMA and checkpoints; it only sees
// the flat parameter vector.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sgm/abi.hpp"
#include "sgm/score_model.hpp"
#include "sgm/types.hpp"

namespace sgm {

/// What a forward pass keeps for its backward pass. One per concurrently evaluated chunk; a
/// model may keep buffers in it between calls (no allocation per step).
class SGM_SDK_VISIBLE ModelTape {
 public:
  virtual ~ModelTape() = default;
};

class SGM_SDK_VISIBLE TrainableScore : public ScoreModel {
 public:
  /// All trainable parameters as one flat vector, the master copy (double). Initialised by the
  /// constructor from the run seed. After writing it, call parameters_changed().
  virtual std::span<double> parameters() = 0;
  std::span<const double> parameters() const {
    return const_cast<TrainableScore*>(this)->parameters();
  }
  std::size_t parameter_count() const { return parameters().size(); }
  /// Re-derive internal weights (e.g. a float copy) after parameters() was written.
  virtual void parameters_changed() = 0;
  /// Identifies the architecture (sizes, activation, embedding, output form): a checkpoint only
  /// loads into a model whose architecture() is the same string.
  virtual std::string architecture() const = 0;

  virtual std::unique_ptr<ModelTape> make_tape() const = 0;

  /// Training forward pass on n rows, one time per row:
  ///   out(i, :) = s(x_i, t_i), and for every k, jvp[k](i, :) = ∇ₓs(x_i, t_i) tangents[k](i, :).
  /// jvp is resized to tangents.size() matrices of out's shape. Records into `tape` what
  /// backward() needs. Concurrency-safe for distinct tapes.
  virtual void forward(CRef x, CVecRef t, const std::vector<Matrix>& tangents, ModelTape& tape,
                       Ref out, std::vector<Matrix>& jvp) const = 0;
  /// Reverse pass of the tape's last forward(): grad += ∂L/∂θ for a loss L with ∂L/∂out =
  /// grad_out and ∂L/∂jvp[k] = grad_jvp[k] (grad_jvp empty when forward had no tangents).
  virtual void backward(ModelTape& tape, CRef grad_out, const std::vector<Matrix>& grad_jvp,
                        std::span<double> grad) const = 0;
};

}  // namespace sgm
