// Pipeline parsing and validation: every problem reported with file:line:col and a suggestion.
#include <catch2/catch.hpp>

#include "sgm/host/pipeline.hpp"
#include "test_support.hpp"

using sgm::host::parse_pipeline;
using sgm::host::PipelineError;

namespace {

const char* kGood = R"([run]
seed = 3
particles = 100

[dataset]
plugin = "gmm"

[sde]
plugin = "vp"
beta_max = 10

[score]
plugin = "analytic_gmm"

[sample]
plugin = "euler_maruyama"
steps = 20

[evaluate.sw]
plugin = "sliced_wasserstein"
)";

// All problems of a pipeline text, as one string.
std::string problems_of(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    parse_pipeline(text, "pipe.toml", overrides, sgm::test::registry());
  } catch (const PipelineError& e) {
    return e.what();
  }
  return "";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const auto pos = s.find(from);
  REQUIRE(pos != std::string::npos);
  return s.replace(pos, from.size(), to);
}

}  // namespace

TEST_CASE("a valid pipeline resolves defaults and integer-to-real widening", "[unit][pipeline]") {
  const auto p = parse_pipeline(kGood, "pipe.toml", {}, sgm::test::registry());
  CHECK(p.seed() == 3);
  CHECK(p.sde->plugin == "vp");
  CHECK(p.sde->params.get<double>("beta_max") == 10.0);  // written as an integer
  CHECK(p.sde->params.get<double>("beta_min") == 0.1);   // default filled in
  CHECK(p.sample->params.get_int("steps") == 20);
  REQUIRE(p.metrics.size() == 1);
  CHECK(p.metrics[0].table == "evaluate.sw");
  // The resolved text parses back to the same pipeline.
  const auto again = parse_pipeline(p.resolved_toml(), "resolved.toml", {}, sgm::test::registry());
  CHECK(again.sde->params.values() == p.sde->params.values());
  CHECK(again.run.values() == p.run.values());
}

TEST_CASE("unknown plugin names the location and the closest name", "[unit][pipeline]") {
  const auto msg = problems_of(replace(kGood, "plugin = \"vp\"", "plugin = \"vpp\""));
  CHECK_THAT(msg, Catch::Contains("pipe.toml:9:10: [sde]: unknown sde 'vpp'; did you mean 'vp'?"));
}

TEST_CASE("unknown key names the location and the closest key", "[unit][pipeline]") {
  const auto msg = problems_of(replace(kGood, "beta_max = 10", "beta_mx = 10"));
  CHECK_THAT(msg, Catch::Contains("pipe.toml:10:11: [sde].beta_mx: unknown parameter 'beta_mx'"));
  CHECK_THAT(msg, Catch::Contains("did you mean 'beta_max'?"));
}

TEST_CASE("wrong type is reported with both types", "[unit][pipeline]") {
  const auto msg = problems_of(replace(kGood, "steps = 20", "steps = \"many\""));
  CHECK_THAT(msg, Catch::Contains("pipe.toml:17:9: [sample].steps: 'steps' must be a integer, not a string"));
}

TEST_CASE("out-of-range value is reported with the range", "[unit][pipeline]") {
  const auto msg = problems_of(replace(kGood, "steps = 20", "steps = 0"));
  CHECK_THAT(msg, Catch::Contains("pipe.toml:17:9: [sample].steps: 'steps': 0 is outside the allowed range [1, inf)"));
  const auto nan = problems_of(replace(kGood, "beta_max = 10", "beta_max = nan"));
  CHECK_THAT(nan, Catch::Contains("pipe.toml:10:12: [sde].beta_max: 'beta_max': NaN is not allowed"));
}

TEST_CASE("unknown stage, missing stage and syntax errors", "[unit][pipeline]") {
  CHECK_THAT(problems_of(std::string(kGood) + "\n[smaple]\nx = 1\n"),
             Catch::Contains("unknown stage [smaple]; did you mean [sample]?") ||
                 Catch::Contains("unknown stage [smaple]; did you mean 'sample'?"));
  CHECK_THAT(problems_of(replace(kGood, "[sde]\nplugin = \"vp\"\nbeta_max = 10\n", "")),
             Catch::Contains("missing stage [sde]"));
  CHECK_THAT(problems_of(replace(kGood, "seed = 3", "seed = = 3")),
             Catch::Contains("pipe.toml:2:") && Catch::Contains("TOML syntax error"));
  CHECK_THAT(problems_of(replace(kGood, "seed = 3", "seed = 3\nseed = 4")),
             Catch::Contains("pipe.toml:3:"));  // duplicate key
}

TEST_CASE("several problems are reported at once", "[unit][pipeline]") {
  std::string text = replace(kGood, "steps = 20", "steps = -1");
  text = replace(text, "beta_max = 10", "beta_max = \"x\"");
  const auto msg = problems_of(text);
  CHECK_THAT(msg, Catch::Contains("[sample].steps") && Catch::Contains("[sde].beta_max"));
}

TEST_CASE("overrides with --set change values and plugins, and bad ones point at the command line",
          "[unit][pipeline]") {
  const auto p = parse_pipeline(kGood, "pipe.toml", {"sample.steps=7", "sde.beta_min=0.5"},
                                sgm::test::registry());
  CHECK(p.sample->params.get_int("steps") == 7);
  CHECK(p.sde->params.get<double>("beta_min") == 0.5);
  // Switching the SDE to ve: beta_max, written in the file, is not one of ve's parameters.
  CHECK_THAT(problems_of(kGood, {"sde.plugin=ve"}),
             Catch::Contains("pipe.toml:10:12: [sde].beta_max: unknown parameter 'beta_max' of 've'"));
  const auto msg = problems_of(kGood, {"sample.steps=0"});
  CHECK_THAT(msg, Catch::Contains("<command line --set>: [sample].steps"));
  CHECK_THAT(problems_of(kGood, {"nodot=3"}), Catch::Contains("not of the form table.key=value"));
}
