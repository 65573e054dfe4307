// rng.hpp: counter-based random numbers (Philox4x32-10, Salmon et al. SC'11). Every
// (run seed, stream, particle) triple owns an independent sequence, so a particle draws the same
// numbers whichever thread or chunk processes it: results are bit-identical at any thread count.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "sgm/types.hpp"

namespace sgm {

/// Well-known stream ids; plugins may use any other value (e.g. a hash of their name).
namespace streams {
inline constexpr std::uint32_t prior = 1;      // initial states of reverse-time sampling
inline constexpr std::uint32_t data = 2;       // samples drawn from a dataset
inline constexpr std::uint32_t reference = 3;  // reference samples for metrics
inline constexpr std::uint32_t integrator = 4; // noise of SDE integrators
inline constexpr std::uint32_t metric = 5;     // random projections etc.
inline constexpr std::uint32_t baseline = 6;   // a second reference set (data-vs-data floor)
inline constexpr std::uint32_t lift = 7;       // auxiliary variables drawn when lifting data
inline constexpr std::uint32_t init = 8;       // initial weights of trainable models
inline constexpr std::uint32_t objective = 9;  // per-row times, noise, projections of a loss
inline constexpr std::uint32_t minibatch = 10; // which training points form each minibatch
inline constexpr std::uint32_t train_data = 11; // the training set drawn from the dataset
}  // namespace streams

/// The Philox4x32-10 block function: 128-bit counter, 64-bit key, 10 rounds.
inline std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> ctr,
                                               std::array<std::uint32_t, 2> key) {
  constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t{m0} * ctr[0];
    const std::uint64_t p1 = std::uint64_t{m1} * ctr[2];
    ctr = {static_cast<std::uint32_t>(p1 >> 32) ^ ctr[1] ^ key[0], static_cast<std::uint32_t>(p1),
           static_cast<std::uint32_t>(p0 >> 32) ^ ctr[3] ^ key[1], static_cast<std::uint32_t>(p0)};
    key[0] += w0;
    key[1] += w1;
  }
  return ctr;
}

/// One independent stream of random numbers, identified by (seed, stream, particle).
/// Counter layout: [block index, stream, particle low, particle high]; key: the seed.
class Rng {
 public:
  Rng(std::uint64_t seed, std::uint32_t stream, std::uint64_t particle)
      : key_{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)},
        stream_(stream),
        particle_(particle) {}

  /// 64 uniformly distributed bits.
  std::uint64_t next_u64() {
    if (have_ >= 2) refill();
    const std::uint64_t v = (std::uint64_t{block_[2 * have_]} << 32) | block_[2 * have_ + 1];
    ++have_;
    return v;
  }
  /// Uniform in the open interval (0, 1), 53 random bits.
  double uniform() { return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1p-53; }
  /// Standard normal by the ziggurat method (Marsaglia & Tsang 2000, 256 layers), drawing the
  /// layer, the sign and a 53-bit abscissa from disjoint bits of one 64-bit word (Doornik 2005
  /// showed that reusing bits correlates them). ~99% of draws take the first branch.
  double normal() {
    const auto& z = ziggurat();
    for (;;) {
      const std::uint64_t r = next_u64();
      const unsigned layer = static_cast<unsigned>(r & 0xff);
      const bool negative = (r & 0x100) != 0;
      const double x = static_cast<double>(r >> 11) * 0x1p-53 * z.x[layer];
      if (x < z.x[layer + 1]) return negative ? -x : x;
      if (layer == 0) return negative ? -normal_tail(z.x[1]) : normal_tail(z.x[1]);
      // Wedge between the layer's rectangle and the density.
      if (z.f[layer] + uniform() * (z.f[layer + 1] - z.f[layer]) < std::exp(-0.5 * x * x))
        return negative ? -x : x;
    }
  }
  /// Uniform integer in [0, n) (n > 0), by rejection so that it is exactly uniform.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t v;
    do v = next_u64();
    while (v >= limit);
    return v % n;
  }
  /// Fill a vector/row with standard normals.
  template <class Derived>
  void fill_normal(Eigen::DenseBase<Derived>& out) {
    for (Eigen::Index j = 0; j < out.size(); ++j) out.coeffRef(j) = normal();
  }

 private:
  // Layer boundaries x[0] > x[1] = R > ... > x[256] = 0 of equal area V, and f = exp(-x²/2).
  struct ZigguratTables {
    double x[257], f[257];
  };
  static const ZigguratTables& ziggurat() {
    static const ZigguratTables t = [] {
      constexpr double r = 3.6541528853610088, v = 0.00492867323399;  // Marsaglia-Tsang, 256
      ZigguratTables z{};
      const auto f = [](double x) { return std::exp(-0.5 * x * x); };
      z.x[0] = v / f(r);
      z.x[1] = r;
      for (int i = 2; i < 256; ++i) z.x[i] = std::sqrt(-2.0 * std::log(v / z.x[i - 1] + f(z.x[i - 1])));
      z.x[256] = 0.0;
      for (int i = 0; i <= 256; ++i) z.f[i] = f(z.x[i]);
      return z;
    }();
    return t;
  }
  // The tail beyond r by Marsaglia's exponential rejection.
  double normal_tail(double r) {
    for (;;) {
      const double x = -std::log(uniform()) / r;
      const double y = -std::log(uniform());
      if (y + y >= x * x) return r + x;
    }
  }

  void refill() {
    block_ = philox4x32_10({counter_, stream_, static_cast<std::uint32_t>(particle_),
                         static_cast<std::uint32_t>(particle_ >> 32)},
                        key_);
    ++counter_;
    have_ = 0;
  }
  std::array<std::uint32_t, 2> key_;
  std::uint32_t stream_;
  std::uint64_t particle_;
  std::uint32_t counter_ = 0;
  std::array<std::uint32_t, 4> block_{};
  int have_ = 2;
};

/// Streams for a block of rows [first, first + n) of a batch: row i draws from
/// Rng(seed, stream, first + i). Plugins use row(i) so chunking never changes the numbers.
class RowRng {
 public:
  RowRng(std::uint64_t seed, std::uint32_t stream, std::uint64_t first, Eigen::Index n) {
    rows_.reserve(static_cast<std::size_t>(n));
    for (Eigen::Index i = 0; i < n; ++i) rows_.emplace_back(seed, stream, first + i);
  }
  Eigen::Index size() const { return static_cast<Eigen::Index>(rows_.size()); }
  Rng& row(Eigen::Index i) { return rows_[static_cast<std::size_t>(i)]; }
  /// out(i, :) ~ N(0, I) from row i's stream.
  void normal(Ref out) {
    for (Eigen::Index i = 0; i < out.rows(); ++i) {
      Rng& r = row(i);
      for (Eigen::Index j = 0; j < out.cols(); ++j) out(i, j) = r.normal();
    }
  }

 private:
  std::vector<Rng> rows_;
};

}  // namespace sgm
