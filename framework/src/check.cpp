// check.cpp: the conformance checks behind `sgm check` (issue 7). Tolerances are sized from
// standard errors (5 s.e.) plus a stated discretisation allowance.
#include "sgm/host/check.hpp"

#include <cmath>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <sgm/sgm.hpp>

#include "sgm/host/param_validation.hpp"

namespace sgm::host {

namespace {

constexpr Eigen::Index kParticles = 20000;

struct Checker {
  const ComponentRegistry& registry;
  const Component& component;
  std::uint64_t seed;
  CheckReport report;

  void add(const std::string& check, Verdict v, const std::string& detail) {
    report.lines.push_back({check, v, detail});
  }
  void expect(const std::string& check, bool ok, const std::string& detail, Verdict otherwise = Verdict::fail) {
    add(check, ok ? Verdict::pass : otherwise, detail);
  }

  // ---- fixtures: in-tree components configured for a check --------------------------------
  template <class I>
  std::shared_ptr<I> fixture(const std::string& name, const std::map<std::string, Value>& given,
                             const Context& ctx) const {
    const Component* c = registry.find(I::kind, name);
    if (!c) return nullptr;
    std::vector<ParamIssue> issues;
    const Params p = resolve_params(c->info.spec, given, issues);
    if (!issues.empty()) return nullptr;
    return registry.create<I>(name, p, ctx);
  }
  // Gaussian data N(2, 0.25) in 1-D (MATH.md §6 test problem), or a 2-D two-component mixture.
  std::shared_ptr<Dataset> gaussian_1d() const {
    return fixture<Dataset>("gmm", {{"weights", DoubleList{1.0}}, {"means", DoubleTable{{2.0}}},
                                    {"covariances", DoubleTable3{{{0.25}}}}}, {});
  }
  std::shared_ptr<Dataset> mixture_2d() const {
    return fixture<Dataset>("gmm", {{"weights", DoubleList{0.4, 0.6}},
                                    {"means", DoubleTable{{-1.0, 0.5}, {1.5, -0.5}}},
                                    {"covariances", DoubleTable3{{{0.3, 0.1}, {0.1, 0.2}}, {{0.2, 0.0}, {0.0, 0.4}}}}},
                            {});
  }
  Params own_defaults(bool& ok) {
    std::vector<ParamIssue> issues;
    Params p = resolve_params(component.info.spec, {}, issues);
    ok = issues.empty();
    return p;
  }

  // ---- schema --------------------------------------------------------------------------------
  void check_schema() {
    const ParamSpec& s = component.info.spec;
    std::string undocumented;
    for (const auto& d : s.params())
      if (d.doc.empty()) undocumented += " " + d.key;
    expect("describes itself", !s.description().empty() && undocumented.empty(),
           undocumented.empty() ? fmt::format("{} parameter(s), all documented", s.params().size())
                                : "undocumented:" + undocumented);
    std::string bad;
    for (const auto& d : s.params()) {
      if (d.required()) continue;
      const std::string text = to_toml_text(*d.default_value);
      std::string why;
      std::optional<Value> back;
      try {
        const toml::table t = toml::parse("v = " + text);
        if (auto v = value_from_toml(*t.get("v"), why)) back = coerce(*v, d.type);
      } catch (const std::exception& e) {
        why = e.what();
      }
      if (!back || *back != *d.default_value) bad += fmt::format(" {} ({})", d.key, text);
      else if (const double* v = std::get_if<double>(&*back); v && !d.check_range(*v).empty())
        bad += fmt::format(" {} (default outside its range {})", d.key, d.range_text());
    }
    expect("defaults round-trip", bad.empty(), bad.empty() ? "every default reads back exactly and is in range" : "bad:" + bad);
    if (s.example().empty()) {
      add("example stage", Verdict::warn, "no example stage in params()");
      return;
    }
    try {
      const toml::table t = toml::parse(s.example());
      const toml::table* stage = nullptr;
      t.for_each([&](const toml::key&, const auto& node) {
        if constexpr (toml::is_table<decltype(node)>) {
          auto visit = [&](const toml::table& tab, auto&& self) -> void {
            if (auto p = tab.get_as<std::string>("plugin"); p && p->get() == s.name()) stage = &tab;
            for (const auto& [k, n] : tab)
              if (const toml::table* sub = n.as_table()) self(*sub, self);
          };
          visit(node, visit);
        }
      });
      if (!stage) {
        add("example stage", Verdict::fail, "no table with plugin = \"" + s.name() + "\" in the example");
        return;
      }
      std::map<std::string, Value> given;
      for (const auto& [k, n] : *stage) {
        if (k.str() == "plugin") continue;
        std::string why;
        if (auto v = value_from_toml(n, why)) given.emplace(std::string(k.str()), *v);
      }
      std::vector<ParamIssue> issues;
      resolve_params(s, given, issues);
      std::string msg;
      for (const auto& i : issues) msg += " " + i.message + ";";
      expect("example stage", issues.empty(), issues.empty() ? "validates against the schema" : msg);
    } catch (const std::exception& e) {
      add("example stage", Verdict::fail, std::string("does not parse: ") + e.what());
    }
  }

  // ---- SDEs ------------------------------------------------------------------------------------
  void check_sde(const ForwardSde& sde) {
    const int b = sde.blocks();
    const double t0 = sde.t_min(), t1 = sde.t_max();
    expect("time interval", std::isfinite(t0) && std::isfinite(t1) && 0 <= t0 && t0 < t1,
           fmt::format("[t_min, t_max] = [{}, {}]", t0, t1));
    // Coefficients finite over [t_min, t_max], and G Gᵀ consistent with G (built column by column).
    Matrix x(16, b), out(16, b);
    RowRng rng(seed, streams::data, 0, 16);
    rng.normal(x);
    if (sde.diffusion_depends_on_state()) {
      bool finite = true;
      for (int k = 0; k <= 10; ++k) {
        const double t = t0 + (t1 - t0) * k / 10.0;
        sde.drift(x, t, out);
        finite = finite && out.allFinite();
        sde.diffusion_apply_at(x, x, t, out);
        finite = finite && out.allFinite();
      }
      expect("finite coefficients", finite, "drift and G(x, t) z finite at 11 times in [t_min, t_max]");
      add("kernel vs forward EM", Verdict::skip, "state-dependent noise (forward-only SDE)");
      return;
    }
    bool finite = true;
    double gg_err = 0;
    for (int k = 0; k <= 10; ++k) {
      const double t = t0 + (t1 - t0) * k / 10.0;
      sde.drift(x, t, out);
      finite = finite && out.allFinite();
      sde.diffusion_apply(x, t, out);
      finite = finite && out.allFinite();
      Matrix eye = Matrix::Identity(b, b), g(b, b), ggt(b, b);
      sde.diffusion_apply(eye, t, g);  // row j = G e_j (rows are particles)
      sde.diffusion_squared_apply(eye, t, ggt);
      const Matrix gm = g.transpose();  // columns G e_j
      gg_err = std::max(gg_err, (gm * gm.transpose() - ggt.transpose()).cwiseAbs().maxCoeff() /
                                    std::max(1.0, ggt.cwiseAbs().maxCoeff()));
    }
    expect("finite coefficients", finite, "drift and diffusion finite at 11 times in [t_min, t_max]");
    expect("G Gᵀ matches G", gg_err < 1e-10, fmt::format("max relative difference {:.2e}", gg_err));
    if (!sde.is_linear()) {
      add("kernel vs forward EM", Verdict::skip, "not a linear SDE (no closed-form kernel)");
      return;
    }
    for (double frac : {0.1, 1.0}) kernel_vs_em(sde, t0 + frac * (t1 - t0));
    prior_vs_kernel(sde);
  }

  // Forward EM from the deterministic state u0 = (1, 0, ...) with fine steps; moments vs kernel.
  void kernel_vs_em(const ForwardSde& sde, double t) {
    const int b = sde.blocks();
    const int steps = 2000;
    const double h = t / steps;
    Matrix u = Matrix::Zero(kParticles, b), f(kParticles, b), z(kParticles, b), gz(kParticles, b);
    u.col(0).setOnes();
    RowRng rng(seed, streams::integrator, 0, kParticles);
    for (int k = 0; k < steps; ++k) {
      const double s = k * h;
      sde.drift(u, s, f);
      rng.normal(z);
      sde.diffusion_apply(z, s, gz);
      u += h * f + std::sqrt(h) * gz;
    }
    const LinearKernel kern = sde.kernel(t);
    Eigen::VectorXd u0 = Eigen::VectorXd::Zero(b);
    u0[0] = 1.0;
    const Eigen::VectorXd mean = kern.mean_map * u0;
    const Eigen::RowVectorXd m = u.colwise().mean();
    const Matrix c = (u.rowwise() - m).transpose() * (u.rowwise() - m) / double(kParticles - 1);
    double worst = 0;  // in units of the allowed deviation
    std::string detail;
    for (int i = 0; i < b; ++i) {
      const double se = std::sqrt(std::max(kern.cov(i, i), 1e-300) / kParticles);
      // 5 s.e. + 2% of the scale for EM's O(h) bias with 2000 steps.
      const double tol = 5 * se + 0.02 * std::max(std::abs(mean[i]), std::sqrt(kern.cov(i, i))) + 1e-12;
      worst = std::max(worst, std::abs(m[i] - mean[i]) / tol);
      for (int j = 0; j < b; ++j) {
        const double se_c = std::sqrt((kern.cov(i, i) * kern.cov(j, j) + kern.cov(i, j) * kern.cov(i, j)) / kParticles);
        const double tol_c = 5 * se_c + 0.02 * std::sqrt(kern.cov(i, i) * kern.cov(j, j)) + 1e-12;
        worst = std::max(worst, std::abs(c(i, j) - kern.cov(i, j)) / tol_c);
      }
      detail += fmt::format("{}mean {:.5g} vs {:.5g}, var {:.5g} vs {:.5g}", i ? "; " : "", m[i], mean[i], c(i, i), kern.cov(i, i));
    }
    expect(fmt::format("kernel vs forward EM (t={:.3g})", t), worst <= 1.0,
           detail + fmt::format(" (worst {:.2f} of the tolerance 5 s.e. + 2%)", worst));
  }

  // The prior against p_T for standard-normal data: a mismatch is a modelling choice (warn).
  void prior_vs_kernel(const ForwardSde& sde) {
    const int b = sde.blocks();
    Matrix p(kParticles, b);
    RowRng rng(seed, streams::prior, 0, kParticles);
    sde.prior_sample(p, rng);
    const LinearKernel k = sde.kernel(sde.t_max());
    Eigen::MatrixXd c0 = sde.initial_block_cov();
    c0(0, 0) += 1.0;  // unit-variance data
    const Eigen::MatrixXd pt = k.mean_map * c0 * k.mean_map.transpose() + k.cov;
    const Eigen::RowVectorXd m = p.colwise().mean();
    const Matrix c = (p.rowwise() - m).transpose() * (p.rowwise() - m) / double(kParticles - 1);
    const double rel = (c - pt).cwiseAbs().maxCoeff() / pt.cwiseAbs().maxCoeff();
    Eigen::VectorXd lp(kParticles);
    sde.prior_log_density(p, lp);
    add("prior vs p_T", !lp.allFinite() ? Verdict::fail : rel < 0.05 ? Verdict::pass : Verdict::warn,
        fmt::format("prior variance {:.5g} vs p_T {:.5g} for N(0,1) data (relative difference {:.3f}); "
                    "log-density finite: {}",
                    c(0, 0), pt(0, 0), rel, lp.allFinite() ? "yes" : "NO"));
  }

  // ---- integrators -----------------------------------------------------------------------------
  struct Moments {
    double mean, var;
  };
  Moments run_integrator(const Integrator& in, const ForwardSde& sde, const ScoreModel* score,
                         const Dataset& data) {
    const int d = data.dim();
    Matrix u(kParticles, sde.state_dim(d));
    RowRng prior(seed, streams::prior, 0, kParticles);
    if (in.direction() == Direction::reverse) {
      sde.prior_sample(u, prior);
    } else {
      Matrix x(kParticles, d);
      data.sample(x, prior);
      RowRng lift(seed, streams::lift, 0, kParticles);
      sde.lift(x, u, lift);
    }
    RowRng noise(seed, streams::integrator, 0, kParticles);
    NullProgress progress;
    in.integrate(u, sde, score, noise, progress);
    const Eigen::VectorXd x = u.col(0);
    const double m = x.mean();
    return {m, (x.array() - m).square().sum() / double(kParticles - 1)};
  }

  void check_integrator() {
    auto data = gaussian_1d();
    if (!data) {
      add("reaches the data", Verdict::skip, "needs the in-tree gmm dataset");
      return;
    }
    Context ctx{seed, data.get(), nullptr, nullptr, nullptr};
    std::shared_ptr<ForwardSde> sde = fixture<ForwardSde>("vp", {}, ctx);
    ctx.sde = sde.get();
    std::shared_ptr<ScoreModel> score = sde ? fixture<ScoreModel>("analytic_gmm", {}, ctx) : nullptr;
    ctx.score = score.get();
    if (!sde || !score) {
      add("reaches the data", Verdict::skip, "needs the in-tree vp SDE and analytic_gmm score");
      return;
    }
    bool ok_defaults = false;
    const Params defaults = own_defaults(ok_defaults);
    if (!ok_defaults) {
      add("reaches the data", Verdict::skip, "has required parameters");
      return;
    }
    std::shared_ptr<Integrator> in;
    try {
      in = registry.create<Integrator>(component.info.spec.name(), defaults, ctx);
    } catch (const std::exception& e) {
      add("reaches the data", Verdict::skip, std::string("refuses the vp SDE: ") + e.what());
      return;
    }
    if (in->direction() == Direction::forward) {
      const Moments f = run_integrator(*in, *sde, nullptr, *data);
      expect("forward integration", std::isfinite(f.mean) && std::isfinite(f.var),
             fmt::format("from N(2, 0.25) to mean {:.4g}, variance {:.4g}", f.mean, f.var));
      return;
    }
    // Gaussian data N(2, 0.25): 5 s.e. of the sample moments + 0.02 for discretisation.
    const double se_m = std::sqrt(0.25 / kParticles), se_v = 0.25 * std::sqrt(2.0 / kParticles);
    const Moments r = run_integrator(*in, *sde, score.get(), *data);
    const double em = std::abs(r.mean - 2.0), ev = std::abs(r.var - 0.25);
    expect("reaches the data", em < 5 * se_m + 0.02 && ev < 5 * se_v + 0.02,
           fmt::format("N(2, 0.25) data, vp, exact score, default settings: mean {:.4f}, variance {:.4f}", r.mean, r.var));
    if (!component.info.spec.find("steps")) {
      add("error shrinks with steps", Verdict::skip, "no 'steps' parameter");
      return;
    }
    // Errors at 8, 16, 32 steps with common random numbers; fitted order of the total error.
    std::vector<double> errors;
    for (std::int64_t n : {8, 16, 32}) {
      Params p = defaults;
      p.set("steps", Value{n});
      const auto coarse = registry.create<Integrator>(component.info.spec.name(), p, ctx);
      const Moments m = run_integrator(*coarse, *sde, score.get(), *data);
      errors.push_back(std::abs(m.mean - 2.0) + std::abs(m.var - 0.25));
    }
    const double order = std::log2(errors[0] / errors[2]) / 2.0;
    const double floor = 5 * (se_m + se_v);
    const std::string detail = fmt::format("|mean err| + |var err| at 8/16/32 steps: {:.4g} {:.4g} {:.4g}; fitted order {:.2f}",
                                           errors[0], errors[1], errors[2], order);
    if (errors[0] < floor) add("error shrinks with steps", Verdict::warn, detail + " (already at the noise floor)");
    else expect("error shrinks with steps", errors[2] < errors[0], detail);
  }

  // ---- score models ----------------------------------------------------------------------------
  void check_score() {
    auto data = mixture_2d();
    if (!data) {
      add("DSM identity", Verdict::skip, "needs the in-tree gmm dataset");
      return;
    }
    Context ctx{seed, data.get(), nullptr, nullptr, nullptr};
    auto sde = fixture<ForwardSde>("vp", {}, ctx);
    ctx.sde = sde.get();
    bool ok = false;
    const Params defaults = own_defaults(ok);
    std::shared_ptr<ScoreModel> s;
    try {
      if (!ok || !sde) throw Error("required parameters or no vp SDE");
      s = registry.create<ScoreModel>(component.info.spec.name(), defaults, ctx);
    } catch (const std::exception& e) {
      add("DSM identity", Verdict::skip, std::string("cannot build with a 2-D gmm and vp: ") + e.what());
      return;
    }
    // x_t = m x0 + σ z; the DSM loss E‖c·s(x_t) + z/σ‖² is minimised at c* = 1 by the true score.
    const double t = 0.3;
    const LinearKernel k = sde->kernel(t);
    const double m = k.mean_scale(), sd = std::sqrt(k.variance());
    Matrix x0(kParticles, 2), z(kParticles, 2), out(kParticles, 2);
    RowRng r1(seed, streams::data, 0, kParticles), r2(seed, streams::integrator, 0, kParticles);
    data->sample(x0, r1);
    r2.normal(z);
    const Matrix xt = m * x0 + sd * z;
    s->score(xt, t, out);
    expect("finite output", out.allFinite(), "score finite on 20000 perturbed data points");
    const Eigen::VectorXd num = -(out.array() * z.array() / sd).rowwise().sum();
    const Eigen::VectorXd den = out.rowwise().squaredNorm();
    const double cstar = num.mean() / den.mean();
    const double se = std::sqrt((num.array() - num.mean()).square().mean() / kParticles) / den.mean();
    add("DSM identity", std::abs(cstar - 1) < 5 * se + 0.02 ? Verdict::pass : Verdict::warn,
        fmt::format("optimal scale of s in the DSM loss at t={}: c* = {:.4f} ± {:.4f} (1 for the score of p_t)", t, cstar, se));
    // A score is a gradient: its Jacobian is symmetric (central differences).
    double asym = 0;
    const double eps = 1e-5;
    Matrix p(1, 2), sp(1, 2), sm(1, 2);
    for (int i = 0; i < 20; ++i) {
      Eigen::Matrix2d jac;
      for (int j = 0; j < 2; ++j) {
        p = xt.row(i);
        p(0, j) += eps;
        s->score(p, t, sp);
        p(0, j) -= 2 * eps;
        s->score(p, t, sm);
        jac.col(j) = ((sp - sm) / (2 * eps)).transpose();
      }
      asym = std::max(asym, std::abs(jac(0, 1) - jac(1, 0)) / std::max(1.0, jac.cwiseAbs().maxCoeff()));
    }
    add("conservative field", asym < 1e-4 ? Verdict::pass : Verdict::warn,
        fmt::format("Jacobian asymmetry {:.2e} at 20 points (a true score has a symmetric Jacobian)", asym));
  }

  // ---- metrics ---------------------------------------------------------------------------------
  void check_metric() {
    bool ok = false;
    const Params defaults = own_defaults(ok);
    auto data = mixture_2d();
    std::shared_ptr<Metric> metric;
    try {
      if (!ok) throw Error("has required parameters");
      metric = registry.create<Metric>(component.info.spec.name(), defaults, Context{seed, data.get(), nullptr, nullptr, nullptr});
    } catch (const std::exception& e) {
      add("identical samples", Verdict::skip, e.what());
      return;
    }
    const Eigen::Index n = 500;
    Matrix x(n, 2), y(n, 2);
    RowRng r1(seed, streams::reference, 0, n), r2(seed, streams::baseline, 0, n);
    if (data) {
      data->sample(x, r1);
      data->sample(y, r2);
    } else {
      r1.normal(x);
      r2.normal(y);
    }
    const Matrix shifted = x.array() + 3.0;
    SerialExecutor ex;
    MetricValues same, moved, xy, yx;
    try {
      same = metric->evaluate({x, x, data.get(), seed, ex});
      moved = metric->evaluate({shifted, x, data.get(), seed, ex});
      xy = metric->evaluate({x, y, data.get(), seed, ex});
      yx = metric->evaluate({y, x, data.get(), seed, ex});
    } catch (const std::exception& e) {
      add("identical samples", Verdict::warn, std::string("throws on 2-D mixture samples: ") + e.what());
      return;
    }
    bool finite = !same.empty();
    for (const auto& [k, v] : same) finite = finite && std::isfinite(v);
    std::string s;
    for (const auto& [k, v] : same) s += fmt::format(" {}={:.3g}", k, v);
    expect("identical samples", finite, "finite values:" + s);
    bool changed = false;
    for (std::size_t i = 0; i < same.size() && i < moved.size(); ++i)
      changed = changed || std::abs(moved[i].second - same[i].second) > 1e-6 * (1 + std::abs(same[i].second));
    expect("sees a shift by 3", changed, "some value changes when the samples are shifted by (3, 3)");
    bool symmetric = xy.size() == yx.size();
    for (std::size_t i = 0; symmetric && i < xy.size(); ++i)
      symmetric = std::abs(xy[i].second - yx[i].second) <= 1e-9 * (1 + std::abs(xy[i].second));
    add("symmetric", symmetric ? Verdict::pass : Verdict::warn,
        symmetric ? "d(x, y) = d(y, x)" : "d(x, y) != d(y, x) (fine if the metric is not symmetric by design)");
    if (const auto* streaming = dynamic_cast<const StreamingMetric*>(metric.get()))
      check_streaming(*streaming, x, y, xy, data.get(), ex);
  }

  /// A streaming metric fed in uneven chunks must give exactly the bits of evaluate(), or a
  /// run's numbers would depend on run.stream.
  void check_streaming(const StreamingMetric& metric, const Matrix& x, const Matrix& y,
                       const MetricValues& whole, const Dataset* data, const Executor& ex) {
    MetricValues chunked;
    try {
      const Matrix none(0, x.cols());
      auto acc = metric.accumulate({none, y, data, seed, ex});
      for (const auto& [first, rows] : {std::pair<Eigen::Index, Eigen::Index>{0, 1}, {1, 170}, {171, 329}})
        acc->add(x.middleRows(first, rows), static_cast<std::uint64_t>(first));
      chunked = acc->finish();
    } catch (const std::exception& e) {
      add("streams", Verdict::fail, std::string("accumulate/add/finish throws: ") + e.what());
      return;
    }
    bool same = chunked.size() == whole.size();
    for (std::size_t i = 0; same && i < whole.size(); ++i)
      same = chunked[i].first == whole[i].first &&
             (chunked[i].second == whole[i].second || (std::isnan(chunked[i].second) && std::isnan(whole[i].second)));
    expect("streams", same, "chunks of 1, 170 and 329 rows give evaluate()'s values, bit for bit");
  }

  // ---- datasets --------------------------------------------------------------------------------
  void check_dataset() {
    bool ok = false;
    const Params defaults = own_defaults(ok);
    std::shared_ptr<Dataset> d;
    try {
      if (!ok) throw Error("has required parameters");
      d = registry.create<Dataset>(component.info.spec.name(), defaults, Context{seed});
    } catch (const std::exception& e) {
      add("samples", Verdict::skip, e.what());
      return;
    }
    Matrix whole(64, d->dim()), halves(64, d->dim());
    RowRng all(seed, streams::data, 0, 64), lo(seed, streams::data, 0, 32), hi(seed, streams::data, 32, 32);
    d->sample(whole, all);
    d->sample(halves.topRows(32), lo);
    d->sample(halves.bottomRows(32), hi);
    expect("samples", whole.allFinite(), fmt::format("64 finite samples of dimension {}", d->dim()));
    expect("chunk invariance", whole == halves, "rows drawn in one block or two are bit-identical");
    if (!d->has_density()) {
      add("score = ∇ log p", Verdict::skip, "no exact density");
      return;
    }
    Matrix s(64, d->dim()), xp(1, d->dim());
    d->score(whole, s);
    Eigen::VectorXd lp(1), lm(1);
    double worst = 0;
    for (Eigen::Index i = 0; i < 16; ++i)
      for (Eigen::Index j = 0; j < d->dim(); ++j) {
        xp = whole.row(i);
        const double h = 1e-5 * std::max(1.0, std::abs(xp(0, j)));
        xp(0, j) += h;
        d->log_density(xp, lp);
        xp(0, j) -= 2 * h;
        d->log_density(xp, lm);
        const double fd = (lp[0] - lm[0]) / (2 * h);
        worst = std::max(worst, std::abs(fd - s(i, j)) / std::max(1.0, std::abs(fd)));
      }
    expect("score = ∇ log p", worst < 1e-5, fmt::format("max relative difference to central differences {:.2e}", worst));
  }
};

const char* verdict_text(Verdict v) {
  switch (v) {
    case Verdict::pass: return "PASS";
    case Verdict::warn: return "WARN";
    case Verdict::fail: return "FAIL";
    case Verdict::skip: return "SKIP";
  }
  return "?";
}

}  // namespace

int CheckReport::count(Verdict v) const {
  int n = 0;
  for (const auto& l : lines) n += l.verdict == v;
  return n;
}

std::string CheckReport::text() const {
  std::string out = component + "\n";
  for (const auto& l : lines) out += fmt::format("  {}  {:<30} {}\n", verdict_text(l.verdict), l.check, l.detail);
  out += fmt::format("  -> {} pass, {} warn, {} fail, {} skipped\n", count(Verdict::pass),
                     count(Verdict::warn), count(Verdict::fail), count(Verdict::skip));
  return out;
}

CheckReport check_component(const ComponentRegistry& r, const Component& c, std::uint64_t seed) {
  Checker ch{r, c, seed, {}};
  ch.report.component = fmt::format("{} ({}, {})", c.info.spec.name(), to_string(c.info.kind), c.file);
  ch.check_schema();
  try {
    switch (c.info.kind) {
      case ComponentKind::dataset: ch.check_dataset(); break;
      case ComponentKind::sde: {
        bool ok = false;
        const Params p = ch.own_defaults(ok);
        if (!ok) {
          ch.add("construct", Verdict::skip, "has required parameters");
          break;
        }
        auto data = ch.gaussian_1d();
        const auto sde = r.create<ForwardSde>(c.info.spec.name(), p, Context{seed, data.get()});
        ch.check_sde(*sde);
        break;
      }
      case ComponentKind::score: ch.check_score(); break;
      case ComponentKind::integrator: ch.check_integrator(); break;
      case ComponentKind::metric: ch.check_metric(); break;
      case ComponentKind::objective:
        ch.add("construct", Verdict::skip, "objectives are checked by the training tests");
        break;
    }
  } catch (const std::exception& e) {
    ch.add("runs without throwing", Verdict::fail, e.what());
  }
  return ch.report;
}

}  // namespace sgm::host
