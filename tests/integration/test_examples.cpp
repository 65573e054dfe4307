// Every example pipeline shipped in examples/pipelines validates against the loaded plugins, so
// a renamed parameter or plugin cannot silently break the documentation.
#include <catch2/catch.hpp>

#include <filesystem>

#include "sgm/host/pipeline.hpp"
#include "test_support.hpp"

TEST_CASE("every example pipeline validates", "[integration][examples]") {
  const std::filesystem::path dir = std::filesystem::path(SGM_TEST_SOURCE_DIR) / "examples/pipelines";
  int count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".toml") continue;
    INFO(entry.path().string());
    CHECK_NOTHROW(sgm::host::expand_sweep(entry.path(), {}, sgm::test::registry()));
    ++count;
  }
  CHECK(count >= 4);
}
