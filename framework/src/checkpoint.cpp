#include "sgm/host/checkpoint.hpp"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include <sgm/error.hpp>

#include "sgm/host/output.hpp"

namespace sgm::host {

namespace {

constexpr char kMagic[8] = {'S', 'G', 'M', 'C', 'K', 'P', 'T', '\0'};

std::uint64_t fnv1a(const char* data, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x100000001b3ull;
  }
  return h;
}

template <class T>
void put(std::string& out, T v) {
  char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  out.append(b, sizeof(T));
}

void put_array(std::string& out, const std::vector<double>& a) {
  put<std::uint64_t>(out, a.size());
  out.append(reinterpret_cast<const char*>(a.data()), a.size() * sizeof(double));
}

/// Reads fields in order, naming the byte offset of whatever is missing or wrong.
struct Reader {
  const std::string& bytes;
  const std::string& name;
  std::size_t pos = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(fmt::format("{}: not a valid sgm checkpoint: {} at byte {} (file has {} bytes)",
                            name, what, pos, bytes.size()));
  }
  void need(std::size_t n, const char* what) const {
    if (bytes.size() - pos < n) fail(fmt::format("truncated {} ({} bytes needed)", what, n));
  }
  template <class T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes.data() + pos, sizeof(T));
    pos += sizeof(T);
    return v;
  }
  std::vector<double> array(const char* what, std::size_t expected) {
    const auto n = get<std::uint64_t>(what);
    if (n != expected && n != 0) fail(fmt::format("{} holds {} values, expected {}", what, n, expected));
    if (n > (bytes.size() - pos) / sizeof(double)) fail(fmt::format("truncated {}", what));
    std::vector<double> a(n);
    if (n > 0) std::memcpy(a.data(), bytes.data() + pos, n * sizeof(double));  // empty: data() may be null
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isfinite(a[i])) {
        pos += i * sizeof(double);
        fail(fmt::format("{}[{}] is {}", what, i, a[i] != a[i] ? "NaN" : "infinite"));
      }
    pos += n * sizeof(double);
    return a;
  }
};

std::string header_value(const std::string& header, const std::string& key) {
  std::istringstream in(header);
  std::string line;
  const std::string prefix = key + " = ";
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  return "";
}

}  // namespace

std::string encode_checkpoint(const Checkpoint& c) {
  std::string header;
  header.append("architecture = ").append(c.architecture).append("\n");
  header.append("plugin = ").append(c.plugin).append("\n");
  header.append("method = ").append(c.method).append("\n");
  header.append("seed = ").append(std::to_string(c.seed)).append("\n");
  std::string out(kMagic, sizeof kMagic);
  put<std::uint32_t>(out, kCheckpointVersion);
  put<std::uint32_t>(out, static_cast<std::uint32_t>(header.size()));
  out += header;
  put<std::int64_t>(out, c.optimizer.step);
  put<std::uint64_t>(out, c.params.size());
  put_array(out, c.params);
  put_array(out, c.optimizer.ema);
  put_array(out, c.optimizer.m);
  put_array(out, c.optimizer.v);
  put<std::uint64_t>(out, fnv1a(out.data(), out.size()));
  return out;
}

Checkpoint decode_checkpoint(const std::string& bytes, const std::string& name) {
  Reader r{bytes, name};
  r.need(sizeof kMagic, "magic");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) r.fail("wrong magic (not written by sgm)");
  r.pos = sizeof kMagic;
  // The checksum covers everything before the last 8 bytes; check it first so that a corrupt
  // length field cannot send the reader astray.
  if (bytes.size() >= r.pos + 8) {
    std::uint64_t stored;
    std::memcpy(&stored, bytes.data() + bytes.size() - 8, 8);
    if (stored != fnv1a(bytes.data(), bytes.size() - 8)) {
      r.pos = bytes.size() - 8;
      r.fail("checksum mismatch (the file is corrupt or truncated)");
    }
  }
  const auto version = r.get<std::uint32_t>("format version");
  if (version != kCheckpointVersion)
    r.fail(fmt::format("format version {} (this sgm reads version {})", version, kCheckpointVersion));
  const auto header_len = r.get<std::uint32_t>("header length");
  r.need(header_len, "header");
  const std::string header = bytes.substr(r.pos, header_len);
  r.pos += header_len;
  Checkpoint c;
  c.architecture = header_value(header, "architecture");
  c.plugin = header_value(header, "plugin");
  c.method = header_value(header, "method");
  const std::string seed = header_value(header, "seed");
  c.seed = seed.empty() ? 0 : std::strtoull(seed.c_str(), nullptr, 10);
  c.optimizer.step = r.get<std::int64_t>("step");
  if (c.optimizer.step < 0) {
    r.pos -= sizeof(std::int64_t);
    r.fail(fmt::format("negative step {}", c.optimizer.step));
  }
  const auto n = r.get<std::uint64_t>("parameter count");
  c.params = r.array("parameters", n);
  if (c.params.size() != n) r.fail("missing parameters");
  c.optimizer.ema = r.array("EMA", n);
  c.optimizer.m = r.array("first moments", n);
  c.optimizer.v = r.array("second moments", n);
  r.get<std::uint64_t>("checksum");
  if (r.pos != bytes.size()) r.fail("trailing bytes after the checksum");
  return c;
}

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& c) {
  write_atomic(path, encode_checkpoint(c));
}

Checkpoint read_checkpoint(const std::filesystem::path& path) {
  return decode_checkpoint(read_text(path, "checkpoint"), path.string());
}

}  // namespace sgm::host
