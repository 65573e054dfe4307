// csv_table.hpp: the host's one reader (and field quoting) of CSV tables with a header line,
// RFC 4180: sweep.csv and summary.csv (sweeps, merge, report) and the tables `sgm plot` draws
// (samples.csv, trajectories.csv, loss.csv). Numeric data files are sgm::read_csv (SDK).
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sgm::host {

/// A CSV file: its header and rows of fields, each row with the line it starts on.
struct CsvTable {
  std::filesystem::path file;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> lines;

  /// The index of column `name`, if the header has it.
  std::optional<std::size_t> column(std::string_view name) const;
  /// The index of column `name`. \throws Error naming the file and its header.
  std::size_t required_column(std::string_view name) const;
  /// "file:line" of a row, for messages.
  std::string where(std::size_t row) const;
};

/// Parses `text` as RFC 4180: fields split at commas outside quotes, "" inside quotes is one
/// quote, and a quoted field may hold commas and line breaks. Blank lines are skipped and a \r
/// before a line end dropped. \throws Error with file:line for a row whose field count differs
/// from the header's or an unclosed quote, and for a text without a header line.
CsvTable parse_csv_table(const std::string& text, const std::filesystem::path& file);
/// parse_csv_table of the whole file. \throws Error if it cannot be read.
CsvTable read_csv_table(const std::filesystem::path& file);
/// The first `records` records of a file (a line break inside quotes does not end one), so a
/// preview of a 10^7-row samples.csv reads kilobytes, not the file.
std::string read_csv_head(const std::filesystem::path& file, std::size_t records);

/// One field as written: quoted (RFC 4180) if it holds a comma, a quote or a line break.
std::string csv_field(const std::string& s);

}  // namespace sgm::host
