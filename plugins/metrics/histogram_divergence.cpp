// histogram_divergence.cpp: total variation and Kullback–Leibler divergence between histograms
// of the generated samples and of the reference (samples or the dataset's exact density), in 1-D
// and 2-D (MATH.md §7 "kl/tv hist"; seed 000 §4.3).
//
//   Cells: `bins` equal cells per axis on [low, high] (a value equal to high goes to the last
//   cell), plus one overflow cell for every point outside the box (so mass that leaves the box is
//   counted, not dropped). P = sample frequencies; Q = reference frequencies (reference =
//   "samples") or the density's cell masses (reference = "density": midpoint rule with
//   `quadrature` points per axis per cell; overflow mass = max(0, 1 − Σ inside), then Q is
//   renormalised).
//   TV = ½ Σ_c |P_c − Q_c|  on the raw frequencies.
//   KL = KL(P ‖ Q) = Σ_c P̃_c log(P̃_c / Q̃_c), where P̃, Q̃ add `smoothing` pseudo-counts to every
//   cell of each sample histogram before normalising (Krichevsky–Trofimov add-½ by default), so
//   that an empty reference cell does not make KL infinite; the exact-density Q is not smoothed.
//   Cells with P̃_c = 0 contribute 0. With smoothing = 0 an occupied cell with Q_c = 0 gives
//   KL = +inf. "empty_reference_cells" counts occupied sample cells whose raw Q_c is 0.
//   Note: both are divergences between binned laws; they are ≤ the continuous ones and, between
//   two finite samples, biased upwards by the binning noise (≈ cells/(2n) for KL).
//   Reported: "tv", "kl", "outside_fraction" (of samples), "empty_reference_cells".
//   Streams (sgm::StreamingMetric): cell counts are integers, exact at any chunking.
//
// Example stage:
//   [evaluate.hist]
//   plugin = "histogram_divergence"
//   bins = 50
//   low = -5.0
//   high = 5.0
//   reference = "density"
#include <sgm/dataset.hpp>
#include <sgm/metric.hpp>
#include <sgm/metric_checks.hpp>
#include <sgm/params.hpp>
#include <sgm/plugin.hpp>
#include <sgm/registry.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace sgm::plugins::metrics {

/// Histogram TV and KL; see the file header.
class HistogramDivergence final : public sgm::Metric, public sgm::StreamingMetric {
 public:
  static sgm::ParamSpec params() {
    sgm::ParamSpec p{"histogram_divergence",
                     "TV and KL between histograms of samples and of the reference or exact density"};
    p.add<std::int64_t>("bins", 50, "cells per axis").range(1, 4096);
    p.add<double>("low", -5.0, "lower edge of the box on every axis");
    p.add<double>("high", 5.0, "upper edge of the box on every axis");
    p.add<std::string>("reference", "samples",
                       "compare with the reference samples or with the dataset's exact density")
        .choices({"samples", "density"});
    p.add<double>("smoothing", 0.5, "pseudo-count added to every cell of sample histograms (KL only)")
        .min(0.0);
    p.add<std::int64_t>("quadrature", 4, "midpoint-rule points per axis per cell (density)").range(1, 64);
    p.example("[evaluate.hist]\nplugin = \"histogram_divergence\"\nbins = 50\nlow = -5.0\n"
              "high = 5.0\nreference = \"density\"");
    return p;
  }

  explicit HistogramDivergence(const sgm::Params& p)
      : bins_{p.get<std::int64_t>("bins")},
        low_{p.get<double>("low")},
        high_{p.get<double>("high")},
        density_{p.get<std::string>("reference") == "density"},
        smoothing_{p.get<double>("smoothing")},
        quadrature_{p.get<std::int64_t>("quadrature")} {
    if (!(high_ > low_)) throw Error("histogram_divergence: need low < high");
  }

  // Documentation inherited.
  sgm::MetricValues evaluate(const sgm::MetricInput& in) const override {
    return sgm::evaluate_in_one_chunk(*this, in);
  }

  std::unique_ptr<sgm::MetricAccumulator> accumulate(const sgm::MetricInput& in) const override;

  /// The reference's cell frequencies q (raw, for TV) and smoothed (for KL); the last cell is
  /// the overflow.
  struct Reference {
    Eigen::Index dim = 0;
    std::vector<double> q, q_smooth;
  };
  Reference reference(const sgm::MetricInput& in) const {
    const std::string name = "histogram_divergence";
    Reference r;
    if (density_) {
      if (in.dataset == nullptr || !in.dataset->has_density())
        throw Error("histogram_divergence: reference = \"density\" needs a dataset with a density");
      r.dim = in.dataset->dim();
      check_dim(r.dim);
      r.q = density_masses(*in.dataset, r.dim, in.executor);
      r.q_smooth = r.q;
      return r;
    }
    check_points(in.reference, name, "reference");
    r.dim = in.reference.cols();
    check_dim(r.dim);
    const std::vector<double> q_counts = counts(in.reference, in.executor);
    const double m = static_cast<double>(in.reference.rows());
    const double cells = static_cast<double>(q_counts.size());
    for (const double c : q_counts) {
      r.q.push_back(c / m);
      r.q_smooth.push_back((c + smoothing_) / (m + smoothing_ * cells));
    }
    return r;
  }

  /// TV, KL and the outside fraction from the samples' cell counts (see the file header).
  sgm::MetricValues divergences(const std::vector<double>& p_counts, double n, const Reference& r) const {
    const std::size_t total_cells = p_counts.size();
    double tv = 0.0, kl = 0.0, empty = 0.0;
    const double p_norm = n + smoothing_ * static_cast<double>(total_cells);
    for (std::size_t c = 0; c < total_cells; ++c) {
      const double pc = p_counts[c] / n;
      tv += std::fabs(pc - r.q[c]);
      if (p_counts[c] > 0.0 && r.q[c] == 0.0) empty += 1.0;
      const double ps = (p_counts[c] + smoothing_) / p_norm;
      if (ps > 0.0)
        kl += r.q_smooth[c] > 0.0 ? ps * std::log(ps / r.q_smooth[c]) : std::numeric_limits<double>::infinity();
    }
    return {{"tv", 0.5 * tv},
            {"kl", kl},
            {"outside_fraction", p_counts[total_cells - 1] / n},
            {"empty_reference_cells", empty}};
  }

  /// Counts per cell (last = overflow), in fixed row blocks combined in block order; integer
  /// valued, so sums of chunks are exact.
  std::vector<double> counts(CRef x, const Executor& ex) const {
    const std::int64_t cells = x.cols() == 1 ? bins_ : bins_ * bins_;
    const auto total = static_cast<std::size_t>(cells + 1);
    constexpr std::size_t grain = 8192;
    const auto n = static_cast<std::size_t>(x.rows());
    std::vector<std::vector<double>> part((n + grain - 1) / grain);
    ex.for_blocks(n, grain, [&](std::size_t b, std::size_t e) {
      std::vector<double>& h = part[b / grain];
      h.assign(total, 0.0);
      for (std::size_t i = b; i < e; ++i) {
        const auto r = static_cast<Eigen::Index>(i);
        std::int64_t c = axis_cell(x(r, 0));
        if (c >= 0 && x.cols() == 2) {
          const std::int64_t c2 = axis_cell(x(r, 1));
          c = c2 < 0 ? -1 : c * bins_ + c2;
        }
        h[c < 0 ? total - 1 : static_cast<std::size_t>(c)] += 1.0;
      }
    });
    std::vector<double> h(total, 0.0);
    for (const auto& ph : part)
      for (std::size_t c = 0; c < total; ++c) h[c] += ph[c];
    return h;
  }

 private:
  /// Cell of one axis value, or −1 outside [low, high].
  std::int64_t axis_cell(double v) const {
    if (!(v >= low_ && v <= high_)) return -1;
    const auto c = static_cast<std::int64_t>((v - low_) / (high_ - low_) * static_cast<double>(bins_));
    return std::min(c, bins_ - 1);
  }

  static void check_dim(Eigen::Index d) {
    if (d < 1 || d > 2)
      throw Error("histogram_divergence: only 1-D and 2-D data, got dimension " + std::to_string(d));
  }

  /// Density mass per cell by the midpoint rule; overflow = max(0, 1 − inside); normalised.
  std::vector<double> density_masses(const Dataset& ds, Eigen::Index d, const Executor& ex) const {
    const std::int64_t cells = d == 1 ? bins_ : bins_ * bins_;
    const double width = (high_ - low_) / static_cast<double>(bins_);
    const std::int64_t qn = quadrature_;
    const double h = width / static_cast<double>(qn);
    const std::int64_t per_cell = d == 1 ? qn : qn * qn;
    const double cell_weight = std::pow(h, static_cast<double>(d));
    std::vector<double> mass(static_cast<std::size_t>(cells + 1), 0.0);
    ex.for_blocks(static_cast<std::size_t>(cells), 16, [&](std::size_t b, std::size_t e) {
      Matrix pts(per_cell, d);
      Eigen::VectorXd logp(per_cell);
      for (std::size_t c = b; c < e; ++c) {
        const auto ci = static_cast<std::int64_t>(c);
        const std::int64_t ix = d == 1 ? ci : ci / bins_, iy = d == 1 ? 0 : ci % bins_;
        for (std::int64_t a = 0; a < per_cell; ++a) {
          const std::int64_t qa = d == 1 ? a : a / qn, qb = d == 1 ? 0 : a % qn;
          pts(a, 0) = low_ + static_cast<double>(ix) * width + (static_cast<double>(qa) + 0.5) * h;
          if (d == 2) pts(a, 1) = low_ + static_cast<double>(iy) * width + (static_cast<double>(qb) + 0.5) * h;
        }
        ds.log_density(pts, logp);
        mass[c] = logp.array().exp().sum() * cell_weight;
      }
    });
    double inside = 0.0;
    for (std::int64_t c = 0; c < cells; ++c) inside += mass[static_cast<std::size_t>(c)];
    mass.back() = std::max(0.0, 1.0 - inside);
    const double total = inside + mass.back();
    for (double& v : mass) v /= total;
    return mass;
  }

  std::int64_t bins_;
  double low_, high_;
  bool density_;
  double smoothing_;
  std::int64_t quadrature_;
};

/// The samples' cell counts, chunk by chunk; the reference side is computed up front.
class HistogramCounts final : public sgm::MetricAccumulator {
 public:
  HistogramCounts(const HistogramDivergence& m, const sgm::MetricInput& in)
      : m_(m), ex_(in.executor), ref_(m.reference(in)), counts_(ref_.q.size(), 0.0) {}

  void add(CRef samples, std::uint64_t) override {
    check_points(samples, "histogram_divergence", "samples");
    if (samples.cols() != ref_.dim)
      throw Error("histogram_divergence: samples have dimension " + std::to_string(samples.cols()) +
                  " but the reference has dimension " + std::to_string(ref_.dim));
    const std::vector<double> c = m_.counts(samples, ex_);
    for (std::size_t k = 0; k < c.size(); ++k) counts_[k] += c[k];
    n_ += static_cast<double>(samples.rows());
  }

  sgm::MetricValues finish() override {
    if (n_ == 0) throw Error("histogram_divergence: no samples");
    return m_.divergences(counts_, n_, ref_);
  }

 private:
  const HistogramDivergence& m_;
  const Executor& ex_;
  HistogramDivergence::Reference ref_;
  std::vector<double> counts_;
  double n_ = 0;
};

std::unique_ptr<sgm::MetricAccumulator> HistogramDivergence::accumulate(const sgm::MetricInput& in) const {
  return std::make_unique<HistogramCounts>(*this, in);
}

}  // namespace sgm::plugins::metrics

namespace {
void register_components(sgm::Registry& r) { r.add<sgm::plugins::metrics::HistogramDivergence>(); }
}  // namespace

SGM_PLUGIN("histogram_divergence", "0.1.0", register_components)
