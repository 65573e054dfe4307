// file.cpp: dataset `file`, the empirical distribution of a point set read from a file,
//
//   p(x) = (1/n) Σ_i δ(x − x_i),   x_i = row i of the file (n rows, d columns),
//
// sampled by drawing a row index uniformly in {0..n-1} with replacement (row i of a batch from
// rng.row(i) only, so chunking never changes a sample). The file is a NumPy .npy (float64 or
// float32, shape (n, d) or (n,)) or a numeric CSV (optional header line of names), read by
// sgm/data_file.hpp when the stage is built, so `sgm validate` already refuses a missing,
// malformed or non-finite file, with the byte offset (.npy) or line and column (.csv) of the
// problem. A relative `path` is resolved against the current working directory (where `sgm` is
// run from), not against the pipeline file. There is no density or score: the law is a set of
// Dirac masses (train a score model on it, e.g. with `mlp` + `dsm`).
//
// Example stage:
//   [dataset]
//   plugin = "file"
//   path = "examples/data/two_moons.csv"
#include <sgm/data_file.hpp>
#include <sgm/dataset.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

#include <filesystem>
#include <limits>
#include <string>

namespace sgm::plugins::datasets {

class File final : public Dataset {
 public:
  static ParamSpec params() {
    ParamSpec p{"file", "Rows of a .npy or .csv file, drawn uniformly with replacement"};
    p.add_required<std::string>(
        "path",
        "the data file, one point per row; relative to the current working directory");
    p.add<std::string>("format", "auto",
                       "npy, csv, or auto: by the file's extension (.npy, else csv)")
        .choices({"auto", "npy", "csv"});
    p.example(
        "[dataset]\n"
        "plugin = \"file\"\n"
        "path = \"examples/data/two_moons.csv\"\n");
    return p;
  }

  explicit File(const Params& p)
      : points_(load(p.get<std::string>("path"), p.get<std::string>("format"))) {}

  // Documentation inherited.
  int dim() const override { return static_cast<int>(points_.cols()); }

  void sample(Ref out, RowRng& rng) const override {
    if (out.cols() != points_.cols())
      throw Error("file: sample got an output of dimension " + std::to_string(out.cols()) +
                  ", the data have dimension " + std::to_string(points_.cols()));
    const auto n = static_cast<std::uint64_t>(points_.rows());
    for (Eigen::Index i = 0; i < out.rows(); ++i)
      out.row(i) = points_.row(static_cast<Eigen::Index>(rng.row(i).below(n)));
  }

 private:
  static Matrix load(const std::string& path, const std::string& format) {
    if (path.empty()) throw Error("file: 'path' is empty; name a .npy or .csv file");
    const std::filesystem::path file(path);
    const bool npy = format == "npy" || (format == "auto" && file.extension() == ".npy");
    Matrix m = npy ? read_npy(file) : read_csv(file);
    if (m.rows() == 0 || m.cols() == 0)
      throw Error(path + ": no data points (" + std::to_string(m.rows()) + " rows, " +
                  std::to_string(m.cols()) + " columns)");
    if (m.cols() > std::numeric_limits<int>::max())
      throw Error(path + ": " + std::to_string(m.cols()) + " columns is too many");
    return m;
  }

  Matrix points_;
};

}  // namespace sgm::plugins::datasets

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::datasets::File>(); }
}  // namespace

SGM_PLUGIN("file", "0.1.0", register_components)
