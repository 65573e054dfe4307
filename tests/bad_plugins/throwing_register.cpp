// A plugin whose registration throws: the host reports it and keeps working.
#include <sgm/plugin.hpp>

namespace {
void register_components(sgm::Registry&) { throw sgm::Error("deliberate failure in register"); }
}  // namespace

SGM_PLUGIN("throwing_register", "0.0.1", register_components)
