// test_likelihood.cpp: the empirical (memorising) score (MATH.md §C5), the exact Jacobians of the
// empirical and analytic_gmm scores, the `nll` metric (likelihood by the probability-flow ODE,
// MATH.md §B5) and the `score_error` metric, all loaded through the host. Every statistical
// tolerance is a stated multiple of a standard error.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "sgm/host/executor.hpp"
#include "test_support.hpp"

namespace {

using sgm::DoubleList;
using sgm::DoubleTable;
using sgm::DoubleTable3;
using sgm::Matrix;
using sgm::Value;

/// MATH.md §C5's training set {(1, 0), (0, 1), (−1, 0)}.
const DoubleTable kThree{{1.0, 0.0}, {0.0, 1.0}, {-1.0, 0.0}};

/// n points on the unit circle at angles 2πi/n.
DoubleTable circle_points(int n) {
  DoubleTable p;
  for (int i = 0; i < n; ++i) {
    const double a = 2.0 * std::numbers::pi * i / n;
    p.push_back({std::cos(a), std::sin(a)});
  }
  return p;
}

/// A component built with ctx = {dataset, sde, score}.
sgm::Context context(const sgm::Dataset* ds, const sgm::ForwardSde* sde,
                     const sgm::ScoreModel* score = nullptr) {
  sgm::Context ctx;
  ctx.seed = 7;
  ctx.dataset = ds;
  ctx.sde = sde;
  ctx.score = score;
  return ctx;
}

std::shared_ptr<sgm::ScoreModel> empirical(const DoubleTable& points, const sgm::ForwardSde* sde) {
  return sgm::test::make<sgm::ScoreModel>("empirical", {{"points", points}},
                                          context(nullptr, sde));
}

Eigen::RowVectorXd score_at(const sgm::ScoreModel& s, std::vector<double> x, double t) {
  Matrix in(1, static_cast<Eigen::Index>(x.size())), out(1, in.cols());
  for (Eigen::Index j = 0; j < in.cols(); ++j) in(0, j) = x[static_cast<std::size_t>(j)];
  s.score(in, t, out);
  return out.row(0);
}

/// The 2-D three-component mixture of examples/pipelines/default.toml.
std::map<std::string, Value> default_mixture() {
  return {{"weights", DoubleList{0.5, 0.3, 0.2}},
          {"means", DoubleTable{{-2.0, 0.0}, {2.0, 1.0}, {0.0, -2.5}}},
          {"covariances", DoubleTable3{{{0.30, 0.10}, {0.10, 0.20}},
                                       {{0.20, 0.0}, {0.0, 0.40}},
                                       {{0.25, -0.05}, {-0.05, 0.15}}}}};
}

/// Largest |central finite difference of s − jvp| over random (x, v), relative to max(1, |jvp|).
double jvp_fd_error(const sgm::ScoreModel& s, Eigen::Index dim, double t, double scale) {
  const Eigen::Index n = 20;
  Matrix x(n, dim), v(n, dim), jv(n, dim), sp(n, dim), sm(n, dim);
  sgm::RowRng rx(3, sgm::streams::data, 0, n), rv(3, sgm::streams::metric, 0, n);
  rx.normal(x);
  rv.normal(v);
  x *= scale;
  REQUIRE(s.has_jvp());
  s.jvp(x, t, v, jv);
  const double h = 1e-5;
  s.score(x + h * v, t, sp);
  s.score(x - h * v, t, sm);
  const Matrix fd = (sp - sm) / (2.0 * h);
  double worst = 0.0;
  for (Eigen::Index i = 0; i < n; ++i)
    worst = std::max(worst, (fd.row(i) - jv.row(i)).norm() / std::max(1.0, jv.row(i).norm()));
  return worst;
}

/// Median over particles of the distance to the nearest training point.
double median_nearest(const Matrix& x, const DoubleTable& train) {
  std::vector<double> d(static_cast<std::size_t>(x.rows()));
  for (Eigen::Index i = 0; i < x.rows(); ++i) {
    double best = 1e300;
    for (const auto& p : train)
      best = std::min(best, std::hypot(x(i, 0) - p[0], x(i, 1) - p[1]));
    d[static_cast<std::size_t>(i)] = best;
  }
  std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(d.size() / 2), d.end());
  return d[d.size() / 2];
}

double value_of(const sgm::MetricValues& v, const std::string& key) {
  for (const auto& [k, x] : v)
    if (k == key) return x;
  FAIL("metric value '" << key << "' missing");
  return 0.0;
}

}  // namespace

// ---- empirical score -------------------------------------------------------------------------

TEST_CASE("empirical score equals MATH.md §C5's 40-digit reference values", "[likelihood]") {
  auto ou = sgm::test::make<sgm::ForwardSde>("ou");  // β = 1: m = e^{−t}, σ² = 1 − e^{−2t}
  auto s = empirical(kThree, ou.get());
  struct Case {
    std::vector<double> x;
    double t, s0, s1;
  };
  const std::vector<Case> cases{
      {{0.3, 0.2}, 0.1, 1.20662371662412, 0.725271248415753},
      {{0.3, 0.2}, 1.0, -0.311882890214111, -0.0821158961942777},
      {{0.0, 0.0}, 0.5, 0.0, 0.319839125222491},
      {{50.0, -30.0}, 0.01, -2475.08416610139, 1515.04999966667}};  // naive e^{ℓ_i} are all 0
  for (const auto& c : cases) {
    CAPTURE(c.x[0], c.x[1], c.t);
    const Eigen::RowVectorXd got = score_at(*s, c.x, c.t);
    CHECK(got[0] == Approx(c.s0).epsilon(1e-11).margin(1e-12));
    CHECK(got[1] == Approx(c.s1).epsilon(1e-11).margin(1e-12));
  }
  // 8 circle points (seed 000's figure), OU β = 1.
  auto s8 = empirical(circle_points(8), ou.get());
  const Eigen::RowVectorXd a = score_at(*s8, {0.5, 0.5}, 0.01);
  CHECK(a[0] == Approx(10.1032573577825).epsilon(1e-11));
  CHECK(a[1] == Approx(10.1032573577825).epsilon(1e-11));
  const Eigen::RowVectorXd b = score_at(*s8, {0.9, 0.1}, 0.01);
  CHECK(b[0] == Approx(4.54671726403327).epsilon(1e-11));
  CHECK(b[1] == Approx(-5.04787844787579).epsilon(1e-11));
  CHECK(score_at(*s8, {0.5, 0.5}, 0.3)[0] == Approx(-0.527044427460114).epsilon(1e-11));

  // Rows are independent: a batch equals its rows one by one, bit for bit.
  Matrix x(4, 2), out(4, 2);
  x << 0.3, 0.2, 0.0, 0.0, 50.0, -30.0, -0.7, 0.4;
  s->score(x, 0.1, out);
  for (Eigen::Index i = 0; i < 4; ++i)
    CHECK((score_at(*s, {x(i, 0), x(i, 1)}, 0.1) - out.row(i)).cwiseAbs().maxCoeff() == 0.0);
}

TEST_CASE("empirical draws its training set from the dataset on the train_data stream",
          "[likelihood]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm", default_mixture());
  auto vp = sgm::test::make<sgm::ForwardSde>("vp");
  auto s = sgm::test::make<sgm::ScoreModel>("empirical", {{"n_train", std::int64_t{50}}},
                                            context(ds.get(), vp.get()));
  // The same 50 points by hand give the same score.
  Matrix train(50, 2);
  sgm::RowRng rng(7, sgm::streams::train_data, 0, 50);
  ds->sample(train, rng);
  DoubleTable pts;
  for (Eigen::Index i = 0; i < 50; ++i) pts.push_back({train(i, 0), train(i, 1)});
  auto same = empirical(pts, vp.get());
  for (double t : {0.01, 0.3, 1.0})
    CHECK((score_at(*s, {0.4, -1.0}, t) - score_at(*same, {0.4, -1.0}, t)).norm() == 0.0);
  // At t = 0 the empirical score does not exist: a clear error.
  Matrix x(1, 2), out(1, 2);
  x << 0.1, 0.2;
  auto ve = sgm::test::make<sgm::ForwardSde>("ve");
  auto sv = empirical(kThree, ve.get());
  CHECK_THROWS_WITH(sv->score(x, 0.0, out), Catch::Contains("singular"));
}

TEST_CASE("empirical with one training point equals analytic_gmm of a zero-covariance component",
          "[likelihood]") {
  // gmm needs an SPD covariance: 1e-300 I vanishes next to σ_t² in double (m² 1e-300 + σ² = σ²).
  auto ds = sgm::test::make<sgm::Dataset>(
      "gmm", {{"weights", DoubleList{1.0}},
              {"means", DoubleTable{{0.7, -1.2}}},
              {"covariances", DoubleTable3{{{1e-300, 0.0}, {0.0, 1e-300}}}}});
  for (const std::string sde_name : {"vp", "ou", "ve", "cld"}) {
    CAPTURE(sde_name);
    auto sde = sgm::test::make<sgm::ForwardSde>(sde_name);
    auto emp = empirical(DoubleTable{{0.7, -1.2}}, sde.get());
    auto gmm = sgm::test::make<sgm::ScoreModel>("analytic_gmm", {}, context(ds.get(), sde.get()));
    const Eigen::Index dim = sde->state_dim(2);
    Matrix x(16, dim), v(16, dim), a(16, dim), b(16, dim);
    sgm::RowRng rx(5, sgm::streams::data, 0, 16), rv(5, sgm::streams::metric, 0, 16);
    rx.normal(x);
    rv.normal(v);
    for (double t : {0.05, 0.3, 1.0}) {
      CAPTURE(t);
      emp->score(x, t, a);
      gmm->score(x, t, b);
      CHECK((a - b).cwiseAbs().maxCoeff() <= 1e-10 * std::max(1.0, b.cwiseAbs().maxCoeff()));
      emp->jvp(x, t, v, a);
      gmm->jvp(x, t, v, b);
      CHECK((a - b).cwiseAbs().maxCoeff() <= 1e-10 * std::max(1.0, b.cwiseAbs().maxCoeff()));
    }
  }
}

TEST_CASE("jvp of empirical and analytic_gmm match central finite differences", "[likelihood]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm", default_mixture());
  for (const std::string sde_name : {"vp", "cld"}) {
    CAPTURE(sde_name);
    auto sde = sgm::test::make<sgm::ForwardSde>(sde_name);
    auto gmm = sgm::test::make<sgm::ScoreModel>("analytic_gmm", {}, context(ds.get(), sde.get()));
    auto emp = sgm::test::make<sgm::ScoreModel>("empirical", {{"n_train", std::int64_t{200}}},
                                                context(ds.get(), sde.get()));
    const Eigen::Index dim = sde->state_dim(2);
    for (double t : {0.05, 0.3, 1.0}) {
      CAPTURE(t);
      CHECK(jvp_fd_error(*gmm, dim, t, 2.0) < 1e-6);
      CHECK(jvp_fd_error(*emp, dim, t, 2.0) < 1e-6);
    }
  }
  // Far from the data (s_k large), the centred forms stay accurate.
  auto vp = sgm::test::make<sgm::ForwardSde>("vp");
  auto gmm = sgm::test::make<sgm::ScoreModel>("analytic_gmm", {}, context(ds.get(), vp.get()));
  auto emp = empirical(kThree, vp.get());
  CHECK(jvp_fd_error(*gmm, 2, 0.05, 20.0) < 1e-6);
  CHECK(jvp_fd_error(*emp, 2, 0.05, 20.0) < 1e-6);
}

TEST_CASE("reverse EM with the empirical score ends on the training points", "[likelihood]") {
  // MATH.md §C5: 8 circle points, OU β = 1, T = 1, Δt = 0.01, prior N(0, I); with a noise-free
  // last step the median nearest-training distance is 9.4e-5 (20,000 particles).
  const DoubleTable train = circle_points(8);
  const Eigen::Index n = 2000;
  std::vector<double> medians;
  for (double eps : {0.1, 0.01, 0.0}) {
    auto ou = sgm::test::make<sgm::ForwardSde>("ou", {{"t_min", eps}});
    auto s = empirical(train, ou.get());
    auto em = sgm::test::make<sgm::Integrator>(
        "euler_maruyama",
        {{"steps", std::int64_t{100}}, {"denoise", true}},
        context(nullptr, ou.get(), s.get()));
    Matrix x(n, 2);
    sgm::RowRng prior(11, sgm::streams::prior, 0, n), noise(11, sgm::streams::integrator, 0, n);
    ou->prior_sample(x, prior);
    sgm::NullProgress progress;
    em->integrate(x, *ou, s.get(), noise, progress);
    medians.push_back(median_nearest(x, train));
  }
  INFO("median nearest-training distance at eps = 0.1, 0.01, 0: " << medians[0] << " "
                                                                   << medians[1] << " "
                                                                   << medians[2]);
  CHECK(medians[0] > medians[1]);
  CHECK(medians[1] > medians[2]);
  CHECK(medians[2] < 1e-3);
}

// ---- nll -------------------------------------------------------------------------------------

TEST_CASE("nll by the probability-flow ODE equals the exact GMM log-density", "[likelihood]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm", default_mixture());
  auto vp = sgm::test::make<sgm::ForwardSde>("vp");
  auto score = sgm::test::make<sgm::ScoreModel>("analytic_gmm", {}, context(ds.get(), vp.get()));
  const auto ctx = context(ds.get(), vp.get(), score.get());
  const Eigen::Index n = 400;
  Matrix ref(n, 2);
  sgm::RowRng rng(7, sgm::streams::reference, 0, n);
  ds->sample(ref, rng);
  Eigen::VectorXd logp(n);
  ds->log_density(ref, logp);
  const double exact = -logp.mean();
  const sgm::SerialExecutor serial;
  const sgm::MetricInput in{ref, ref, ds.get(), 7, serial};

  // Exact trace, exact p_T, ε = 1e-5: only the ODE error and log p_ε − log p_0 remain.
  auto nll = sgm::test::make<sgm::Metric>(
      "nll", {{"prior", std::string("exact")}, {"t_min", 1e-5}}, ctx);
  const auto t0 = std::chrono::steady_clock::now();
  const auto v = nll->evaluate(in);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double got = value_of(v, "nll");
  CHECK(std::abs(got - exact) < 1e-3);
  CHECK(value_of(v, "nll_bits_per_dim") == Approx(got / (2.0 * std::numbers::ln2)));
  CHECK(value_of(v, "nll_stderr") > 0.0);

  // Deterministic whatever the executor.
  const sgm::host::TbbExecutor tbb;
  const sgm::MetricInput in_tbb{ref, ref, ds.get(), 7, tbb};
  CHECK(value_of(nll->evaluate(in_tbb), "nll") == got);

  // With the SDE's N(0, I) prior: the prior mismatch of VP at T = 1 (MATH.md §B5: ≤ 0.035).
  auto nll_sde = sgm::test::make<sgm::Metric>("nll", {{"t_min", 1e-5}}, ctx);
  const double got_sde = value_of(nll_sde->evaluate(in), "nll");
  CHECK(std::abs(got_sde - exact) < 0.035);

  // Hutchinson (one Rademacher probe per point) agrees within 4 standard errors, and differs.
  auto hutch = sgm::test::make<sgm::Metric>(
      "nll", {{"prior", std::string("exact")}, {"t_min", 1e-5}, {"divergence", std::string("hutchinson")}},
      ctx);
  const auto h = hutch->evaluate(in);
  CHECK(std::abs(value_of(h, "nll") - got) < 4.0 * value_of(h, "nll_stderr"));
  CHECK(value_of(h, "nll") != got);
  auto hutch_g = sgm::test::make<sgm::Metric>(
      "nll", {{"prior", std::string("exact")}, {"t_min", 1e-5}, {"divergence", std::string("hutchinson")},
              {"probe", std::string("gaussian")}, {"probes", std::int64_t{4}}},
      ctx);
  const auto hg = hutch_g->evaluate(in);
  CHECK(std::abs(value_of(hg, "nll") - got) < 4.0 * value_of(hg, "nll_stderr"));

  std::cout << "nll (exact trace, exact prior): " << got << " vs exact " << exact << " (diff "
            << got - exact << ", se " << value_of(v, "nll_stderr") << ", NFE "
            << value_of(v, "nfe") << ", " << 1000.0 * secs / static_cast<double>(n)
            << " s per 1000 points)\n"
            << "nll (exact trace, N(0,I) prior): " << got_sde << " (diff " << got_sde - exact
            << ")\n"
            << "nll (hutchinson, 1 rademacher): " << value_of(h, "nll") << " ± "
            << value_of(h, "nll_stderr") << " (minus exact trace " << value_of(h, "nll") - got
            << ")\n"
            << "nll (hutchinson, 4 gaussian): " << value_of(hg, "nll") << " ± "
            << value_of(hg, "nll_stderr") << " (minus exact trace " << value_of(hg, "nll") - got
            << ")\n";
}

TEST_CASE("Hutchinson nll is unbiased: one point repeated, probe noise only", "[likelihood]") {
  // Every copy of the point draws its own probes (stream index = row), so the spread of the
  // Hutchinson estimates is the probe noise alone and the exact trace has no spread at all.
  auto ds = sgm::test::make<sgm::Dataset>("gmm", default_mixture());
  auto vp = sgm::test::make<sgm::ForwardSde>("vp");
  auto score = sgm::test::make<sgm::ScoreModel>("analytic_gmm", {}, context(ds.get(), vp.get()));
  const auto ctx = context(ds.get(), vp.get(), score.get());
  const sgm::SerialExecutor serial;
  auto exact = sgm::test::make<sgm::Metric>("nll", {}, ctx);
  for (const std::string probe : {"rademacher", "gaussian"}) {
    CAPTURE(probe);
    auto hutch = sgm::test::make<sgm::Metric>(
        "nll", {{"divergence", std::string("hutchinson")}, {"probe", probe}}, ctx);
    for (const auto& p : std::vector<std::vector<double>>{{-1.5, 0.3}, {0.5, -0.5}}) {
      const Matrix ref = Eigen::RowVector2d(p[0], p[1]).replicate(200, 1);
      const sgm::MetricInput in{ref, ref, ds.get(), 7, serial};
      const auto e = exact->evaluate(in);
      const auto h = hutch->evaluate(in);
      CHECK(value_of(e, "nll_stderr") < 1e-12);  // identical values up to the rounding of the mean
      CHECK(value_of(h, "nll_stderr") > 0.0);
      CHECK(std::abs(value_of(h, "nll") - value_of(e, "nll")) < 4.0 * value_of(h, "nll_stderr"));
    }
  }
}

TEST_CASE("nll with uniform dequantisation is the discrete bound at the dequantised points",
          "[likelihood]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm", default_mixture());
  auto vp = sgm::test::make<sgm::ForwardSde>("vp");
  auto score = sgm::test::make<sgm::ScoreModel>("analytic_gmm", {}, context(ds.get(), vp.get()));
  const Eigen::Index n = 100;
  const double width = 0.25;
  Matrix ref(n, 2);
  sgm::RowRng rng(7, sgm::streams::reference, 0, n);
  ds->sample(ref, rng);
  // The metric moves point i by width·u, u from Rng(seed, metric, i): reproduce it.
  Matrix moved = ref;
  for (Eigen::Index i = 0; i < n; ++i) {
    sgm::Rng r(7, sgm::streams::metric, static_cast<std::uint64_t>(i));
    for (Eigen::Index j = 0; j < 2; ++j) moved(i, j) += width * r.uniform();
  }
  Eigen::VectorXd logp(n);
  ds->log_density(moved, logp);
  const double expected = -logp.mean() - 2.0 * std::log(width);
  auto nll = sgm::test::make<sgm::Metric>(
      "nll", {{"prior", std::string("exact")}, {"t_min", 1e-5}, {"dequantize", true},
              {"bin_width", width}},
      context(ds.get(), vp.get(), score.get()));
  const sgm::SerialExecutor serial;
  const double got = value_of(nll->evaluate({ref, ref, ds.get(), 7, serial}), "nll");
  CHECK(std::abs(got - expected) < 1e-3);
}

TEST_CASE("nll refuses what it cannot evaluate, with a clear message", "[likelihood]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm", default_mixture());
  auto vp = sgm::test::make<sgm::ForwardSde>("vp");
  auto cld = sgm::test::make<sgm::ForwardSde>("cld");
  auto gmm_cld = sgm::test::make<sgm::ScoreModel>("analytic_gmm", {}, context(ds.get(), cld.get()));
  auto data_score = sgm::test::make<sgm::ScoreModel>("data_score", {}, context(ds.get(), vp.get()));
  CHECK_THROWS_WITH(sgm::test::make<sgm::Metric>("nll", {}, context(ds.get(), cld.get(), gmm_cld.get())),
                    Catch::Contains("one-block"));
  CHECK_THROWS_WITH(sgm::test::make<sgm::Metric>("nll", {}, context(ds.get(), vp.get(), data_score.get())),
                    Catch::Contains("Jacobian-vector product"));
  CHECK_THROWS_WITH(sgm::test::make<sgm::Metric>("nll", {}, context(ds.get(), vp.get())),
                    Catch::Contains("[score]"));
}

// ---- score_error -----------------------------------------------------------------------------

TEST_CASE("score_error is 0 for the exact score and positive for wrong ones", "[likelihood]") {
  auto ds = sgm::test::make<sgm::Dataset>("gmm", default_mixture());
  auto other = sgm::test::make<sgm::Dataset>(
      "gmm", {{"weights", DoubleList{0.5, 0.5}},
              {"means", DoubleTable{{-2.0, 0.0}, {2.0, 1.0}}},
              {"covariances", DoubleTable3{{{0.3, 0.0}, {0.0, 0.3}}, {{0.3, 0.0}, {0.0, 0.3}}}}});
  const sgm::SerialExecutor serial;
  const Matrix none(2, 2);
  for (const std::string sde_name : {"vp", "cld"}) {
    CAPTURE(sde_name);
    auto sde = sgm::test::make<sgm::ForwardSde>(sde_name);
    auto exact = sgm::test::make<sgm::ScoreModel>("analytic_gmm", {}, context(ds.get(), sde.get()));
    auto wrong = sgm::test::make<sgm::ScoreModel>("analytic_gmm", {}, context(other.get(), sde.get()));
    const std::map<std::string, Value> p{{"points", std::int64_t{2000}}};
    auto good = sgm::test::make<sgm::Metric>("score_error", p, context(ds.get(), sde.get(), exact.get()));
    auto bad = sgm::test::make<sgm::Metric>("score_error", p, context(ds.get(), sde.get(), wrong.get()));
    const auto g = good->evaluate({none, none, ds.get(), 7, serial});
    const auto b = bad->evaluate({none, none, ds.get(), 7, serial});
    CHECK(value_of(g, "mse") < 1e-12);
    CHECK(value_of(g, "t_3") == 1.0);
    for (int k = 0; k < 4; ++k) CHECK(value_of(g, "mse_" + std::to_string(k)) < 1e-12);
    // The wrong mixture is wrong where the data still matter (small t).
    CHECK(value_of(b, "mse_0") > 10.0 * value_of(b, "mse_0_stderr"));
    CHECK(value_of(b, "mse") > 0.1);
    CHECK(value_of(b, "relative_mse") > 0.01);
  }
  // data_score ignores t: right only as t -> 0.
  auto vp = sgm::test::make<sgm::ForwardSde>("vp");
  auto data_score = sgm::test::make<sgm::ScoreModel>("data_score", {}, context(ds.get(), vp.get()));
  auto m = sgm::test::make<sgm::Metric>("score_error", {{"times", DoubleList{0.001, 0.5}}},
                                        context(ds.get(), vp.get(), data_score.get()));
  const auto v = m->evaluate({none, none, ds.get(), 7, serial});
  CHECK(value_of(v, "relative_mse_1") > 0.5);
  CHECK(value_of(v, "relative_mse_0") < value_of(v, "relative_mse_1"));
  // Data without a known law are refused.
  auto roll = sgm::test::make<sgm::Dataset>("swiss_roll");
  CHECK_THROWS_WITH(sgm::test::make<sgm::Metric>("score_error", {}, context(roll.get(), vp.get(), data_score.get())),
                    Catch::Contains("Gaussian mixture"));
}
