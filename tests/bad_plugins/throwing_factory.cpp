// A metric whose constructor throws: creating it gives an error naming the plugin and file.
#include <sgm/plugin.hpp>

namespace {
class Throwing final : public sgm::Metric {
 public:
  static sgm::ParamSpec params() { return {"throwing_metric", "always throws"}; }
  explicit Throwing(const sgm::Params&) { throw sgm::Error("deliberate failure in constructor"); }
  sgm::MetricValues evaluate(const sgm::MetricInput&) const override { return {}; }
};
void register_components(sgm::Registry& r) { r.add<Throwing>(); }
}  // namespace

SGM_PLUGIN("throwing_factory", "0.0.1", register_components)
