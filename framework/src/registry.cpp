// registry.cpp: loading plugin libraries (STYLE.md guidelines 1-4, 6).
#include "sgm/host/registry.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include <dlfcn.h>

#include <boost/dll/runtime_symbol_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <sgm/plugin.hpp>

#include "sgm/host/suggest.hpp"

namespace sgm::host {

namespace fs = std::filesystem;

namespace {

/// The Registry handed to one library's register function: collects its components so that a
/// library registers all or nothing.
class CollectingRegistry final : public Registry {
 public:
  std::vector<ComponentInfo> collected;

 protected:
  void add_component(ComponentInfo info) override { collected.push_back(std::move(info)); }
};

using EntryFn = const sgm_plugin_info*();

/// The dynamic loader's own explanation (missing symbol, wrong ELF class, ...): Boost.DLL's
/// error code alone does not carry it.
std::string loader_error(const fs::path& file) {
  void* h = ::dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (h == nullptr) {
    const char* e = ::dlerror();
    return e ? e : "unknown loader error";
  }
  ::dlclose(h);
  return "unknown loader error";
}

bool is_shared_library(const fs::path& p) {
  return p.extension() == ".so" || p.extension() == ".dylib" || p.extension() == ".dll";
}

}  // namespace

ComponentRegistry::ComponentRegistry() = default;
ComponentRegistry::~ComponentRegistry() = default;

void ComponentRegistry::load_directory(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  dirs_.push_back(dir);
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file(ec) && is_shared_library(entry.path())) files.push_back(entry.path());
  std::sort(files.begin(), files.end());  // deterministic order, deterministic duplicates
  for (const auto& f : files) {
    try {
      load_library(f);
    } catch (const std::exception& e) {
      broken_.push_back({f.string(), e.what()});
    }
  }
}

void ComponentRegistry::load_library(const fs::path& file) {
  const std::string where = file.string();
  auto lib = std::make_shared<boost::dll::shared_library>();
  boost::system::error_code ec;
  lib->load(boost::dll::fs::path(file.string()), boost::dll::load_mode::rtld_now, ec);
  if (ec) throw Error(where + ": cannot load: " + loader_error(file));
  if (!lib->has(SGM_PLUGIN_ENTRY_SYMBOL))
    throw Error(where + ": not an sgm plugin (no '" SGM_PLUGIN_ENTRY_SYMBOL "' symbol)");
  const sgm_plugin_info* info = lib->get<EntryFn>(SGM_PLUGIN_ENTRY_SYMBOL)();
  if (info == nullptr) throw Error(where + ": " SGM_PLUGIN_ENTRY_SYMBOL " returned null");
  // Check the POD header before calling any C++ code of the library (LLVM, gz-plugin).
  if (info->abi_version != SGM_ABI_VERSION)
    throw Error(fmt::format("{}: SDK ABI {}, host {}; rebuild the plugin against this SDK",
                            where, info->abi_version, SGM_ABI_VERSION));
  if (info->struct_size != sizeof(sgm_plugin_info))
    throw Error(fmt::format("{}: plugin descriptor size {}, host {}; rebuild the plugin", where,
                            info->struct_size, sizeof(sgm_plugin_info)));
  if (info->abi_fingerprint == nullptr ||
      std::strcmp(info->abi_fingerprint, SGM_ABI_FINGERPRINT) != 0)
    throw Error(fmt::format("{}: built for '{}', host is '{}'; rebuild the plugin with the "
                            "host's compiler and flags",
                            where, info->abi_fingerprint ? info->abi_fingerprint : "?",
                            SGM_ABI_FINGERPRINT));
  if (info->register_components == nullptr) throw Error(where + ": no register function");

  CollectingRegistry collect;
  try {
    info->register_components(collect);
  } catch (const std::exception& e) {
    throw Error(where + ": registration failed: " + e.what());
  } catch (...) {
    throw Error(where + ": registration failed with an unknown exception");
  }
  // Refuse duplicates as a whole library, naming both files.
  for (const auto& c : collect.collected) {
    if (const Component* other = find(c.kind, c.spec.name()))
      throw Error(fmt::format("{}: duplicate {} '{}' (already registered by {})", where,
                              to_string(c.kind), c.spec.name(), other->file));
  }
  const std::string version = info->version ? info->version : "";
  for (auto& c : collect.collected)
    components_.push_back(std::make_unique<Component>(Component{lib, std::move(c), where, version}));
}

const Component* ComponentRegistry::find(ComponentKind kind, const std::string& name) const {
  for (const auto& c : components_)
    if (c->info.kind == kind && c->info.spec.name() == name) return c.get();
  return nullptr;
}

const Component& ComponentRegistry::get(ComponentKind kind, const std::string& name) const {
  if (const Component* c = find(kind, name)) return *c;
  const auto known = names(kind);
  std::string msg = fmt::format("unknown {} '{}'{}", to_string(kind), name, did_you_mean(name, known));
  msg += known.empty() ? " (no " + std::string(to_string(kind)) + " plugins are loaded)"
                       : " (available: " + join(known) + ")";
  throw Error(msg);
}

std::vector<std::string> ComponentRegistry::names(ComponentKind kind) const {
  std::vector<std::string> out;
  for (const auto& c : components_)
    if (c->info.kind == kind) out.push_back(c->info.spec.name());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<const Component*> ComponentRegistry::all() const {
  std::vector<const Component*> out;
  for (const auto& c : components_) out.push_back(c.get());
  std::sort(out.begin(), out.end(), [](const Component* a, const Component* b) {
    if (a->info.kind != b->info.kind) return a->info.kind < b->info.kind;
    return a->info.spec.name() < b->info.spec.name();
  });
  return out;
}

std::vector<fs::path> default_plugin_directories() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("SGM_PLUGIN_PATH")) {
    std::string s = env;
    std::size_t start = 0;
    while (start <= s.size()) {
      const std::size_t end = std::min(s.find(':', start), s.size());
      if (end > start) dirs.emplace_back(s.substr(start, end - start));
      start = end + 1;
    }
  }
  // Next to the binary: the build tree (build/sgm, build/plugins) and the install tree
  // (prefix/bin/sgm, prefix/lib/sgm/plugins).
  const fs::path exe_dir = fs::path(boost::dll::program_location().string()).parent_path();
  dirs.push_back(exe_dir / "plugins");
  dirs.push_back(exe_dir.parent_path() / SGM_INSTALL_PLUGIN_DIR);
  // The same directory reached twice is loaded once.
  std::vector<fs::path> unique;
  for (const auto& d : dirs) {
    std::error_code ec;
    const fs::path canon = fs::weakly_canonical(d, ec);
    const fs::path key = ec ? d : canon;
    if (std::find(unique.begin(), unique.end(), key) == unique.end()) unique.push_back(key);
  }
  return unique;
}

}  // namespace sgm::host
