// Unit tests of the objective plugins dsm, esm, ssm, ssm_vr and ism (MATH.md §2, §B1, §B4, §B5;
// sgm/score_matching.hpp), built through the real loader and run on the test-only models of
// toy_trainable.hpp (the mlp plugin is not needed):
// - the gradient each objective adds equals central differences of the loss it returns;
// - a chunk of 64 rows gives the loss and gradient of two chunks of 32;
// - closed forms: at the true score of 1-D Gaussian data the ESM loss is 0, and the DSM, SSM,
//   SSM-VR and ISM gradients vanish in expectation (also under CLD, at analytic_gmm's exact
//   score, where the ESM loss is 0 too), while they do not at a perturbed model; the expected
//   DSM loss at s = 0 for each weighting; SSM, SSM-VR and ISM coincide in 1-D with Rademacher
//   directions; and training on 1-D Gaussian data by each objective recovers the true score;
// - hsm's gradient through the mlp plugin (output = score and CLD's mixed score) against central
//   differences;
// - bad setups are refused with messages that say why.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "toy_trainable.hpp"

namespace {

using Catch::Matchers::Contains;
using sgm::Matrix;
using sgm::test::make;
using Given = std::map<std::string, sgm::Value>;

constexpr std::uint64_t kSeed = 20240611;

sgm::Value str(const char* s) { return sgm::Value{std::string(s)}; }

/// A data set of n rows drawn from `ds` (stream data, rows 0..n−1).
Matrix draw(const sgm::Dataset& ds, Eigen::Index n, std::uint64_t seed = kSeed) {
  Matrix x(n, ds.dim());
  sgm::RowRng rng(seed, sgm::streams::data, 0, n);
  ds.sample(x, rng);
  return x;
}

/// Loss (sum over rows) and gradient of `obj` on x0 with RowRng(seed, objective, first, n):
/// a fresh RowRng per call, so repeated calls draw the same t, noise and projections.
struct LossGrad {
  double loss;
  Eigen::VectorXd grad;
};
LossGrad evaluate(const sgm::Objective& obj, const sgm::TrainableScore& model, sgm::CRef x0,
                  std::uint64_t first = 0, std::uint64_t seed = kSeed) {
  sgm::RowRng rng(seed, sgm::streams::objective, first, x0.rows());
  auto tape = model.make_tape();
  Eigen::VectorXd g = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(model.parameter_count()));
  const double loss =
      obj.loss_and_gradient(model, x0, rng, *tape, std::span<double>(g.data(), g.size()));
  return {loss, g};
}

/// Central differences of the loss w.r.t. every parameter.
Eigen::VectorXd finite_difference_gradient(const sgm::Objective& obj, sgm::TrainableScore& model,
                                           sgm::CRef x0) {
  auto theta = model.parameters();
  Eigen::VectorXd fd(static_cast<Eigen::Index>(theta.size()));
  for (std::size_t p = 0; p < theta.size(); ++p) {
    const double keep = theta[p], h = 1e-5 * std::max(1.0, std::abs(keep));
    theta[p] = keep + h;
    model.parameters_changed();
    const double up = evaluate(obj, model, x0).loss;
    theta[p] = keep - h;
    model.parameters_changed();
    const double down = evaluate(obj, model, x0).loss;
    theta[p] = keep;
    model.parameters_changed();
    fd[static_cast<Eigen::Index>(p)] = (up - down) / (2.0 * h);
  }
  return fd;
}

sgm::Context context(const sgm::ForwardSde* sde, const sgm::Dataset* ds) {
  sgm::Context ctx;
  ctx.seed = kSeed;
  ctx.sde = sde;
  ctx.dataset = ds;
  return ctx;
}

std::shared_ptr<sgm::Dataset> gmm_2d() {
  return make<sgm::Dataset>("gmm", {{"weights", sgm::DoubleList{0.4, 0.6}},
                                    {"means", sgm::DoubleTable{{-1.0, 0.5}, {1.5, -0.5}}},
                                    {"covariances", sgm::DoubleTable3{{{0.5, 0.1}, {0.1, 0.3}},
                                                                      {{0.2, 0.0}, {0.0, 0.4}}}}});
}

/// N(mean, var) in 1-D as a one-component gmm (so esm knows its law).
std::shared_ptr<sgm::Dataset> gaussian_1d(double mean, double var) {
  return make<sgm::Dataset>("gmm", {{"weights", sgm::DoubleList{1.0}},
                                    {"means", sgm::DoubleTable{{mean}}},
                                    {"covariances", sgm::DoubleTable3{{{var}}}}});
}

/// Every (objective, extra parameters) configuration the gradient and chunking tests cover.
struct Config {
  std::string name;
  Given given;
};
std::vector<Config> configurations() {
  std::vector<Config> out;
  for (const char* w : {"sigma2", "g2", "uniform"}) {
    out.push_back({"dsm", {{"weighting", str(w)}}});
    out.push_back({"esm", {{"weighting", str(w)}}});
    for (const char* law : {"gaussian", "rademacher"}) {
      const Given g{{"weighting", str(w)}, {"distribution", str(law)},
                    {"projections", std::int64_t{2}}};
      out.push_back({"ssm", g});
      out.push_back({"ssm_vr", g});
    }
    out.push_back({"ism", {{"weighting", str(w)}}});
  }
  return out;
}

std::string describe(const Config& c) {
  std::string s = c.name;
  for (const auto& [k, v] : c.given)
    if (const auto* text = std::get_if<std::string>(&v))
      s.append(" ").append(k).append("=").append(*text);
  return s;
}

/// Mean and standard error of every parameter's per-row gradient over rows 0..n−1 (one call
/// per row, each with its own RowRng starting at that row).
struct GradientStats {
  Eigen::VectorXd mean, se;
};
GradientStats per_row_gradients(const sgm::Objective& obj, const sgm::TrainableScore& model,
                                const sgm::Dataset& ds, Eigen::Index n) {
  const Matrix x0 = draw(ds, n);
  const auto p = static_cast<Eigen::Index>(model.parameter_count());
  Matrix g(n, p);
  for (Eigen::Index i = 0; i < n; ++i)
    g.row(i) = evaluate(obj, model, x0.middleRows(i, 1), static_cast<std::uint64_t>(i))
                   .grad.transpose();
  GradientStats s{Eigen::VectorXd(p), Eigen::VectorXd(p)};
  for (Eigen::Index j = 0; j < p; ++j) {
    const auto ms = sgm::test::mean_se(g.col(j));
    s.mean[j] = ms.mean;
    s.se[j] = ms.se;
  }
  return s;
}

/// The true score of N(mean, var) data under a one-block SDE: −(x − m_t μ)/(m_t² var + σ_t²).
double true_score(const sgm::ForwardSde& sde, double mean, double var, double x, double t) {
  const auto k = sde.kernel(t);
  const double m = k.mean_scale();
  return -(x - m * mean) / (m * m * var + k.variance());
}

}  // namespace

// ------------------------------------------------------------------------------------------

TEST_CASE("objectives: gradients match central differences of the loss", "[objectives]") {
  auto data = gmm_2d();
  const Matrix x0 = draw(*data, 6);
  for (const char* sde_name : {"vp", "cld"}) {
    auto sde = make<sgm::ForwardSde>(sde_name);
    sgm::test::ToyNet model(sde->state_dim(data->dim()), 5);
    for (const Config& c : configurations()) {
      INFO(sde_name << ": " << describe(c));
      auto obj = make<sgm::Objective>(c.name, c.given, context(sde.get(), data.get()));
      const LossGrad lg = evaluate(*obj, model, x0);
      const Eigen::VectorXd fd = finite_difference_gradient(*obj, model, x0);
      REQUIRE(std::isfinite(lg.loss));
      const double rel = (lg.grad - fd).norm() / fd.norm();
      INFO("loss " << lg.loss << ", |grad| " << fd.norm() << ", relative error " << rel);
      CHECK(fd.norm() > 0.0);
      CHECK(rel <= 1e-6);
    }
  }
}

TEST_CASE("objectives: one chunk of 64 rows equals two chunks of 32", "[objectives]") {
  auto data = gmm_2d();
  const Matrix x0 = draw(*data, 64);
  for (const char* sde_name : {"vp", "cld"}) {
    auto sde = make<sgm::ForwardSde>(sde_name);
    sgm::test::ToyNet model(sde->state_dim(data->dim()), 4);
    for (const Config& c : configurations()) {
      INFO(sde_name << ": " << describe(c));
      auto obj = make<sgm::Objective>(c.name, c.given, context(sde.get(), data.get()));
      const LossGrad whole = evaluate(*obj, model, x0, 0);
      const LossGrad a = evaluate(*obj, model, x0.topRows(32), 0);
      const LossGrad b = evaluate(*obj, model, x0.bottomRows(32), 32);
      // Same draws per row; only the order of the sums over rows differs.
      CHECK(whole.loss == Approx(a.loss + b.loss).epsilon(1e-12));
      CHECK((whole.grad - a.grad - b.grad).norm() <= 1e-12 * whole.grad.norm());
    }
  }
}

TEST_CASE("objectives: ESM at the true score of 1-D Gaussian data is zero", "[objectives]") {
  const double mean = 2.0, var = 0.25;
  auto data = gaussian_1d(mean, var);
  const Matrix x0 = draw(*data, 256);
  for (const char* sde_name : {"ou", "vp"}) {
    auto sde = make<sgm::ForwardSde>(sde_name);
    sgm::test::GaussianFamilyScore model(*sde, 1);
    for (const char* w : {"sigma2", "g2", "uniform"}) {
      INFO(sde_name << ", weighting " << w);
      auto esm =
          make<sgm::Objective>("esm", {{"weighting", str(w)}}, context(sde.get(), data.get()));
      model.set(mean, var);
      const LossGrad at_truth = evaluate(*esm, model, x0);
      CHECK(at_truth.loss <= 1e-20);  // rounding only: the residual is ~1e-13 per row
      CHECK(at_truth.grad.norm() <= 1e-9);
      model.set(mean + 0.3, 1.5 * var);
      CHECK(evaluate(*esm, model, x0).loss > 1e-2);
    }
  }
}

TEST_CASE("objectives: DSM, SSM, SSM-VR and ISM gradients vanish in expectation at the true score",
          "[objectives]") {
  // Each parameter's mean per-row gradient over n rows is compared with its standard error:
  // at the true score the expectation is 0, so |mean| ≤ 5 s.e. (a false alarm has probability
  // ~6e-7 per component; the draws are fixed, so the test is deterministic). At a perturbed
  // model the expectation is not 0 and some component must stand out by more than 8 s.e.
  const double mean = 2.0, var = 0.25;
  const Eigen::Index n = 20000;
  auto data = gaussian_1d(mean, var);
  for (const char* sde_name : {"ou", "vp"}) {
    auto sde = make<sgm::ForwardSde>(sde_name);
    sgm::test::GaussianFamilyScore model(*sde, 1);
    const std::vector<Config> configs = {
        {"dsm", {{"weighting", str("sigma2")}}},
        {"dsm", {{"weighting", str("g2")}}},
        {"ssm", {{"distribution", str("gaussian")}}},
        {"ssm_vr", {{"distribution", str("gaussian")}, {"weighting", str("uniform")}}},
        {"ism", {{"weighting", str("sigma2")}}},
        {"ism", {{"weighting", str("g2")}}}};
    for (const Config& c : configs) {
      INFO(sde_name << ": " << describe(c));
      auto obj = make<sgm::Objective>(c.name, c.given, context(sde.get(), data.get()));
      model.set(mean, var);
      const GradientStats truth = per_row_gradients(*obj, model, *data, n);
      INFO("at the true score: mean " << truth.mean.transpose()
                                      << ", s.e. " << truth.se.transpose());
      CHECK((truth.mean.array().abs() <= 5.0 * truth.se.array()).all());
      model.set(mean + 0.3, 1.5 * var);
      const GradientStats off = per_row_gradients(*obj, model, *data, n);
      INFO("perturbed: mean " << off.mean.transpose() << ", s.e. " << off.se.transpose());
      CHECK((off.mean.array().abs() > 8.0 * off.se.array()).any());
    }
  }
}

TEST_CASE("objectives: under CLD every objective is stationary at the exact score",
          "[objectives]") {
  // analytic_gmm is the exact score of p_t in CLD's (x, v) state space (with the lifted v0,
  // MATH.md §6), with an exact JVP. ShiftedScore s = (1 + c) s* + b: the ESM loss is 0 at
  // c = b = 0, and the mean DSM, SSM, SSM-VR and ISM gradients w.r.t. (c, b) are 0 within 5 s.e.
  // (for c this is the DSM identity, optimal scale 1), but not at c = 0.3 (> 8 s.e.).
  auto data = gaussian_1d(1.0, 0.5);
  auto cld = make<sgm::ForwardSde>("cld");
  const sgm::Context ctx = context(cld.get(), data.get());
  auto exact = make<sgm::ScoreModel>("analytic_gmm", {}, ctx);
  REQUIRE(exact->has_jvp());
  sgm::test::ShiftedScore model(*exact, cld->state_dim(1));
  for (const char* w : {"sigma2", "g2", "uniform"}) {
    INFO("weighting " << w);
    model.parameters()[0] = 0.0;
    auto esm = make<sgm::Objective>("esm", {{"weighting", str(w)}}, ctx);
    const LossGrad at_truth = evaluate(*esm, model, draw(*data, 128));
    CHECK(at_truth.loss <= 1e-20);
    CHECK(at_truth.grad.norm() <= 1e-9);
  }
  const std::vector<Config> configs = {
      {"dsm", {{"weighting", str("sigma2")}}},
      {"dsm", {{"weighting", str("g2")}}},
      {"ssm", {{"distribution", str("rademacher")}}},
      {"ssm_vr", {{"weighting", str("g2")}}},
      {"ism", {{"weighting", str("sigma2")}}}};
  for (const Config& c : configs) {
    INFO(describe(c));
    auto obj = make<sgm::Objective>(c.name, c.given, ctx);
    model.parameters()[0] = 0.0;
    const GradientStats truth = per_row_gradients(*obj, model, *data, 16000);
    INFO("at the exact score: mean " << truth.mean.transpose()
                                     << ", s.e. " << truth.se.transpose());
    CHECK((truth.mean.array().abs() <= 5.0 * truth.se.array()).all());
    model.parameters()[0] = 0.3;
    const GradientStats off = per_row_gradients(*obj, model, *data, 16000);
    INFO("scaled by 1.3: mean " << off.mean.transpose() << ", s.e. " << off.se.transpose());
    CHECK(std::abs(off.mean[0]) > 8.0 * off.se[0]);
  }
}

TEST_CASE("objectives: DSM weightings at s = 0 have their closed-form mean", "[objectives]") {
  // With s ≡ 0 (a ToyNet with zero parameters) the DSM loss is ½ ε̃ᵀ W ε̃ with ε̃ = (L⁻ᵀ ⊗ I) ε:
  // sigma2 (W = Σ ⊗ I) gives ½‖ε‖², mean D/2, for every SDE; g2 under VP gives ½ β/σ_t² ‖ε‖²,
  // whose mean over t ~ U(eps, 1) is (D/2)(log(e^{B(1)} − 1) − log(e^{B(eps)} − 1))/(1 − eps)
  // (MATH.md §B5: ∫ g²/σ² dt = log(e^B − 1)). Checked within 5 s.e. of the per-row losses.
  auto data = gmm_2d();
  const Eigen::Index n = 20000;
  const Matrix x0 = draw(*data, n);
  auto per_row_mean = [&](const sgm::Objective& obj, const sgm::TrainableScore& model) {
    Eigen::VectorXd loss(n);
    for (Eigen::Index i = 0; i < n; ++i)
      loss[i] = evaluate(obj, model, x0.middleRows(i, 1), static_cast<std::uint64_t>(i)).loss;
    return sgm::test::mean_se(loss);
  };
  for (const char* sde_name : {"vp", "cld"}) {
    auto sde = make<sgm::ForwardSde>(sde_name);
    sgm::test::ToyNet zero(sde->state_dim(2), 3);
    for (double& p : zero.parameters()) p = 0.0;
    auto dsm = make<sgm::Objective>("dsm", {}, context(sde.get(), data.get()));
    const auto ms = per_row_mean(*dsm, zero);
    INFO(sde_name << " sigma2: " << ms.mean << " ± " << ms.se);
    CHECK(std::abs(ms.mean - 0.5 * sde->state_dim(2)) <= 5.0 * ms.se);
  }
  auto vp = make<sgm::ForwardSde>("vp");
  sgm::test::ToyNet zero(2, 3);
  for (double& p : zero.parameters()) p = 0.0;
  auto dsm = make<sgm::Objective>("dsm", {{"weighting", str("g2")}}, context(vp.get(), data.get()));
  const auto ms = per_row_mean(*dsm, zero);
  const double eps = vp->t_min();
  const auto big_b = [](double t) { return 0.1 * t + 9.95 * t * t; };  // B(t), MATH.md §1
  const double expected =
      (std::log(std::expm1(big_b(1.0))) - std::log(std::expm1(big_b(eps)))) / (1.0 - eps);
  INFO("vp g2: " << ms.mean << " ± " << ms.se << ", expected " << expected);
  CHECK(std::abs(ms.mean - expected) <= 5.0 * ms.se);
}

TEST_CASE("objectives: in 1-D with Rademacher directions SSM, SSM-VR and ISM coincide",
          "[objectives]") {
  // v = ±1: vᵀ∇s v = ∂s/∂x and ½(vᵀs)² = ½s², so all three losses are ½ λ s² + λ ∂s/∂x with the
  // same t and noise per row (the projections are drawn after them).
  auto data = gaussian_1d(0.5, 2.0);
  auto sde = make<sgm::ForwardSde>("vp");
  const sgm::Context ctx = context(sde.get(), data.get());
  const Matrix x0 = draw(*data, 32);
  sgm::test::ToyNet model(1, 6);
  for (const char* w : {"sigma2", "g2", "uniform"}) {
    INFO("weighting " << w);
    const Given sliced{{"weighting", str(w)}, {"distribution", str("rademacher")},
                       {"projections", std::int64_t{3}}};
    auto ism_obj = make<sgm::Objective>("ism", {{"weighting", str(w)}}, ctx);
    const LossGrad ism = evaluate(*ism_obj, model, x0);
    for (const char* name : {"ssm", "ssm_vr"}) {
      INFO(name);
      const LossGrad s = evaluate(*make<sgm::Objective>(name, sliced, ctx), model, x0);
      CHECK(s.loss == Approx(ism.loss).epsilon(1e-12));
      CHECK((s.grad - ism.grad).norm() <= 1e-12 * ism.grad.norm());
    }
  }
}

TEST_CASE("objectives: DSM, SSM and ISM trained on a 1-D Gaussian recover the true score",
          "[objectives]") {
  // GaussianFamilyScore (μ, ρ), from μ = 0, var = e^ρ = 1, trained by Adam written here on
  // minibatches of fresh N(2, 0.25) data with the learning rate decayed linearly to 0. The true
  // score is in the family (μ = 2, var = 0.25), so a correct objective converges to it and a
  // biased one (a wrong factor on the trace term, a wrong target) does not.
  const double mean = 2.0, var = 0.25;
  auto data = gaussian_1d(mean, var);
  const int steps = 400;
  const Eigen::Index batch = 256;
  for (const char* sde_name : {"vp", "ou"}) {
    auto sde = make<sgm::ForwardSde>(sde_name);
    const sgm::Context ctx = context(sde.get(), data.get());
    for (const Config& c : std::vector<Config>{{"dsm", {}},
                                               {"ssm", {{"distribution", str("gaussian")}}},
                                               {"ssm_vr", {}},
                                               {"ism", {}}}) {
      INFO(sde_name << ": " << c.name);
      auto obj = make<sgm::Objective>(c.name, c.given, ctx);
      sgm::test::GaussianFamilyScore model(*sde, 1);
      auto theta = model.parameters();
      Eigen::VectorXd m1 = Eigen::VectorXd::Zero(2), m2 = Eigen::VectorXd::Zero(2);
      const double lr0 = 0.05, b1 = 0.9, b2 = 0.999;
      for (int step = 0; step < steps; ++step) {
        const auto first = static_cast<std::uint64_t>(step) * static_cast<std::uint64_t>(batch);
        Matrix x0(batch, 1);
        sgm::RowRng data_rng(kSeed, sgm::streams::minibatch, first, batch);
        data->sample(x0, data_rng);
        const Eigen::VectorXd g =
            evaluate(*obj, model, x0, first).grad / static_cast<double>(batch);
        m1 = b1 * m1 + (1 - b1) * g;
        m2 = b2 * m2 + (1 - b2) * g.cwiseAbs2();
        const double lr = lr0 * (1.0 - static_cast<double>(step) / steps);
        const double c1 = 1 - std::pow(b1, step + 1), c2 = 1 - std::pow(b2, step + 1);
        for (std::size_t p = 0; p < 2; ++p) {
          const auto q = static_cast<Eigen::Index>(p);
          theta[p] -= lr * (m1[q] / c1) / (std::sqrt(m2[q] / c2) + 1e-8);
        }
        model.parameters_changed();
      }
      INFO("learned mean " << theta[0] << ", variance " << std::exp(theta[1]));
      CHECK(theta[0] == Approx(mean).margin(0.05));
      CHECK(std::exp(theta[1]) == Approx(var).epsilon(0.1));
      for (double t : {0.05, 0.3, 0.8})
        for (double x : {0.5, 2.0, 3.0}) {
          Matrix in = Matrix::Constant(1, 1, x), out(1, 1);
          model.score(in, t, out);
          const double truth = true_score(*sde, mean, var, x, t);
          INFO("s(" << x << ", " << t << ") = " << out(0, 0) << ", true " << truth);
          CHECK(out(0, 0) == Approx(truth).margin(0.1 * (1.0 + std::abs(truth))));
        }
    }
  }
}

TEST_CASE("objectives: bad setups are refused with a reason", "[objectives]") {
  auto gmm = gmm_2d();
  auto vp = make<sgm::ForwardSde>("vp");
  auto affine_ou = make<sgm::ForwardSde>("ou", {{"alpha", 1.0}});  // kernel mean affine: not linear
  REQUIRE_FALSE(affine_ou->is_linear());
  for (const char* name : {"dsm", "esm", "ssm", "ssm_vr", "ism"}) {
    INFO(name);
    CHECK_THROWS_WITH(make<sgm::Objective>(name, {}, context(affine_ou.get(), gmm.get())),
                      Contains("linear SDE") && Contains("is_linear() is false"));
    CHECK_THROWS_WITH(make<sgm::Objective>(name, {}, context(nullptr, gmm.get())),
                      Contains("needs an [sde] stage"));
    CHECK_THROWS_WITH(make<sgm::Objective>(name, {{"eps", 2.0}}, context(vp.get(), gmm.get())),
                      Contains("eps = 2") && Contains("t_max"));
    CHECK_THROWS_WITH(
        make<sgm::Objective>(name, {{"weighting", str("sigma")}}, context(vp.get(), gmm.get())),
        Contains("weighting"));
  }
  SECTION("esm needs a dataset whose law is a Gaussian mixture") {
    auto roll = make<sgm::Dataset>("swiss_roll");
    CHECK_THROWS_WITH(make<sgm::Objective>("esm", {}, context(vp.get(), roll.get())),
                      Contains("Gaussian mixture") && Contains("use dsm"));
    CHECK_THROWS_WITH(make<sgm::Objective>("esm", {}, context(vp.get(), nullptr)),
                      Contains("[dataset]"));
  }
  SECTION("ism refuses more than 64 state dimensions") {
    // 33-dimensional data under CLD: 66 state dimensions, 66 JVPs per row.
    auto wide = make<sgm::Dataset>(
        "gmm", {{"weights", sgm::DoubleList{1.0}},
                {"means", sgm::DoubleTable{sgm::DoubleList(33, 0.0)}},
                {"covariances", sgm::DoubleTable3{[] {
                   sgm::DoubleTable eye(33, sgm::DoubleList(33, 0.0));
                   for (std::size_t i = 0; i < 33; ++i) eye[i][i] = 1.0;
                   return eye;
                 }()}}});
    auto cld = make<sgm::ForwardSde>("cld");
    CHECK_THROWS_WITH(make<sgm::Objective>("ism", {}, context(cld.get(), wide.get())),
                      Contains("66 dimensions") && Contains("limit 64") && Contains("ssm_vr"));
    // Without a dataset in the context the check happens on the first chunk.
    auto ism = make<sgm::Objective>("ism", {}, context(cld.get(), nullptr));
    sgm::test::ToyNet model(66, 2);
    const Matrix x0 = Matrix::Zero(2, 33);
    CHECK_THROWS_WITH(evaluate(*ism, model, x0), Contains("66 dimensions"));
    CHECK_NOTHROW(make<sgm::Objective>("ism", {}, context(vp.get(), wide.get())));  // 33 <= 64
  }
}

// ------------------------------------------------------------------------------------------
// hsm (hybrid score matching, CLD only)

TEST_CASE("hsm: gradients match central differences, chunking is invariant, vp is refused",
          "[objectives][hsm]") {
  auto data = gmm_2d();
  auto cld = make<sgm::ForwardSde>("cld");
  sgm::test::ToyNet model(cld->state_dim(data->dim()), 5);
  const Matrix x0 = draw(*data, 64);
  for (const char* w : {"reweightedv2", "reweightedv1", "likelihood"}) {
    INFO("weighting " << w);
    auto obj = make<sgm::Objective>("hsm", {{"weighting", str(w)}}, context(cld.get(), data.get()));
    const LossGrad lg = evaluate(*obj, model, x0.topRows(6));
    const Eigen::VectorXd fd = finite_difference_gradient(*obj, model, x0.topRows(6));
    CHECK(fd.norm() > 0.0);
    CHECK((lg.grad - fd).norm() <= 1e-6 * fd.norm());
    const LossGrad whole = evaluate(*obj, model, x0, 0);
    const LossGrad a = evaluate(*obj, model, x0.topRows(32), 0);
    const LossGrad b = evaluate(*obj, model, x0.bottomRows(32), 32);
    CHECK(whole.loss == Approx(a.loss + b.loss).epsilon(1e-12));
    CHECK((whole.grad - a.grad - b.grad).norm() <= 1e-12 * whole.grad.norm());
  }
  auto vp = make<sgm::ForwardSde>("vp");
  CHECK_THROWS_WITH(make<sgm::Objective>("hsm", {}, context(vp.get(), data.get())),
                    Catch::Contains("two blocks"));
}

TEST_CASE("hsm: gradients through the mlp score (output = score, mixed) match central differences",
          "[objectives][hsm][mlp]") {
  // The mlp plugin's two CLD parametrisations, s = NN and the mixed s_v = −v/Σvv − ℓ_t NN_v,
  // each trained by hsm: its backward() (scale −ℓ_t, no gradient of the parameter-free mixed
  // term) against central differences of the loss, in double precision, with every parameter
  // moved off its initial value so that biases and the output layer are exercised.
  auto data = gmm_2d();
  auto cld = make<sgm::ForwardSde>("cld");
  const sgm::Context ctx = context(cld.get(), data.get());
  const Matrix x0 = draw(*data, 6);
  for (const char* output : {"score", "mixed"})
    for (const char* w : {"reweightedv2", "likelihood"}) {
      INFO("output " << output << ", weighting " << w);
      auto score = make<sgm::ScoreModel>("mlp", {{"output", str(output)},
                                                 {"precision", str("double")},
                                                 {"hidden", sgm::DoubleList{8, 8}},
                                                 {"embedding_dim", std::int64_t{4}}},
                                         ctx);
      auto model = std::dynamic_pointer_cast<sgm::TrainableScore>(score);
      REQUIRE(model);
      sgm::Rng r(kSeed, 4321, 0);
      for (double& p : model->parameters()) p += 0.3 * r.normal();
      model->parameters_changed();
      auto obj = make<sgm::Objective>("hsm", {{"weighting", str(w)}}, ctx);
      const LossGrad lg = evaluate(*obj, *model, x0);
      const Eigen::VectorXd fd = finite_difference_gradient(*obj, *model, x0);
      REQUIRE(std::isfinite(lg.loss));
      INFO("loss " << lg.loss << ", |grad| " << fd.norm());
      CHECK(fd.norm() > 0.0);
      CHECK((lg.grad - fd).norm() <= 1e-6 * fd.norm());
    }
}

TEST_CASE("hsm: stationary at the exact CLD velocity score, not at a scaled one",
          "[objectives][hsm]") {
  // HSM's minimiser is ∇_v log p_t with v0 ~ N(0, γM) integrated out, which is analytic_gmm's
  // score of the lifted mixture (MATH.md §6). With ShiftedScore s = (1 + c) s* + b, the mean
  // per-row gradient is 0 within 5 standard errors at c = b = 0 (16000 rows; the position
  // entries of b get exactly 0), but not at c = 0.3 (> 8 s.e.).
  auto data = gaussian_1d(1.0, 0.5);
  auto cld = make<sgm::ForwardSde>("cld");
  const sgm::Context ctx = context(cld.get(), data.get());
  auto exact = make<sgm::ScoreModel>("analytic_gmm", {}, ctx);
  sgm::test::ShiftedScore model(*exact, cld->state_dim(1));
  for (const char* w : {"reweightedv2", "likelihood"}) {
    INFO("weighting " << w);
    auto obj = make<sgm::Objective>("hsm", {{"weighting", str(w)}}, ctx);
    model.parameters()[0] = 0.0;
    const GradientStats truth = per_row_gradients(*obj, model, *data, 16000);
    INFO("at the exact score: mean " << truth.mean.transpose() << ", s.e. " << truth.se.transpose());
    CHECK((truth.mean.array().abs() <= 5.0 * truth.se.array()).all());
    model.parameters()[0] = 0.3;
    const GradientStats off = per_row_gradients(*obj, model, *data, 16000);
    INFO("scaled by 1.3: mean " << off.mean.transpose() << ", s.e. " << off.se.transpose());
    CHECK(std::abs(off.mean[0]) > 8.0 * off.se[0]);
  }
}
