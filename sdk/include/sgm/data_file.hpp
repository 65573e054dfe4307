// data_file.hpp: point sets from files, one point per row: NumPy .npy and numeric CSV.
//
//   .npy  format 1.0 (also 2.0/3.0), dtype '<f8' or '<f4', C or Fortran order, shape (n, d) or
//         (n,) (read as n x 1). Errors name the byte offset: "x.npy: byte 128: expected ...".
//   .csv  comma-separated numbers, every row with the same number of fields; an optional first
//         line of names (no field of it a number); blank lines and lines starting with '#' are
//         skipped; CRLF line ends and a UTF-8 byte order mark are accepted. Errors name
//         "x.csv:line:column:" (both counted from 1, the column in bytes).
//
// Every value must be finite: NaN and ±Inf (and numbers beyond the double range, such as 1e999)
// are refused, naming the row and column (counted from 0, as data[row, column]). Nothing is
// allocated before the file is known to hold the data it claims: a header announcing more rows
// than the file has bytes is refused, not believed. Header-only; std and Eigen only.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "sgm/error.hpp"
#include "sgm/types.hpp"

namespace sgm {

namespace data_file_detail {

/// A short printable form of untrusted text: non-printable bytes as \xNN, long text cut.
inline std::string printable(std::string_view s, std::size_t max = 40) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static constexpr char hex[] = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

inline std::string where_rc(std::size_t row, std::size_t col) {
  return "row " + std::to_string(row) + ", column " + std::to_string(col) + " (counted from 0)";
}

inline const char* non_finite_name(double v) {
  return v != v ? "NaN" : (v > 0 ? "Inf" : "-Inf");
}

/// The whole file as bytes. \throws Error naming the file if it cannot be read.
inline std::string read_bytes(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(path.string() + ": is a directory, not a data file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open");
  std::string bytes;
  char buf[1 << 16];
  while (in.read(buf, sizeof buf) || in.gcount() > 0)
    bytes.append(buf, static_cast<std::size_t>(in.gcount()));
  if (in.bad()) throw Error(path.string() + ": read error");
  return bytes;
}

/// Parses numbers the way a user writes them: optional sign, decimal or exponent notation,
/// nan/inf spelled any case. Returns false if `s` is not entirely one number.
/// `overflow` is set for a finite literal beyond the double range (e.g. 1e999).
inline bool parse_double(std::string_view s, double& v, bool& overflow) {
  overflow = false;
  if (s.empty()) return false;
  std::string_view body = s;
  bool negative = false;
  if (body.front() == '+' || body.front() == '-') {
    negative = body.front() == '-';
    body.remove_prefix(1);
    if (body.empty() || body.front() == '+' || body.front() == '-') return false;
  }
  const auto r = std::from_chars(body.data(), body.data() + body.size(), v);
  if (r.ptr != body.data() + body.size()) return false;
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow or underflow: strtod tells which (HUGE_VAL vs a tiny or zero value).
    const std::string copy(body);
    v = std::strtod(copy.c_str(), nullptr);
    overflow = std::isinf(v);
  } else if (r.ec != std::errc{}) {
    return false;
  }
  if (negative) v = -v;
  return true;
}

// ---- .npy ------------------------------------------------------------------------------------

/// The header dictionary of a .npy file, e.g. {'descr': '<f8', 'fortran_order': False,
/// 'shape': (3, 2), }, parsed strictly; errors carry the byte offset in the file.
class NpyHeader {
 public:
  std::string descr;
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;

  NpyHeader(std::string_view text, std::size_t file_offset, const std::string& name)
      : s_(text), base_(file_offset), name_(name) {
    bool have_descr = false, have_order = false, have_shape = false;
    skip_space();
    expect('{', "the header dictionary to start with '{'");
    for (;;) {
      skip_space();
      if (peek() == '}') break;
      const std::size_t key_at = pos_;
      const std::string key = string_literal("a key in quotes");
      skip_space();
      expect(':', "':' after a key");
      skip_space();
      bool* seen = nullptr;
      if (key == "descr") {
        seen = &have_descr;
        descr = string_literal("the dtype in quotes, e.g. '<f8'");
      } else if (key == "fortran_order") {
        seen = &have_order;
        fortran_order = boolean();
      } else if (key == "shape") {
        seen = &have_shape;
        shape = tuple();
      } else {
        fail(key_at, "unknown header key '" + printable(key) +
                         "' (expected descr, fortran_order and shape)");
      }
      if (*seen) fail(key_at, "duplicate header key '" + key + "'");
      *seen = true;
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_space();
      if (peek() != '}') fail(pos_, "expected ',' or '}' in the header dictionary");
    }
    ++pos_;
    skip_space();
    if (pos_ != s_.size()) fail(pos_, "unexpected text after the header dictionary");
    if (!have_descr) fail(0, "the header has no 'descr' (dtype)");
    if (!have_order) fail(0, "the header has no 'fortran_order'");
    if (!have_shape) fail(0, "the header has no 'shape'");
  }

  [[noreturn]] void fail(std::size_t at, const std::string& why) const {
    throw Error(name_ + ": byte " + std::to_string(base_ + at) + ": " + why);
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t'))
      ++pos_;
  }
  void expect(char c, const char* what) {
    if (peek() != c || pos_ >= s_.size()) fail(pos_, std::string("expected ") + what);
    ++pos_;
  }
  std::string string_literal(const char* what) {
    const char q = peek();
    if (pos_ >= s_.size() || (q != '\'' && q != '"')) fail(pos_, std::string("expected ") + what);
    const std::size_t start = ++pos_;
    while (pos_ < s_.size() && s_[pos_] != q) {
      if (s_[pos_] == '\\' || s_[pos_] == '\n') fail(pos_, "unsupported character in a string");
      ++pos_;
    }
    if (pos_ >= s_.size()) fail(start - 1, "unterminated string");
    return std::string(s_.substr(start, pos_++ - start));
  }
  bool boolean() {
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail(pos_, "expected True or False");
  }
  std::vector<std::uint64_t> tuple() {
    expect('(', "the shape as a tuple, e.g. (3, 2)");
    std::vector<std::uint64_t> dims;
    for (;;) {
      skip_space();
      if (peek() == ')') break;
      if (peek() < '0' || peek() > '9') fail(pos_, "expected a dimension (a non-negative integer)");
      std::uint64_t v = 0;
      const std::size_t start = pos_;
      while (peek() >= '0' && peek() <= '9') {
        if (v > (std::uint64_t{1} << 62) / 10) fail(start, "dimension is too large");
        v = v * 10 + static_cast<std::uint64_t>(s_[pos_++] - '0');
      }
      if (dims.size() >= 32) fail(start, "too many dimensions");
      dims.push_back(v);
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != ')') fail(pos_, "expected ',' or ')' in the shape");
    }
    ++pos_;
    return dims;
  }

  std::string_view s_;
  std::size_t base_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

}  // namespace data_file_detail

/// Where a .npy file's data starts and what it holds.
struct NpyLayout {
  std::size_t data_at = 0;
  std::uint64_t rows = 0, cols = 1;
  std::size_t item = 8;  // bytes per value: 8 ('<f8') or 4 ('<f4')
  bool fortran_order = false;
};

/// Parse the magic and header of a .npy file (`b` may be just its beginning).
/// \throws Error "name: byte N: ..." on any problem.
inline NpyLayout npy_layout(std::string_view b, const std::string& name) {
  namespace d = data_file_detail;
  auto fail = [&](std::size_t at, const std::string& why) {
    return Error(name + ": byte " + std::to_string(at) + ": " + why);
  };
  if (b.size() < 10 || b.substr(0, 6) != std::string_view("\x93NUMPY", 6))
    throw fail(0, "not a .npy file (no \\x93NUMPY magic)");
  const auto major = static_cast<unsigned char>(b[6]), minor = static_cast<unsigned char>(b[7]);
  if (major < 1 || major > 3 || minor != 0)
    throw fail(6, "unsupported .npy version " + std::to_string(major) + "." +
                      std::to_string(minor) + " (1.0, 2.0 and 3.0 are read)");
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  if (b.size() < 8 + len_bytes) throw fail(8, "file ends inside the header length");
  std::size_t hlen = 0;
  for (std::size_t i = 0; i < len_bytes; ++i)
    hlen |= static_cast<std::size_t>(static_cast<unsigned char>(b[8 + i])) << (8 * i);
  NpyLayout l;
  l.data_at = 8 + len_bytes + hlen;
  if (l.data_at > b.size())
    throw fail(8, "header length " + std::to_string(hlen) + " runs past the end of the file (" +
                      std::to_string(b.size()) + " bytes)");
  const d::NpyHeader h(b.substr(8 + len_bytes, hlen), 8 + len_bytes, name);
  if (h.descr == "<f8") l.item = 8;
  else if (h.descr == "<f4") l.item = 4;
  else
    h.fail(0, "dtype '" + d::printable(h.descr) + "' is not supported (only '<f8' and '<f4')");
  if (h.shape.size() == 1) l.rows = h.shape[0];
  else if (h.shape.size() == 2) l.rows = h.shape[0], l.cols = h.shape[1];
  else
    h.fail(0, "shape has " + std::to_string(h.shape.size()) + " dimensions (only 1-D and 2-D)");
  l.fortran_order = h.fortran_order;
  return l;
}

/// parse_npy of the first `max_rows` rows only of a C-order file (a Fortran-order one is read
/// whole); `b` may end after them.
/// \throws Error "name: byte N: ..." on any problem.
inline Matrix parse_npy_head(std::string_view b, const std::string& name, std::uint64_t max_rows) {
  namespace d = data_file_detail;
  auto fail = [&](std::size_t at, const std::string& why) {
    return Error(name + ": byte " + std::to_string(at) + ": " + why);
  };
  const NpyLayout l = npy_layout(b, name);
  const std::size_t data_at = l.data_at, item = l.item;
  const std::uint64_t cols = l.cols;
  // Compare with the bytes present before allocating anything (a header may claim 10^15 rows).
  const std::size_t have = b.size() - data_at;
  if (cols != 0 && l.rows > std::numeric_limits<std::uint64_t>::max() / item / cols)
    throw fail(data_at, "the shape (" + std::to_string(l.rows) + ", " + std::to_string(cols) +
                            ") is too large for the " + std::to_string(have) + " data bytes");
  const bool head = max_rows < l.rows && !l.fortran_order;
  const std::uint64_t rows = head ? max_rows : l.rows;
  const std::uint64_t need = rows * cols * item;
  if (head ? need > have : need != have)
    throw fail(data_at, "expected " + std::to_string(need) + " data bytes, found " +
                            std::to_string(have));
  Matrix m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  const char* data = b.data() + data_at;
  for (std::uint64_t k = 0; k < rows * cols; ++k) {
    double v;
    if (item == 8) {
      std::memcpy(&v, data + k * 8, 8);
    } else {
      float f;
      std::memcpy(&f, data + k * 4, 4);
      v = f;
    }
    const std::uint64_t i = l.fortran_order ? k % rows : k / cols;
    const std::uint64_t j = l.fortran_order ? k / rows : k % cols;
    if (!std::isfinite(v))
      throw fail(data_at + k * item, d::where_rc(i, j) + " is " + d::non_finite_name(v) +
                                         "; data files must hold finite numbers");
    m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v;
  }
  return m;
}

/// Parse the bytes of a .npy file named `name` (used in messages). See the file comment.
/// \throws Error "name: byte N: ..." on any problem.
inline Matrix parse_npy(std::string_view b, const std::string& name) {
  return parse_npy_head(b, name, std::numeric_limits<std::uint64_t>::max());
}

/// Read a .npy file. \throws Error "path: byte N: ..." on any problem.
inline Matrix read_npy(const std::filesystem::path& path) {
  return parse_npy(data_file_detail::read_bytes(path), path.string());
}

/// The first `max_rows` rows of a .npy file, reading only their bytes (a C-order file; a
/// Fortran-order one is read whole). For previews of files too large to hold.
inline Matrix read_npy_head(const std::filesystem::path& path, std::uint64_t max_rows) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open");
  std::string bytes(1 << 16, '\0');  // the header: at most 64 KiB in the versions read
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<std::size_t>(in.gcount()));
  NpyLayout l;
  try {
    l = npy_layout(bytes, path.string());
  } catch (const Error&) {
    return read_npy(path);  // a longer header, or a broken file: read_npy says which
  }
  if (l.fortran_order) return read_npy(path);
  const std::uint64_t rows = std::min(max_rows, l.rows);
  if (l.cols != 0 && rows > (std::uint64_t{1} << 40) / l.item / l.cols) return read_npy(path);
  const std::size_t want = l.data_at + static_cast<std::size_t>(rows * l.cols * l.item);
  if (want > bytes.size()) {
    const std::size_t had = bytes.size();
    bytes.resize(want);
    in.read(bytes.data() + had, static_cast<std::streamsize>(want - had));
    bytes.resize(had + static_cast<std::size_t>(in.gcount()));
  }
  return parse_npy_head(bytes, path.string(), rows);
}

/// Parse the text of a CSV file named `name` (used in messages). See the file comment.
/// \throws Error "name:line:column: ..." on any problem.
inline Matrix parse_csv(std::string_view text, const std::string& name) {
  namespace d = data_file_detail;
  std::size_t pos = 0;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // UTF-8 byte order mark
  std::vector<double> values;
  std::size_t cols = 0, rows = 0, line_no = 0, shape_line = 0;
  bool have_shape = false;
  std::vector<std::string_view> fields;
  while (pos < text.size()) {
    ++line_no;
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto fail = [&](std::size_t at, const std::string& why) {
      return Error(name + ":" + std::to_string(line_no) + ":" + std::to_string(at + 1) + ": " +
                   why);
    };
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    // Split into fields, trimmed of spaces and tabs; remember where each starts in the line.
    fields.clear();
    std::vector<std::size_t> starts;
    for (std::size_t f = 0;;) {
      const std::size_t comma = line.find(',', f);
      std::string_view field =
          line.substr(f, comma == std::string_view::npos ? line.npos : comma - f);
      std::size_t lead = 0;
      while (lead < field.size() && (field[lead] == ' ' || field[lead] == '\t')) ++lead;
      field.remove_prefix(lead);
      while (!field.empty() && (field.back() == ' ' || field.back() == '\t'))
        field.remove_suffix(1);
      fields.push_back(field);
      starts.push_back(f + lead);
      if (comma == std::string_view::npos) break;
      f = comma + 1;
    }
    double v;
    bool overflow;
    if (!have_shape) {
      // The first line: a header if none of its fields is a number, else the first data row.
      std::size_t numeric = 0;
      for (auto f : fields) numeric += d::parse_double(f, v, overflow);
      have_shape = true;
      shape_line = line_no;
      cols = fields.size();
      if (numeric == 0) {
        for (std::size_t j = 0; j < fields.size(); ++j)
          if (fields[j].empty())
            throw fail(starts[j], "empty name in the header (column " + std::to_string(j) + ")");
        continue;
      }
    }
    if (fields.size() != cols)
      throw fail(fields.size() > cols ? starts[cols] - 1 : line.size(),
                 std::to_string(fields.size()) + " fields, expected " + std::to_string(cols) +
                     " (as on line " + std::to_string(shape_line) + ")");
    for (std::size_t j = 0; j < fields.size(); ++j) {
      if (!d::parse_double(fields[j], v, overflow))
        throw fail(starts[j], d::where_rc(rows, j) + ": " +
                                  (fields[j].empty() ? std::string("empty field")
                                                     : "'" + d::printable(fields[j]) +
                                                           "' is not a number"));
      if (overflow)
        throw fail(starts[j], d::where_rc(rows, j) + ": '" + d::printable(fields[j]) +
                                  "' is beyond the range of a double");
      if (!std::isfinite(v))
        throw fail(starts[j], d::where_rc(rows, j) + " is " + d::non_finite_name(v) +
                                  "; data files must hold finite numbers");
      values.push_back(v);
    }
    ++rows;
  }
  Matrix m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  if (!values.empty()) std::memcpy(m.data(), values.data(), values.size() * sizeof(double));
  return m;
}

/// Read a CSV file. \throws Error "path:line:column: ..." on any problem.
inline Matrix read_csv(const std::filesystem::path& path) {
  return parse_csv(data_file_detail::read_bytes(path), path.string());
}

}  // namespace sgm
