// nearest_neighbors.hpp: a k-d tree over the rows of a point matrix for exact k-nearest-neighbour
// queries and for "is q inside any ball B(p_j, r_j)" (k-NN precision/recall), in O(log n)
// expected time per query in low dimensions (Friedman, Bentley, Finkel 1977).
//
// Exactness: the search is exact (no approximation factor); distances are squared Euclidean
// sums over columns in column order and neighbours are ordered by (distance², index), so a query
// returns what a brute-force scan returns, up to the last bit of the distances (the compiler may
// contract a·b + c into an FMA differently in different inlined copies). Results never depend on
// threads: a const tree is safe to query from many threads.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <vector>

#include "sgm/error.hpp"
#include "sgm/types.hpp"

namespace sgm {

/// One neighbour of a query: squared distance and row index in the indexed matrix.
struct Neighbor {
  double dist2;
  Eigen::Index index;
  friend bool operator<(const Neighbor& a, const Neighbor& b) {
    return a.dist2 < b.dist2 || (a.dist2 == b.dist2 && a.index < b.index);
  }
};

/// Squared Euclidean distance, summed in column order.
inline double squared_distance(const double* a, const double* b, Eigen::Index d) {
  double s = 0.0;
  for (Eigen::Index j = 0; j < d; ++j) {
    const double t = a[j] - b[j];
    s += t * t;
  }
  return s;
}

/// k-d tree over the rows of `points` (copied; the matrix need not outlive the tree).
class KdTree {
 public:
  /// \param points n x d, n ≥ 1, d ≥ 1, finite.
  /// \param radii optional per-point ball radii (size n, ≥ 0) for covered().
  /// \param leaf_size points per leaf.
  explicit KdTree(CRef points, std::vector<double> radii = {}, std::size_t leaf_size = 16)
      : d_(points.cols()), n_(points.rows()), radii_(std::move(radii)) {
    if (n_ == 0 || d_ == 0) throw Error("KdTree: no points");
    if (!radii_.empty() && static_cast<Eigen::Index>(radii_.size()) != n_)
      throw Error("KdTree: radii must have one entry per point");
    leaf_ = std::max<std::size_t>(1, leaf_size);
    std::vector<Eigen::Index> order(static_cast<std::size_t>(n_));
    std::iota(order.begin(), order.end(), Eigen::Index{0});
    build(points, order, 0, order.size());
    index_ = order;
    pts_.resize(static_cast<std::size_t>(n_ * d_));
    for (std::size_t p = 0; p < order.size(); ++p)
      for (Eigen::Index j = 0; j < d_; ++j) pts_[p * d_ + j] = points(order[p], j);
    if (!radii_.empty()) {
      std::vector<double> permuted(radii_.size());
      for (std::size_t p = 0; p < order.size(); ++p) permuted[p] = radii_[order[p]];
      radii_ = std::move(permuted);
      for (std::size_t k = nodes_.size(); k-- > 0;) {  // children come after their parent
        Node& nd = nodes_[k];
        nd.max_radius = 0.0;
        for (std::size_t p = nd.begin; p < nd.end; ++p) nd.max_radius = std::max(nd.max_radius, radii_[p]);
      }
    }
  }

  Eigen::Index size() const { return n_; }
  Eigen::Index dim() const { return d_; }

  /// The k nearest indexed points of q (d values), nearest first, ties by index; k ≤ size().
  /// `exclude` (an index, or −1) is skipped, e.g. the query point itself.
  void knn(const double* q, int k, std::vector<Neighbor>& out, Eigen::Index exclude = -1) const {
    out.clear();
    if (k <= 0) return;
    const std::size_t want = std::min<std::size_t>(static_cast<std::size_t>(k),
                                                   static_cast<std::size_t>(n_ - (exclude >= 0 ? 1 : 0)));
    if (want == 0) return;
    knn_node(0, q, want, out, exclude);
  }

  /// Whether ‖q − p_j‖ ≤ r_j for some indexed point j (needs radii at construction).
  bool covered(const double* q) const {
    if (radii_.empty()) throw Error("KdTree::covered: the tree was built without radii");
    return covered_node(0, q);
  }

 private:
  struct Node {
    std::size_t begin, end;
    std::ptrdiff_t left = -1, right = -1;
    std::size_t box;  // offset of lo (d values) then hi (d values) in boxes_
    double max_radius = 0.0;
  };

  std::size_t build(CRef pts, std::vector<Eigen::Index>& order, std::size_t begin, std::size_t end) {
    const std::size_t id = nodes_.size();
    nodes_.push_back(Node{begin, end, -1, -1, boxes_.size(), 0.0});
    boxes_.resize(boxes_.size() + 2 * static_cast<std::size_t>(d_));
    double* lo = &boxes_[nodes_[id].box];
    double* hi = lo + d_;
    for (Eigen::Index j = 0; j < d_; ++j) {
      lo[j] = std::numeric_limits<double>::infinity();
      hi[j] = -lo[j];
    }
    for (std::size_t p = begin; p < end; ++p)
      for (Eigen::Index j = 0; j < d_; ++j) {
        lo[j] = std::min(lo[j], pts(order[p], j));
        hi[j] = std::max(hi[j], pts(order[p], j));
      }
    if (end - begin <= leaf_) return id;
    Eigen::Index axis = 0;
    for (Eigen::Index j = 1; j < d_; ++j)
      if (hi[j] - lo[j] > hi[axis] - lo[axis]) axis = j;
    if (!(hi[axis] > lo[axis])) return id;  // all points equal: a leaf
    const std::size_t mid = begin + (end - begin) / 2;
    std::nth_element(order.begin() + static_cast<std::ptrdiff_t>(begin),
                     order.begin() + static_cast<std::ptrdiff_t>(mid),
                     order.begin() + static_cast<std::ptrdiff_t>(end),
                     [&](Eigen::Index a, Eigen::Index b) {
                       const double va = pts(a, axis), vb = pts(b, axis);
                       return va < vb || (va == vb && a < b);
                     });
    const std::size_t l = build(pts, order, begin, mid);
    const std::size_t r = build(pts, order, mid, end);
    nodes_[id].left = static_cast<std::ptrdiff_t>(l);
    nodes_[id].right = static_cast<std::ptrdiff_t>(r);
    return id;
  }

  /// d2 enlarged by a few ulps: boxes are pruned only when certainly farther than d2.
  static double slack(double d2) { return d2 * (1.0 + 8.0 * std::numeric_limits<double>::epsilon()); }

  /// Squared distance from q to the node's bounding box.
  double box_dist2(const Node& nd, const double* q) const {
    const double* lo = &boxes_[nd.box];
    const double* hi = lo + d_;
    double s = 0.0;
    for (Eigen::Index j = 0; j < d_; ++j) {
      const double t = q[j] < lo[j] ? lo[j] - q[j] : (q[j] > hi[j] ? q[j] - hi[j] : 0.0);
      s += t * t;
    }
    return s;
  }

  void knn_node(std::size_t id, const double* q, std::size_t want, std::vector<Neighbor>& best,
                Eigen::Index exclude) const {
    const Node& nd = nodes_[id];
    if (nd.left < 0) {
      for (std::size_t p = nd.begin; p < nd.end; ++p) {
        if (index_[p] == exclude) continue;
        const Neighbor cand{squared_distance(q, &pts_[p * d_], d_), index_[p]};
        if (best.size() < want) {
          best.insert(std::upper_bound(best.begin(), best.end(), cand), cand);
        } else if (cand < best.back()) {
          best.pop_back();
          best.insert(std::upper_bound(best.begin(), best.end(), cand), cand);
        }
      }
      return;
    }
    const Node& l = nodes_[static_cast<std::size_t>(nd.left)];
    const Node& r = nodes_[static_cast<std::size_t>(nd.right)];
    const double dl = box_dist2(l, q), dr = box_dist2(r, q);
    const std::size_t first = dl <= dr ? static_cast<std::size_t>(nd.left) : static_cast<std::size_t>(nd.right);
    const std::size_t second = dl <= dr ? static_cast<std::size_t>(nd.right) : static_cast<std::size_t>(nd.left);
    const double d_first = std::min(dl, dr), d_second = std::max(dl, dr);
    // A box at distance equal to the current k-th distance may still hold a tie of lower index;
    // the slack covers box and point distances rounded differently.
    if (best.size() < want || d_first <= slack(best.back().dist2)) knn_node(first, q, want, best, exclude);
    if (best.size() < want || d_second <= slack(best.back().dist2)) knn_node(second, q, want, best, exclude);
  }

  bool covered_node(std::size_t id, const double* q) const {
    const Node& nd = nodes_[id];
    const double reach = nd.max_radius;
    if (box_dist2(nd, q) > slack(reach * reach)) return false;
    if (nd.left < 0) {
      for (std::size_t p = nd.begin; p < nd.end; ++p)
        if (squared_distance(q, &pts_[p * d_], d_) <= radii_[p] * radii_[p]) return true;
      return false;
    }
    return covered_node(static_cast<std::size_t>(nd.left), q) ||
           covered_node(static_cast<std::size_t>(nd.right), q);
  }

  Eigen::Index d_, n_;
  std::vector<double> radii_;
  std::size_t leaf_ = 16;
  std::vector<Node> nodes_;
  std::vector<double> boxes_;
  std::vector<Eigen::Index> index_;
  std::vector<double> pts_;
};

}  // namespace sgm
