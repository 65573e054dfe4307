// The host end to end: loading every plugin, refusing bad libraries, the sgm binary's commands,
// run directories, and bit-identical results at any thread count.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sgm/host/describe.hpp"
#include "sgm/host/output.hpp"
#include "sgm/host/runner.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace sgm;

namespace {

using test::Command;
using test::fresh_dir;
using test::read_file;
using test::sgm_cli;

const std::string kPipeline = std::string(SGM_TEST_SOURCE_DIR) + "/examples/pipelines/default.toml";

}  // namespace

TEST_CASE("every in-tree plugin loads, and each kind has its components", "[integration][host]") {
  const auto& r = test::registry();
  CHECK(r.broken().empty());
  for (const char* name : {"gmm", "swiss_roll", "circle"}) CHECK(r.find(ComponentKind::dataset, name));
  for (const char* name : {"ou", "ve", "vp"}) CHECK(r.find(ComponentKind::sde, name));
  CHECK(r.find(ComponentKind::score, "analytic_gmm"));
  CHECK(r.find(ComponentKind::integrator, "euler_maruyama"));
  for (const char* name : {"sliced_wasserstein", "moments"}) CHECK(r.find(ComponentKind::metric, name));
  // Every parameter of every component is documented and its default passes its own range.
  for (const host::Component* c : r.all()) {
    INFO(c->info.spec.name());
    CHECK_FALSE(c->info.spec.description().empty());
    for (const auto& d : c->info.spec.params()) {
      INFO(d.key);
      CHECK_FALSE(d.doc.empty());
      if (d.default_value && std::holds_alternative<double>(*d.default_value))
        CHECK(d.check_range(std::get<double>(*d.default_value)).empty());
    }
  }
}

TEST_CASE("bad plugin libraries are refused with a message naming the file", "[integration][host]") {
  host::ComponentRegistry r;
  r.load_directory(SGM_TEST_PLUGIN_DIR);
  r.load_directory(SGM_TEST_BAD_PLUGIN_DIR);
  auto reason = [&](const std::string& file) -> std::string {
    for (const auto& b : r.broken())
      if (fs::path(b.file).filename() == file) return b.reason;
    return "(not refused)";
  };
  CHECK_THAT(reason("sgm_bad_wrong_abi.so"),
             Catch::Contains(fmt::format("sgm_bad_wrong_abi.so: SDK ABI {}, host {}; rebuild",
                                         SGM_ABI_VERSION + 1, SGM_ABI_VERSION)));
  CHECK_THAT(reason("sgm_bad_no_entry.so"), Catch::Contains("not an sgm plugin (no 'sgm_plugin_entry' symbol)"));
  CHECK_THAT(reason("sgm_bad_throwing_register.so"),
             Catch::Contains("registration failed: deliberate failure in register"));
  CHECK_THAT(reason("sgm_bad_duplicate_vp.so"),
             Catch::Contains("duplicate sde 'vp' (already registered by") && Catch::Contains("sgm_sdes_vp.so"));
  CHECK_THAT(reason("sgm_not_a_library.so"), Catch::Contains("cannot load"));
  // The host keeps working: the good plugins are all there, the throwing factory is reported.
  CHECK(r.find(ComponentKind::sde, "vp") != nullptr);
  CHECK_THROWS_WITH(r.create<Metric>("throwing_metric", Params{}, Context{}),
                    Catch::Contains("metric 'throwing_metric'") &&
                        Catch::Contains("sgm_bad_throwing_factory.so") &&
                        Catch::Contains("deliberate failure in constructor"));
}

TEST_CASE("an object keeps its library loaded after the registry is gone", "[integration][host]") {
  std::shared_ptr<ForwardSde> sde;
  {
    host::ComponentRegistry r;
    r.load_directory(SGM_TEST_PLUGIN_DIR);
    sde = r.create<ForwardSde>("vp", defaults_of(r.get(ComponentKind::sde, "vp").info.spec), {});
  }
  // Calling a virtual function needs the library's code to still be mapped.
  CHECK(sde->kernel(0.5).mean_scale() == Approx(0.281182881).epsilon(1e-8));  // MATH.md §6
}

TEST_CASE("sgm list, describe and --help", "[integration][cli]") {
  const auto list = sgm_cli("list");
  CHECK(list.status == 0);
  CHECK_THAT(list.output, Catch::Contains("euler_maruyama") && Catch::Contains("analytic_gmm"));
  const auto sdes = sgm_cli("list sde");
  CHECK_THAT(sdes.output, Catch::Contains("vp") && !Catch::Contains("euler_maruyama"));
  const auto desc = sgm_cli("describe vp");
  CHECK(desc.status == 0);
  CHECK_THAT(desc.output, Catch::Contains("beta_max") && Catch::Contains("range (0, inf)") &&
                              Catch::Contains("Example:"));
  // The kind may come first, as in `sgm list KIND`.
  const auto with_kind = sgm_cli("describe metric mmd");
  CHECK(with_kind.status == 0);
  CHECK_THAT(with_kind.output, Catch::Contains("mmd (metric)"));
  const auto wrong_kind = sgm_cli("describe sde mmd");
  CHECK(wrong_kind.status == 2);
  CHECK_THAT(wrong_kind.output, Catch::Contains("no sde named 'mmd' (there is: metric 'mmd')"));
  const auto typo = sgm_cli("describe eular_maruyama");
  CHECK(typo.status == 2);
  CHECK_THAT(typo.output, Catch::Contains("did you mean 'euler_maruyama'?"));
  for (const char* cmd : {"--help", "run --help", "list --help", "validate --help", "describe --help"}) {
    const auto h = sgm_cli(cmd);
    INFO(cmd);
    CHECK(h.status == 0);
    CHECK_THAT(h.output, Catch::Contains("Usage"));
  }
  CHECK(sgm_cli("frobnicate").status == 2);
  CHECK(sgm_cli("run --threads x " + kPipeline).status == 2);
}

TEST_CASE("sgm validate accepts the default pipeline and rejects bad ones with file:line",
          "[integration][cli]") {
  CHECK(sgm_cli("validate " + kPipeline).status == 0);
  const auto bad = sgm_cli("validate " + kPipeline + " --set sde.plugin=vpp");
  CHECK(bad.status == 2);
  CHECK_THAT(bad.output, Catch::Contains("unknown sde 'vpp'; did you mean 'vp'?"));
  // A score that does not fit the dataset is caught by validate, before anything runs.
  const fs::path d = fresh_dir("misfit");
  fs::create_directories(d);
  host::write_atomic(d / "misfit.toml",
                     "[dataset]\nplugin = \"swiss_roll\"\n[sde]\nplugin = \"vp\"\n\n"
                     "[score]\nplugin = \"analytic_gmm\"\n[sample]\nplugin = \"euler_maruyama\"\n");
  const auto misfit = sgm_cli("validate " + (d / "misfit.toml").string());
  CHECK(misfit.status == 2);
  CHECK_THAT(misfit.output, Catch::Contains("misfit.toml:6:1: [score]: score 'analytic_gmm'"));
  // Multiplicative noise (gbm) integrates forward only: a reverse-time sampler is refused.
  const std::string gbm = "[dataset]\nplugin = \"gmm\"\n[sde]\nplugin = \"gbm\"\n[score]\n"
                          "plugin = \"mlp\"\noutput = \"score\"\n[sample]\n"
                          "plugin = \"euler_maruyama\"\n";
  host::write_atomic(d / "gbm.toml", gbm);
  const auto reverse = sgm_cli("validate " + (d / "gbm.toml").string());
  CHECK(reverse.status == 2);
  CHECK_THAT(reverse.output, Catch::Contains("gbm.toml:8:1: [sample]: 'euler_maruyama' integrates "
                                             "the reverse-time SDE, which needs a diffusion G(t)"));
  host::write_atomic(d / "gbm.toml", gbm + "direction = \"forward\"\n");
  CHECK(sgm_cli("validate " + (d / "gbm.toml").string()).status == 0);
  fs::remove_all(d);
  const auto missing = sgm_cli("validate /nonexistent/pipe.toml");
  CHECK(missing.status == 2);
  CHECK_THAT(missing.output, Catch::Contains("/nonexistent/pipe.toml: cannot open"));
}

TEST_CASE("sgm run writes a complete run directory, identical at 1 and 2 threads",
          "[integration][cli]") {
  const fs::path d1 = fresh_dir("t1"), d2 = fresh_dir("t2");
  const std::string common = kPipeline + " --quiet --set run.particles=3000 --set sample.steps=50";
  const auto r1 = sgm_cli(fmt::format("run {} --threads 1 --out '{}'", common, d1.string()));
  const auto r2 = sgm_cli(fmt::format("run {} --threads 2 --out '{}' --set run.chunk=100", common, d2.string()));
  REQUIRE(r1.status == 0);
  REQUIRE(r2.status == 0);
  for (const char* f : {"pipeline.toml", "samples.csv", "samples.npy", "metrics.json", "run.log"}) {
    INFO(f);
    CHECK(fs::exists(d1 / f));
  }
  // Bit-identical samples, whatever the thread count and chunk size.
  CHECK(read_file(d1 / "samples.npy") == read_file(d2 / "samples.npy"));
  const Matrix s = host::read_npy(d1 / "samples.npy");
  CHECK(s.rows() == 3000);
  CHECK(s.cols() == 2);
  CHECK(s.allFinite());
  // A directory holding a run is not overwritten without --force.
  const std::string before = read_file(d1 / "metrics.json");
  const auto again = sgm_cli(fmt::format("run {} --out '{}'", common, d1.string()));
  CHECK(again.status == 1);
  CHECK_THAT(again.output, Catch::Contains("already holds a run"));
  CHECK(read_file(d1 / "metrics.json") == before);
  fs::remove_all(d1);
  fs::remove_all(d2);
}

TEST_CASE("npy files round-trip and corrupt ones give the byte offset", "[unit][output]") {
  Matrix m(3, 2);
  m << 1, 2, 3, 4, 5, 6.5;
  const fs::path d = fresh_dir("npy");
  fs::create_directories(d);
  host::write_atomic(d / "a.npy", host::to_npy(m));
  CHECK(host::read_npy(d / "a.npy") == m);
  std::string bytes = host::to_npy(m);
  host::write_atomic(d / "short.npy", bytes.substr(0, bytes.size() - 3));
  CHECK_THROWS_WITH(host::read_npy(d / "short.npy"), Catch::Contains("byte 128: expected 48 data bytes, found 45"));
  host::write_atomic(d / "text.npy", "hello");
  CHECK_THROWS_WITH(host::read_npy(d / "text.npy"), Catch::Contains("byte 0: not a .npy file"));
  fs::remove_all(d);
}
