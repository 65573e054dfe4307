#include "test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "sgm/host/param_validation.hpp"

namespace sgm::test {

const host::ComponentRegistry& registry() {
  static const host::ComponentRegistry* r = [] {
    auto* reg = new host::ComponentRegistry();  // lives until exit, like the host's
    reg->load_directory(SGM_TEST_PLUGIN_DIR);
    if (!reg->broken().empty())
      throw Error("test plugin directory has broken libraries: " + reg->broken().front().reason);
    return reg;
  }();
  return *r;
}

Params params_for(ComponentKind kind, const std::string& name,
                  const std::map<std::string, Value>& given) {
  const host::Component& c = registry().get(kind, name);
  std::vector<host::ParamIssue> issues;
  Params p = host::resolve_params(c.info.spec, given, issues);
  if (!issues.empty()) {
    std::string msg = name + ":";
    for (const auto& i : issues) msg += " " + i.message + ";";
    throw Error(msg);
  }
  return p;
}

MeanSe mean_se(const Eigen::VectorXd& v) {
  const double n = static_cast<double>(v.size());
  const double m = v.mean();
  const double var = (v.array() - m).square().sum() / (n - 1);
  return {m, std::sqrt(var / n)};
}

Command sgm_cli(const std::string& args) {
  const auto out = std::filesystem::temp_directory_path() / fmt::format("sgm_cli_{}.txt", ::getpid());
  const std::string cmd = fmt::format("'{}' {} > '{}' 2>&1", SGM_TEST_BINARY, args, out.string());
  const int rc = std::system(cmd.c_str());
  std::string text = read_file(out);
  std::filesystem::remove(out);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, text};
}

std::filesystem::path fresh_dir(const std::string& name) {
  const auto d = std::filesystem::temp_directory_path() / fmt::format("sgm_test_{}_{}", name, ::getpid());
  std::filesystem::remove_all(d);
  return d;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string without_time_columns(const std::string& csv) {
  std::istringstream in(csv);
  std::string line, out;
  std::vector<bool> keep;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string c; std::getline(ls, c, ',');) cells.push_back(c);
    if (keep.empty())
      for (const auto& c : cells) keep.push_back(c.find("seconds") == std::string::npos);
    for (std::size_t i = 0; i < cells.size(); ++i)
      if (i >= keep.size() || keep[i]) out += cells[i] + ",";
    out += "\n";
  }
  return out;
}

double loglog_slope(const std::vector<double>& h, const std::vector<double>& err) {
  const double n = static_cast<double>(h.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < h.size(); ++i) {
    const double x = std::log(h[i]), y = std::log(err[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

}  // namespace sgm::test
