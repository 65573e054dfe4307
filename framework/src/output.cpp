#include "sgm/host/output.hpp"

#include <cmath>
#include <fstream>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include <sgm/data_file.hpp>
#include <sgm/error.hpp>

namespace sgm::host {

namespace fs = std::filesystem;

AtomicFile::AtomicFile(fs::path path) : path_(std::move(path)), tmp_(path_.string() + ".tmp") {
  out_.open(tmp_, std::ios::binary | std::ios::trunc);
  if (!out_) throw Error(fmt::format("{}: cannot open for writing", tmp_.string()));
}

AtomicFile::~AtomicFile() {
  if (committed_) return;
  out_.close();
  std::error_code ec;
  fs::remove(tmp_, ec);  // a failed run leaves neither a partial file nor a stale temporary
}

void AtomicFile::write(std::string_view bytes) {
  out_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out_) throw Error(fmt::format("{}: write failed (disk full?)", tmp_.string()));
}

void AtomicFile::commit() {
  out_.flush();
  out_.close();
  if (!out_) throw Error(fmt::format("{}: write failed (disk full?)", tmp_.string()));
  std::error_code ec;
  fs::rename(tmp_, path_, ec);
  if (ec) throw Error(fmt::format("{}: cannot rename into place: {}", path_.string(), ec.message()));
  committed_ = true;
}

std::string read_text_or_empty(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  return text.str();
}

std::string read_text(const fs::path& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(fmt::format("{}: cannot open {}", path.string(), what));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw Error(fmt::format("{}: read failed", path.string()));
  return text.str();
}

void write_atomic(const fs::path& path, const std::string& content) {
  AtomicFile f(path);
  f.write(content);
  f.commit();
}

std::string csv_header(Eigen::Index cols, const std::vector<std::string>& leading) {
  std::string s;
  for (const auto& name : leading) s += name + ",";
  const auto first_x = static_cast<Eigen::Index>(leading.size());
  for (Eigen::Index j = first_x; j < cols; ++j) s += fmt::format("{}x{}", j > first_x ? "," : "", j - first_x);
  return s + '\n';
}

std::string csv_rows(CRef samples) {
  std::string s;
  for (Eigen::Index i = 0; i < samples.rows(); ++i) {
    for (Eigen::Index j = 0; j < samples.cols(); ++j)
      s += fmt::format("{}{:.17g}", j ? "," : "", samples(i, j));
    s += '\n';
  }
  return s;
}

std::string to_csv(CRef samples, const std::vector<std::string>& leading) {
  return csv_header(samples.cols(), leading) + csv_rows(samples);
}

std::string npy_header(Eigen::Index rows, Eigen::Index cols) {
  std::string header = fmt::format("{{'descr': '<f8', 'fortran_order': False, 'shape': ({}, {}), }}",
                                   rows, cols);
  // magic(6) + version(2) + header length(2) + header, padded with spaces to a multiple of 64
  const std::size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  const auto len = static_cast<std::uint16_t>(header.size());
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  return out + header;
}

std::string npy_rows(CRef samples) {
  const auto bytes = [](const double* data, Eigen::Index size) {
    return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size) * sizeof(double));
  };
  if (samples.outerStride() == samples.cols()) return bytes(samples.data(), samples.size());  // contiguous rows
  const Matrix m = samples;
  return bytes(m.data(), m.size());
}

std::string to_npy(CRef samples) { return npy_header(samples.rows(), samples.cols()) + npy_rows(samples); }

Matrix read_npy(const fs::path& path) { return sgm::read_npy(path); }

std::string json_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  return out;
}

void JsonWriter::key_prefix(const std::string& key) {
  if (!first_.empty()) {
    if (!first_.back()) out_ += ",";
    first_.back() = false;
    newline_indent();
    out_ += '"';
    out_ += json_escape(key);
    out_ += "\": ";
  }
}

void JsonWriter::newline_indent() {
  out_ += '\n';
  out_.append(2 * first_.size(), ' ');
}

JsonWriter& JsonWriter::begin_object(const std::string& key) {
  key_prefix(key);
  out_ += "{";
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline_indent();
  out_ += "}";
  return *this;
}

JsonWriter& JsonWriter::value(const std::string& key, double v) {
  key_prefix(key);
  out_ += std::isfinite(v) ? fmt::format("{:.17g}", v) : "null";
  return *this;
}

JsonWriter& JsonWriter::value(const std::string& key, std::int64_t v) {
  key_prefix(key);
  out_ += fmt::format("{}", v);
  return *this;
}

JsonWriter& JsonWriter::value(const std::string& key, const std::string& v) {
  key_prefix(key);
  out_ += '"';
  out_ += json_escape(v);
  out_ += '"';
  return *this;
}

}  // namespace sgm::host
