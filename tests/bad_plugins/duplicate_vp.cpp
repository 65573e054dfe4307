// Registers an SDE named "vp" a second time: refused, naming both files.
#include <sgm/plugin.hpp>

namespace {
class FakeVp final : public sgm::ForwardSde {
 public:
  static sgm::ParamSpec params() { return {"vp", "a duplicate"}; }
  explicit FakeVp(const sgm::Params&) {}
  double t_max() const override { return 1; }
  double t_min() const override { return 0; }
  void drift(sgm::CRef, double, sgm::Ref out) const override { out.setZero(); }
  void diffusion_apply(sgm::CRef z, double, sgm::Ref out) const override { out = z; }
  void diffusion_squared_apply(sgm::CRef s, double, sgm::Ref out) const override { out = s; }
  void prior_sample(sgm::Ref out, sgm::RowRng&) const override { out.setZero(); }
  void prior_log_density(sgm::CRef, sgm::VecRef out) const override { out.setZero(); }
};
void register_components(sgm::Registry& r) { r.add<FakeVp>(); }
}  // namespace

SGM_PLUGIN("duplicate_vp", "0.0.1", register_components)
