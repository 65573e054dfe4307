#include "sgm/host/suggest.hpp"

#include <algorithm>

namespace sgm::host {

namespace {
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t subst = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, subst});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}
}  // namespace

std::optional<std::string> closest(const std::string& name,
                                   const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_d = 0;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(name, c);
    if (!best || d < best_d) {
      best = c;
      best_d = d;
    }
  }
  // A typo changes a few characters; beyond a third of the name it is another word.
  if (best && best_d <= std::max<std::size_t>(2, name.size() / 3)) return best;
  return std::nullopt;
}

std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates) {
  const auto c = closest(name, candidates);
  return c ? "; did you mean '" + *c + "'?" : "";
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

}  // namespace sgm::host
