// csv_table.cpp: reading CSV tables with a header (see csv_table.hpp).
#include "csv_table.hpp"

#include <algorithm>
#include <fstream>

#include <fmt/format.h>

#include <sgm/error.hpp>

#include "sgm/host/output.hpp"

namespace sgm::host {

namespace fs = std::filesystem;

std::optional<std::size_t> CsvTable::column(std::string_view name) const {
  const auto it = std::find(header.begin(), header.end(), name);
  if (it == header.end()) return std::nullopt;
  return static_cast<std::size_t>(it - header.begin());
}

std::size_t CsvTable::required_column(std::string_view name) const {
  if (const auto c = column(name)) return *c;
  throw Error(fmt::format("{}: no '{}' column (header: {})", file.string(), name, fmt::join(header, ",")));
}

std::string CsvTable::where(std::size_t row) const { return fmt::format("{}:{}", file.string(), lines[row]); }

CsvTable parse_csv_table(const std::string& text, const fs::path& file) {
  CsvTable t{file, {}, {}, {}};
  std::vector<std::string> record(1);
  bool quoted = false, blank = true;
  int line = 1, record_line = 1;
  const auto end_record = [&] {
    if (!blank && t.header.empty()) {
      t.header = std::move(record);
    } else if (!blank) {
      if (record.size() != t.header.size())
        throw Error(fmt::format("{}:{}: {} fields, header has {}", file.string(), record_line, record.size(),
                                t.header.size()));
      t.rows.push_back(std::move(record));
      t.lines.push_back(record_line);
    }
    record.assign(1, "");
    blank = true;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') ++line;
    if (quoted) {
      if (c != '"') record.back() += c;
      else if (i + 1 < text.size() && text[i + 1] == '"') record.back() += text[++i];
      else quoted = false;
      continue;
    }
    if (c == '\n') {
      end_record();
      record_line = line;
    } else if (c != '\r') {
      blank = false;
      if (c == '"') quoted = true;
      else if (c == ',') record.emplace_back();
      else record.back() += c;
    }
  }
  if (quoted) throw Error(fmt::format("{}:{}: a quoted field is not closed", file.string(), record_line));
  end_record();
  if (t.header.empty()) throw Error(fmt::format("{}: empty (no header line)", file.string()));
  return t;
}

CsvTable read_csv_table(const fs::path& file) { return parse_csv_table(read_text(file, "for reading"), file); }

std::string read_csv_head(const fs::path& file, std::size_t records) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open for reading", file.string()));
  std::string text;
  bool quoted = false;
  std::size_t ended = 0;
  for (char c; ended < records && in.get(c);) {
    text += c;
    if (c == '"') quoted = !quoted;
    else if (c == '\n' && !quoted) ++ended;
  }
  if (in.bad()) throw Error(fmt::format("{}: read failed", file.string()));
  return text;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + '"';
}

}  // namespace sgm::host
