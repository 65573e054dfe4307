// registry.hpp: the host-owned registry of components, filled by loading plugin libraries
// with Boost.DLL. A library is checked (entry symbol, ABI version, struct size, fingerprint)
// before any of its C++ code runs, and stays loaded while any object made from it lives.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <sgm/registry.hpp>

namespace boost::dll {
class shared_library;
}

namespace sgm::host {

/// A registered component and where it came from.
struct Component {
  // Declared first so it is destroyed last: `info` holds code (std::function managers,
  // strings built by the plugin) that must stay mapped while it is destroyed.
  std::shared_ptr<boost::dll::shared_library> library;
  ComponentInfo info;
  std::string file;            // the library it came from
  std::string plugin_version;  // the library's declared version
};

/// A library that could not be used, and why.
struct BrokenLibrary {
  std::string file;
  std::string reason;
};

class ComponentRegistry {
 public:
  ComponentRegistry();
  ~ComponentRegistry();
  ComponentRegistry(const ComponentRegistry&) = delete;
  ComponentRegistry& operator=(const ComponentRegistry&) = delete;

  /// Load every shared library (*.so) in `dir`. Failures are recorded in broken(), not thrown.
  void load_directory(const std::filesystem::path& dir);
  /// Load one library. \throws Error naming the file if it is refused.
  void load_library(const std::filesystem::path& file);

  const Component* find(ComponentKind kind, const std::string& name) const;
  /// \throws Error "unknown sde 'x'; did you mean 'y'? (available: ...)".
  const Component& get(ComponentKind kind, const std::string& name) const;
  std::vector<std::string> names(ComponentKind kind) const;
  /// All components, sorted by kind then name.
  std::vector<const Component*> all() const;
  const std::vector<BrokenLibrary>& broken() const { return broken_; }
  const std::vector<std::filesystem::path>& directories() const { return dirs_; }

  /// Create component `name` with already validated parameters. The returned object keeps its
  /// library loaded. A throwing factory becomes an Error naming the plugin and its file.
  template <class I>
  std::shared_ptr<I> create(const std::string& name, const Params& params,
                            const Context& ctx) const {
    const Component& c = get(I::kind, name);
    const auto& make = std::get<FactoryFn<I>>(c.info.factory);
    std::unique_ptr<I> object;
    try {
      object = make(params, ctx);
    } catch (const std::exception& e) {
      throw Error(fmt::format("{} '{}' ({}): {}", to_string(I::kind), name, c.file, e.what()));
    }
    if (!object)
      throw Error(fmt::format("{} '{}' ({}): factory returned nothing", to_string(I::kind),
                              name, c.file));
    // The deleter owns a reference to the library, so the code of the object's destructor is
    // still mapped when it runs (Boost.DLL tutorial 8; gz-plugin's dlHandlePtr).
    std::shared_ptr<boost::dll::shared_library> lib = c.library;
    return std::shared_ptr<I>(object.release(), [lib](I* p) { delete p; });
  }

 private:
  std::vector<std::unique_ptr<Component>> components_;
  std::vector<BrokenLibrary> broken_;
  std::vector<std::filesystem::path> dirs_;
};

/// Plugin directories searched by default, in order: those in the SGM_PLUGIN_PATH environment
/// variable (':'-separated), then `plugins/` beside the binary (the build tree) and
/// `<prefix>/lib/sgm/plugins` (the install tree).
std::vector<std::filesystem::path> default_plugin_directories();

}  // namespace sgm::host
