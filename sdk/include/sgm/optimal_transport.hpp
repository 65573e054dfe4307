// optimal_transport.hpp: discrete optimal transport between uniform empirical laws.
//
// - solve_assignment: exact min-cost perfect matching of an n x n cost matrix by the
//   shortest-augmenting-path Hungarian method with potentials (Kuhn–Munkres in the form of
//   Jonker & Volgenant 1987), O(n³). For uniform weights and equal sizes an optimal plan of the
//   Kantorovich problem is a permutation (Birkhoff–von Neumann), so this is exact OT.
// - sinkhorn_uniform: entropic OT (Cuturi 2013) in the log domain,
//   min_P ⟨P, C⟩ − ε H(P) over P ≥ 0 with marginals a = 1/n, b = 1/m; returns ⟨P_ε, C⟩, which
//   decreases to the exact OT cost as ε → 0. Rows and columns are updated in fixed blocks of the
//   host's executor; each entry depends only on its own row/column, so results are bit-identical
//   at any thread count.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include <Eigen/Core>

#include "sgm/context.hpp"
#include "sgm/error.hpp"

namespace sgm {

/// An optimal matching: row i is matched to column col_of_row[i]; cost = Σ_i C(i, col_of_row[i]).
struct Assignment {
  std::vector<Eigen::Index> col_of_row;
  double cost = 0.0;
};

/// Exact minimum-cost perfect matching of the square matrix `cost` (finite entries).
/// \throws Error if cost is not square or empty.
inline Assignment solve_assignment(const Eigen::MatrixXd& cost) {
  const Eigen::Index n = cost.rows();
  if (n == 0 || cost.cols() != n) throw Error("solve_assignment: need a non-empty square cost matrix");
  const double inf = std::numeric_limits<double>::infinity();
  // 1-based arrays: p[j] is the row matched to column j (0 = none); u, v are the potentials.
  std::vector<double> u(static_cast<std::size_t>(n + 1), 0.0), v(static_cast<std::size_t>(n + 1), 0.0);
  std::vector<Eigen::Index> p(static_cast<std::size_t>(n + 1), 0), way(static_cast<std::size_t>(n + 1), 0);
  std::vector<double> minv(static_cast<std::size_t>(n + 1));
  std::vector<char> used(static_cast<std::size_t>(n + 1));
  for (Eigen::Index i = 1; i <= n; ++i) {
    p[0] = i;
    Eigen::Index j0 = 0;
    std::fill(minv.begin(), minv.end(), inf);
    std::fill(used.begin(), used.end(), 0);
    do {  // Dijkstra on reduced costs from row i until a free column is reached
      used[static_cast<std::size_t>(j0)] = 1;
      const Eigen::Index i0 = p[static_cast<std::size_t>(j0)];
      double delta = inf;
      Eigen::Index j1 = 0;
      for (Eigen::Index j = 1; j <= n; ++j) {
        const auto sj = static_cast<std::size_t>(j);
        if (used[sj]) continue;
        const double cur = cost(i0 - 1, j - 1) - u[static_cast<std::size_t>(i0)] - v[sj];
        if (cur < minv[sj]) {
          minv[sj] = cur;
          way[sj] = j0;
        }
        if (minv[sj] < delta) {
          delta = minv[sj];
          j1 = j;
        }
      }
      for (Eigen::Index j = 0; j <= n; ++j) {
        const auto sj = static_cast<std::size_t>(j);
        if (used[sj]) {
          u[static_cast<std::size_t>(p[sj])] += delta;
          v[sj] -= delta;
        } else {
          minv[sj] -= delta;
        }
      }
      j0 = j1;
    } while (p[static_cast<std::size_t>(j0)] != 0);
    do {  // augment along the shortest path
      const Eigen::Index j1 = way[static_cast<std::size_t>(j0)];
      p[static_cast<std::size_t>(j0)] = p[static_cast<std::size_t>(j1)];
      j0 = j1;
    } while (j0 != 0);
  }
  Assignment a;
  a.col_of_row.assign(static_cast<std::size_t>(n), 0);
  for (Eigen::Index j = 1; j <= n; ++j) a.col_of_row[static_cast<std::size_t>(p[static_cast<std::size_t>(j)] - 1)] = j - 1;
  for (Eigen::Index i = 0; i < n; ++i) a.cost += cost(i, a.col_of_row[static_cast<std::size_t>(i)]);
  return a;
}

/// Result of sinkhorn_uniform.
struct SinkhornResult {
  double cost = 0.0;            ///< ⟨P_ε, C⟩ (transport cost of the entropic plan, no entropy term)
  double marginal_error = 0.0;  ///< Σ_i |Σ_j P_ij − 1/n| after the last iteration
  int iterations = 0;
  bool converged = false;
};

/// Log-domain Sinkhorn between uniform weights on n rows and m columns.
/// \param cost callable cost(i, j) ≥ 0, evaluated on the fly (no n x m matrix is stored).
/// \param epsilon entropic regularisation (> 0), in the units of the cost.
/// \param tol stop when the row-marginal L1 error is below tol.
/// \param epsilon_start ε-scaling (Schmitzer 2019): when above epsilon, the potentials are first
///   solved at epsilon_start, epsilon_start/2, ... (to 10·tol) and carried over as warm starts,
///   which takes far fewer iterations at small ε than starting cold. max_iterations bounds the
///   total over all stages.
template <class Cost>
SinkhornResult sinkhorn_uniform(Eigen::Index n, Eigen::Index m, const Cost& cost, double epsilon,
                                int max_iterations, double tol, const Executor& ex,
                                double epsilon_start = 0.0) {
  if (n == 0 || m == 0) throw Error("sinkhorn: empty marginal");
  if (!(epsilon > 0.0)) throw Error("sinkhorn: epsilon must be > 0");
  double eps = std::max(epsilon, epsilon_start);
  const double log_a = -std::log(static_cast<double>(n)), log_b = -std::log(static_cast<double>(m));
  std::vector<double> f(static_cast<std::size_t>(n), 0.0), g(static_cast<std::size_t>(m), 0.0);
  std::vector<double> row_mass(static_cast<std::size_t>(n));
  constexpr std::size_t grain = 64;
  // f_i = −ε log Σ_j b_j exp((g_j − C_ij)/ε)   (and symmetrically g), by a stable log-sum-exp.
  auto update_f = [&] {
    ex.for_blocks(static_cast<std::size_t>(n), grain, [&](std::size_t b, std::size_t e) {
      std::vector<double> t(static_cast<std::size_t>(m));
      for (std::size_t i = b; i < e; ++i) {
        double mx = -std::numeric_limits<double>::infinity();
        for (Eigen::Index j = 0; j < m; ++j) {
          t[static_cast<std::size_t>(j)] = (g[static_cast<std::size_t>(j)] - cost(static_cast<Eigen::Index>(i), j)) / eps;
          mx = std::max(mx, t[static_cast<std::size_t>(j)]);
        }
        double s = 0.0;
        for (double x : t) s += std::exp(x - mx);
        f[i] = -eps * (mx + std::log(s) + log_b);
      }
    });
  };
  auto update_g = [&] {
    ex.for_blocks(static_cast<std::size_t>(m), grain, [&](std::size_t b, std::size_t e) {
      std::vector<double> t(static_cast<std::size_t>(n));
      for (std::size_t j = b; j < e; ++j) {
        double mx = -std::numeric_limits<double>::infinity();
        for (Eigen::Index i = 0; i < n; ++i) {
          t[static_cast<std::size_t>(i)] = (f[static_cast<std::size_t>(i)] - cost(i, static_cast<Eigen::Index>(j))) / eps;
          mx = std::max(mx, t[static_cast<std::size_t>(i)]);
        }
        double s = 0.0;
        for (double x : t) s += std::exp(x - mx);
        g[j] = -eps * (mx + std::log(s) + log_a);
      }
    });
  };
  // Row masses Σ_j P_ij and row costs Σ_j P_ij C_ij, P_ij = a_i b_j exp((f_i + g_j − C_ij)/ε).
  std::vector<double> row_cost(static_cast<std::size_t>(n));
  auto rows = [&] {
    ex.for_blocks(static_cast<std::size_t>(n), grain, [&](std::size_t b, std::size_t e) {
      for (std::size_t i = b; i < e; ++i) {
        double mass = 0.0, c = 0.0;
        for (Eigen::Index j = 0; j < m; ++j) {
          const double cij = cost(static_cast<Eigen::Index>(i), j);
          const double pij = std::exp((f[i] + g[static_cast<std::size_t>(j)] - cij) / eps + log_a + log_b);
          mass += pij;
          c += pij * cij;
        }
        row_mass[i] = mass;
        row_cost[i] = c;
      }
    });
  };
  SinkhornResult r;
  for (int it = 1; it <= max_iterations; ++it) {
    update_f();
    update_g();  // columns now exact; check the rows
    r.iterations = it;
    const bool last_stage = eps <= epsilon;
    if (it % 10 == 0 || it == max_iterations) {
      rows();
      double err = 0.0;
      for (double v : row_mass) err += std::fabs(v - 1.0 / static_cast<double>(n));
      r.marginal_error = err;
      if (err < (last_stage ? tol : 10.0 * tol)) {
        if (last_stage) {
          r.converged = true;
          break;
        }
        eps = std::max(epsilon, 0.5 * eps);
      }
    }
  }
  r.cost = 0.0;
  for (double v : row_cost) r.cost += v;
  return r;
}

}  // namespace sgm
