// report.hpp: `sgm report`, the generated EXPERIMENTS.md. One section per run or sweep directory:
// its [report] title, what it shows and the seed's figure, our result table (a sweep's summary:
// mean ± standard error over seeds, with any swept report.* label such as the seed's value on
// each row) and its figure, copied next to the report. Nothing in it is typed by hand.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sgm::host {

/// The markdown of a report on `dirs` (each a `sgm run --out` directory: a run or a sweep) that
/// will be written to `out`; each section's figure is copied into `figures` and linked relative
/// to `out`'s directory. \throws Error naming a directory that holds no results.
std::string experiments_report(const std::vector<std::filesystem::path>& dirs,
                               const std::filesystem::path& out,
                               const std::filesystem::path& figures);

}  // namespace sgm::host
