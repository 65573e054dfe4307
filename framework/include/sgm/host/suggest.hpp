// suggest.hpp: "did you mean" for unknown names (edit distance).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sgm::host {

/// The candidate closest to `name` by edit distance, if it is close enough to be a typo.
std::optional<std::string> closest(const std::string& name,
                                   const std::vector<std::string>& candidates);
/// "; did you mean 'x'?" or "".
std::string did_you_mean(const std::string& name, const std::vector<std::string>& candidates);
/// "a, b, c"
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

}  // namespace sgm::host
