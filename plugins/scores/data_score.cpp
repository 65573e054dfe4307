// data_score.cpp: score model `data_score`, the dataset's exact score ∇log p_data(x), ignoring t.
// For Langevin samplers on a fixed target (ula, mala; MATH.md §3, §6's ULA invariants) and for the
// mode-weight toy of MATH.md §B3 (plain Langevin with exact scores). Not a score of p_t: do not
// use it with reverse-time samplers. Refused at validation when the dataset has no known density,
// or when the SDE's state is not the data (multi-block SDEs such as CLD).
//
// Example stage:
//   [score]
//   plugin = "data_score"   # with a [dataset] that has a density, e.g. gmm
#include <string>

#include <sgm/context.hpp>
#include <sgm/dataset.hpp>
#include <sgm/error.hpp>
#include <sgm/forward_sde.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>
#include <sgm/score_model.hpp>

namespace sgm::plugins::scores {

class DataScore final : public ScoreModel {
 public:
  static ParamSpec params() {
    ParamSpec p{"data_score", "Exact score of the dataset's density, independent of t"};
    p.example("[score]\nplugin = \"data_score\"  # needs a [dataset] with a density (gmm)\n");
    return p;
  }

  DataScore(const Params& /*p*/, const Context& ctx) : dataset_(ctx.dataset) {
    if (dataset_ == nullptr)
      throw Error("data_score needs a [dataset] stage whose density is known (e.g. gmm)");
    if (!dataset_->has_density())
      throw Error("data_score: this dataset has no known density, so its score is unknown");
    if (ctx.sde != nullptr && ctx.sde->blocks() != 1)
      throw Error("data_score: the state of this SDE has " + std::to_string(ctx.sde->blocks()) +
                  " blocks, not just the data; the data score does not apply");
  }

  // Documentation inherited.
  void score(CRef x, double /*t*/, Ref out) const override {
    if (x.cols() != dataset_->dim())
      throw Error("data_score: got states of dimension " + std::to_string(x.cols()) +
                  ", the dataset has dimension " + std::to_string(dataset_->dim()));
    dataset_->score(x, out);
  }

 private:
  const Dataset* dataset_;
};

}  // namespace sgm::plugins::scores

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::scores::DataScore>(); }
}  // namespace

SGM_PLUGIN("data_score", "0.1.0", register_components)
