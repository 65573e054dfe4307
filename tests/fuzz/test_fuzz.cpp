// A seeded mutation fuzzer for everything sgm reads from disk: pipeline files (parsed and
// validated as `sgm validate` does, sweeps expanded), checkpoints, .npy and .csv data files.
//
// Each target mutates every seed of its corpus (tests/fuzz/corpus/<target>/, plus seeds written
// here with the framework's own writers) a fixed number of times: bit flips, byte insertion and
// deletion, truncation, duplicated chunks and lines (duplicate keys and tables), tokens spliced
// in (nan, inf, 1e999, -0, invalid UTF-8, huge integers, wrong-typed values), 10000-deep nesting
// and 100 kB strings; binary targets also get boundary integers written over their length fields,
// and checkpoints get their checksum recomputed half the time so the mutation reaches the fields
// behind it. Every input must either be accepted (and then be sane: finite data, consistent
// sizes, a pipeline whose resolved form parses again) or be refused with sgm::Error whose message
// carries a location: file:line:column for pipelines and CSV, "byte N" for binary files. A crash
// fails the test run, a hang runs into the ctest timeout, and one input taking over 5 s fails
// (30 s in sanitizer builds).
//
// Deterministic: input k of a target is mutated by Rng(seed, target, k) alone, so a failure
// printed with its index replays exactly. Environment: SGM_FUZZ_ROUNDS (mutations per corpus
// file, default per target below) and SGM_FUZZ_SEED (default 20240806) explore further, e.g.
//   SGM_FUZZ_ROUNDS=20000 SGM_FUZZ_SEED=$RANDOM build/tests/sgm_tests "[fuzz]"
// Failing inputs are written to $TMPDIR/sgm_fuzz_failures/ for replay.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <regex>
#include <sgm/data_file.hpp>
#include <sgm/rng.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "sgm/host/checkpoint.hpp"
#include "sgm/host/output.hpp"
#include "sgm/host/pipeline.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using sgm::Rng;

namespace {

const fs::path kCorpus = fs::path(SGM_TEST_SOURCE_DIR) / "tests/fuzz/corpus";

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> corpus(const std::string& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kCorpus / dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());  // a fixed order, so input k is the same everywhere
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(read_file(f));
  return out;
}

// ---- mutations --------------------------------------------------------------------------------

const std::vector<std::string>& tokens() {
  static const std::vector<std::string> t = {
      "nan", "NaN", "-nan", "+nan", "inf", "-inf", "+inf", "Infinity", "1e999", "-1e999", "1e-999",
      "-0", "-0.0", "0x7f", "0o17", "0b101", "1_000", "9223372036854775807", "9223372036854775808",
      "-9223372036854775809", "18446744073709551616", "1e308", "4.9e-324", "2147483648", "-1", "0",
      "1.5", ".5", "5.", "1e", "--1", "+-1", "true", "false", "True", "\"\"", "''", "\"str\"",
      "'''x'''", "\"\"\"x\"\"\"", "[]", "[1, 2]", "{}", "{a = 1}", "1979-05-27T07:32:00Z",
      "07:32:00", "\xff\xfe", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xef\xbb\xbf",
      std::string("\0", 1), "\"\\u0000\"", "\"\\uD800\"", "\"\\x\"", "\\", "\"", "'", ",", ",,",
      "=", "==", ".", "#", "\n", "\r\n", "\r", "\t", " ", "[", "]", "[[", "]]", "{", "}", "(", ")",
      "((", "[run]", "[dataset]", "[sde]", "[sample]", "[sweep]", "[train]", "[evaluate]",
      "[evaluate.x]", "[[evaluate]]", "plugin = \"gmm\"", "plugin = 1", "plugin = \"\"",
      "seed = -1", "particles = 0", "\"a.b\" = [1]", "\"sample.steps\" = []", "\"x\" = [1]",
      // .npy header pieces
      "\x93NUMPY", "'descr'", "'<f8'", "'<f4'", "'>f8'", "'<i8'", "'|b1'", "'fortran_order'",
      "True", "False", "'shape'", "(1000000000000000, 2)", "(3,)", "()", "(3, 2, 1)", "(0, 2)",
      "(2, 0)", "(-1, 2)", "(18446744073709551615, 18446744073709551615)", ": ", "'x': 1",
      // checkpoint header pieces
      "SGMCKPT", "architecture = ", "seed = 99999999999999999999999", "plugin = mlp\n"};
  return t;
}

const std::vector<std::uint64_t>& boundary_ints() {
  static const std::vector<std::uint64_t> v = {
      0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000,
      0xffffffff, 1000000000000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull, ~0ull};
  return v;
}

struct Mutator {
  Rng& rng;
  bool binary;
  std::vector<std::string> log;  // what was done, for a failure report

  std::size_t pos(const std::string& s) {
    return static_cast<std::size_t>(rng.below(s.size() + 1));
  }
  std::size_t span(std::size_t max) { return 1 + static_cast<std::size_t>(rng.below(max)); }
  const std::string& token() { return tokens()[rng.below(tokens().size())]; }

  // Start of a random line (so inserted keys and tables land where TOML expects them).
  std::size_t line_start(const std::string& s) {
    std::size_t p = pos(s);
    while (p > 0 && s[p - 1] != '\n') --p;
    return p;
  }

  void mutate(std::string& s) {
    const int n = 1 + static_cast<int>(rng.below(4));
    // Text: half the inputs get only mutations that mostly keep the syntax valid (values, keys,
    // lines), so they reach the validator instead of stopping at the parser.
    const bool gentle = !binary && rng.below(2);
    for (int k = 0; k < n; ++k) {
      if (!gentle)
        one(s, rng.below(binary ? 12 : 18));
      else
        one(s, std::array<std::uint64_t, 6>{8, 12, 14, 15, 16, 17}[rng.below(6)]);
    }
  }

  void one(std::string& s, std::uint64_t op) {
    switch (op) {
      case 0:
      case 1: {  // bit flip
        if (s.empty()) break;
        const std::size_t p = rng.below(s.size());
        const int bit = static_cast<int>(rng.below(8));
        s[p] = static_cast<char>(s[p] ^ (1 << bit));
        log.push_back(fmt::format("flip bit {} of byte {}", bit, p));
        break;
      }
      case 2: {  // insert random bytes
        const std::size_t p = pos(s), len = span(8);
        std::string b;
        for (std::size_t i = 0; i < len; ++i) b += static_cast<char>(rng.below(256));
        s.insert(p, b);
        log.push_back(fmt::format("insert {} random bytes at {}", len, p));
        break;
      }
      case 3: {  // delete a range
        if (s.empty()) break;
        const std::size_t p = rng.below(s.size()), len = std::min(span(16), s.size() - p);
        s.erase(p, len);
        log.push_back(fmt::format("delete {} bytes at {}", len, p));
        break;
      }
      case 4: {  // truncate
        const std::size_t p = pos(s);
        s.resize(p);
        log.push_back(fmt::format("truncate at {}", p));
        break;
      }
      case 5: {  // duplicate a chunk somewhere
        if (s.empty()) break;
        const std::size_t a = rng.below(s.size()), len = std::min(span(64), s.size() - a);
        const std::string chunk = s.substr(a, len);
        const std::size_t p = pos(s);
        s.insert(p, chunk);
        log.push_back(fmt::format("copy {} bytes from {} to {}", len, a, p));
        break;
      }
      case 6:
      case 7: {  // splice a token in (insert, or replace a span)
        const std::string& t = token();
        const std::size_t p = pos(s);
        const std::size_t len = rng.below(2) ? 0 : std::min(span(8), s.size() - p);
        s.replace(p, len, t);
        log.push_back(fmt::format("replace {} bytes at {} by token '{}'", len, p,
                                  sgm::data_file_detail::printable(t)));
        break;
      }
      case 8: {  // replace a number by a token (huge numbers, NaN/Inf literals, wrong types)
        std::size_t p = pos(s);
        while (p < s.size() && !(s[p] >= '0' && s[p] <= '9')) ++p;
        if (p >= s.size()) break;
        std::size_t e = p;
        while (e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '.' ||
                                s[e] == '-' || s[e] == '+'))
          ++e;
        const std::string& t = token();
        s.replace(p, e - p, t);
        log.push_back(fmt::format("number at {} -> '{}'", p, sgm::data_file_detail::printable(t)));
        break;
      }
      case 9: {  // overwrite with a boundary integer, little-endian, 2/4/8 bytes
        const std::uint64_t v = boundary_ints()[rng.below(boundary_ints().size())];
        const std::size_t width = std::size_t{2} << rng.below(3);
        if (s.size() < width) break;
        const std::size_t p = rng.below(s.size() - width + 1);
        for (std::size_t i = 0; i < width; ++i) s[p + i] = static_cast<char>((v >> (8 * i)) & 0xff);
        log.push_back(fmt::format("write u{} {} at {}", 8 * width, v, p));
        break;
      }
      case 10: {  // a very long run of one byte or token (100 kB)
        const std::size_t len = rng.below(2) ? 100000 : span(1000);
        const std::string fill = rng.below(2) ? std::string(len, 'a') : std::string(len, '9');
        const std::size_t p = pos(s);
        s.insert(p, rng.below(2) ? fill : "\"" + fill + "\"");
        log.push_back(fmt::format("insert a run of {} bytes at {}", len, p));
        break;
      }
      case 11: {  // deep nesting: [[[[..., ((((..., {a={a=...
        const std::size_t depth = rng.below(2) ? 10000 : span(400);
        const char* open[] = {"[", "(", "{a=", "[{a="};
        const std::string o = open[rng.below(4)];
        std::string nest;
        for (std::size_t i = 0; i < depth; ++i) nest += o;
        if (rng.below(2))
          for (std::size_t i = 0; i < depth; ++i)
            nest += o == "[" ? "]" : o == "(" ? ")" : o == "{a=" ? "}" : "}]";
        const std::size_t p = binary ? pos(s) : line_start(s);
        s.insert(p, binary ? nest : "deep = " + nest + "\n");
        log.push_back(fmt::format("insert {}-deep nesting '{}' at {}", depth, o, p));
        break;
      }
      case 12: {  // (text) duplicate a line: duplicate keys and tables
        const std::size_t a = line_start(s);
        std::size_t e = s.find('\n', a);
        e = e == std::string::npos ? s.size() : e + 1;
        const std::string line = s.substr(a, e - a);
        const std::size_t p = line_start(s);
        s.insert(p, line.empty() || line.back() == '\n' ? line : line + "\n");
        log.push_back(fmt::format("duplicate line at {} to {}", a, p));
        break;
      }
      case 13: {  // (text) deep dotted table header [a.a.a....] or dotted key a.a.a... = 1
        const std::size_t depth = rng.below(3) == 0 ? 100000 : rng.below(2) ? 10000 : span(300);
        std::string path = "a";
        for (std::size_t i = 1; i < depth; ++i) path += ".a";
        const std::size_t p = line_start(s);
        s.insert(p, rng.below(2) ? "[" + path + "]\n" : path + " = 1\n");
        log.push_back(fmt::format("insert a {}-deep dotted path at {}", depth, p));
        break;
      }
      case 15: {  // (text) another string value: plugin names, paths, choices, empty, odd bytes
        std::size_t q = s.find('"', pos(s));
        const std::size_t e = q == std::string::npos ? q : s.find('"', q + 1);
        if (e == std::string::npos) break;
        const char* names[] = {"gmm",
                               "circle",
                               "swiss_roll",
                               "file",
                               "vp",
                               "ve",
                               "ou",
                               "cld",
                               "mlp",
                               "analytic_gmm",
                               "dsm",
                               "ssm",
                               "euler_maruyama",
                               "pc",
                               "sscs",
                               "sliced_wasserstein",
                               "energy_distance",
                               "",
                               "ema",
                               "raw",
                               "test",
                               "auto",
                               "npy",
                               "x.csv",
                               "sample.steps",
                               "sde.plugin",
                               "\\u00e9",
                               "a\\nb",
                               "\xc3\xa9"};
        const std::string v = names[rng.below(std::size(names))];
        s.replace(q + 1, e - q - 1, v);
        log.push_back(
            fmt::format("string at {} -> \"{}\"", q, sgm::data_file_detail::printable(v)));
        break;
      }
      case 16: {  // (text) a key line: unknown, duplicate, or of a wrong type
        const char* keys[] = {"plugin",           "seed",  "particles", "steps",       "noise",
                              "weights",          "means", "hidden",    "iterations",  "batch_size",
                              "checkpoint",       "path",  "format",    "projections", "csv",
                              "\"sample.steps\"", "x",     "p"};
        const char* values[] = {"1",
                                "-1",
                                "0",
                                "2.5",
                                "1e999",
                                "nan",
                                "-inf",
                                "true",
                                "\"vp\"",
                                "[1, 2]",
                                "[[1.0, 0.0], [0.0, 1.0]]",
                                "[]",
                                "{}",
                                "9223372036854775807",
                                "[\"vp\", \"ve\"]",
                                "[10, 30]"};
        const std::string line = std::string(keys[rng.below(std::size(keys))]) + " = " +
                                 values[rng.below(std::size(values))] + "\n";
        const std::size_t p = line_start(s);
        s.insert(p, line);
        log.push_back(
            fmt::format("insert line '{}' at {}", sgm::data_file_detail::printable(line), p));
        break;
      }
      case 17: {  // (text) a long sweep axis: grids of many points
        const char* axes[] = {"run.seed", "run.chunk", "sample.steps", "run.particles",
                              "evaluate.sw.projections"};
        const std::size_t n = rng.below(4) == 0 ? 1001 : span(20);
        std::string line = fmt::format("\"{}\" = [", axes[rng.below(std::size(axes))]);
        for (std::size_t i = 1; i <= n; ++i) line += fmt::format("{}{}", i > 1 ? ", " : "", i);
        line += "]\n";
        const std::size_t at = s.find("[sweep]\n");
        if (at == std::string::npos)
          s += "\n[sweep]\n" + line;
        else
          s.insert(at + 8, line);
        log.push_back(fmt::format("sweep axis of {} values", n));
        break;
      }
      default: {  // (text) a value of the wrong type after '= '
        const std::size_t eq = s.find("= ", pos(s));
        if (eq == std::string::npos) break;
        std::size_t e = s.find('\n', eq);
        if (e == std::string::npos) e = s.size();
        const char* values[] = {"\"text\"",   "true", "[1, \"a\"]", "{x = 1}",
                                "1979-05-27", "3.5",  "-7",         "[[1.0], [2.0, 3.0]]",
                                "[]",         "nan",  "inf"};
        const std::string v = values[rng.below(11)];
        s.replace(eq + 2, e - eq - 2, v);
        log.push_back(fmt::format("value at {} -> {}", eq + 2, v));
        break;
      }
    }
  }
};

// ---- the harness ------------------------------------------------------------------------------

enum class Outcome { accepted, refused };

/// One input taking longer than this fails (a hang or a blow-up).
constexpr double kSlowSeconds = sgm::test::kSanitizedBuild ? 30.0 : 5.0;

/// Runs one input; returns accepted/refused, or throws std::string describing a bad outcome
/// (an error without a location, a wrong exception type, accepted but insane).
using Target = std::function<Outcome(const std::string&)>;

struct Tally {
  std::uint64_t tried = 0, refused = 0, accepted = 0, bad_count = 0;
  double slowest = 0;
  std::vector<std::string> bad;
};

Tally fuzz(const std::string& target_name, std::uint32_t stream,
           const std::vector<std::string>& seeds, std::uint64_t rounds, bool binary,
           const Target& target, const std::function<void(std::string&)>& fixup = {},
           const std::function<std::string()>& detail = {}) {
  const std::uint64_t seed = env_or("SGM_FUZZ_SEED", 20240806);
  Tally t;
  for (std::size_t c = 0; c < seeds.size(); ++c) {
    // The corpus itself must be accepted, or the mutations test little.
    INFO(target_name << " corpus seed " << c);
    REQUIRE(target(seeds[c]) == Outcome::accepted);
  }
  const fs::path failures = fs::temp_directory_path() / "sgm_fuzz_failures";
  for (std::uint64_t k = 0; k < rounds * seeds.size(); ++k) {
    Rng rng(seed, stream, k);
    Mutator m{rng, binary, {}};
    std::string input = seeds[k % seeds.size()];
    m.mutate(input);
    if (fixup && rng.below(2)) fixup(input);
    const auto t0 = std::chrono::steady_clock::now();
    std::string bad;
    Outcome outcome = Outcome::refused;
    try {
      outcome = target(input);
    } catch (const std::string& why) {
      bad = why;
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    t.slowest = std::max(t.slowest, secs);
    if (bad.empty() && secs > kSlowSeconds) bad = fmt::format("took {:.1f} s", secs);
    if (bad.empty()) ++(outcome == Outcome::accepted ? t.accepted : t.refused);
    ++t.tried;
    if (!bad.empty()) ++t.bad_count;
    if (!bad.empty() && t.bad.size() < 20) {
      fs::create_directories(failures);
      const fs::path f = failures / fmt::format("{}-{}-{}.bin", target_name, seed, k);
      std::ofstream(f, std::ios::binary) << input;
      std::string steps;
      for (const auto& s : m.log) steps += (steps.empty() ? "" : "; ") + s;
      t.bad.push_back(fmt::format("{} input {} (seed {} corpus file {}: {}) saved as {}:\n  {}",
                                  target_name, k, seed, k % seeds.size(), steps, f.string(), bad));
    }
  }
  std::cout << fmt::format(
      "fuzz {}: {} inputs, {} refused with a location{}, {} accepted, {} bad; "
      "slowest {:.3f} s\n",
      target_name, t.tried, t.refused, detail ? " (" + detail() + ")" : "", t.accepted, t.bad_count,
      t.slowest);
  for (const auto& b : t.bad) FAIL_CHECK(b);
  CHECK(t.bad_count == 0);
  CHECK(t.tried == t.refused + t.accepted + t.bad_count);
  return t;
}

/// Classify an exception thrown by a reader: sgm::Error whose message matches `location` is a
/// refusal; anything else (another exception type, no location) is a bad outcome.
template <class F>
Outcome expect_refusal_or_accept(F&& f, const std::regex& location) {
  try {
    return f();
  } catch (const sgm::Error& e) {
    // A PipelineError lists problems, one per line: each needs its own location.
    const auto* pe = dynamic_cast<const sgm::host::PipelineError*>(&e);
    for (const auto& line : pe ? pe->problems() : std::vector<std::string>{e.what()})
      if (!std::regex_search(line, location))
        throw std::string("error without a location: ") +
            sgm::data_file_detail::printable(line, 300);
    return Outcome::refused;
  } catch (const std::string&) {
    throw;
  } catch (const std::exception& e) {
    throw std::string("not an sgm::Error: ") + sgm::data_file_detail::printable(e.what(), 300);
  } catch (...) {
    throw std::string("unknown exception");
  }
}

}  // namespace

TEST_CASE("fuzz: pipeline files are validated or refused with file:line:col", "[fuzz]") {
  const auto& registry = sgm::test::registry();
  const fs::path dir = fs::temp_directory_path() / fmt::format("sgm_fuzz_{}", ::getpid());
  fs::create_directories(dir);
  const fs::path file = dir / "fuzz.toml";
  const std::string name = file.string();
  // Every problem line must start with the file's name and a line and column.
  const std::regex location(
      "^" + std::regex_replace(name, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
      R"(:\d+:\d+: )");
  std::uint64_t by_parser = 0, by_validator = 0;
  const Target target = [&](const std::string& text) {
    std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    return expect_refusal_or_accept(
        [&] {
          try {
            const auto points = sgm::host::expand_sweep(file, {}, registry);
            // Accepted: what a run directory records as pipeline.toml must read back.
            for (const auto& p : points) {
              try {
                sgm::host::parse_pipeline(p.resolved_toml(), "resolved.toml", {}, registry);
              } catch (const std::exception& e) {
                throw std::string("accepted, but its resolved pipeline.toml is refused: ") +
                    e.what();
              }
            }
            return Outcome::accepted;
          } catch (const sgm::host::PipelineError& e) {
            const std::string& first = e.problems().front();
            const bool syntax =
                e.problems().size() == 1 &&
                (first.find(": TOML syntax error: ") != std::string::npos ||
                 first.find(": tables, keys and values nested deeper") != std::string::npos);
            ++(syntax ? by_parser : by_validator);
            throw;
          }
        },
        location);
  };
  fuzz("pipeline", 1, corpus("pipelines"), env_or("SGM_FUZZ_ROUNDS", 1200), false, target, {}, [&] {
    return fmt::format("{} by the TOML parser, {} by validation", by_parser, by_validator);
  });
  fs::remove_all(dir);
}

TEST_CASE("fuzz: checkpoints are read or refused with the byte offset", "[fuzz]") {
  std::vector<std::string> seeds;
  for (std::size_t n : {0, 5}) {
    sgm::host::Checkpoint c;
    c.architecture = "mlp 2-16-2 silu epsilon";
    c.plugin = "mlp";
    c.method = "adam";
    c.seed = 42;
    for (std::size_t i = 0; i < n; ++i) c.params.push_back(0.25 * static_cast<double>(i) - 0.5);
    c.optimizer.step = 17;
    c.optimizer.ema = c.params;
    c.optimizer.m.assign(n, 1e-3);
    c.optimizer.v.assign(n, 1e-6);
    seeds.push_back(sgm::host::encode_checkpoint(c));
  }
  // Half of the mutated inputs get a correct checksum, so the mutation reaches the fields
  // behind it (FNV-1a 64 over everything before the last 8 bytes, as checkpoint.cpp writes it).
  const auto fix_checksum = [](std::string& b) {
    if (b.size() < 16) return;
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (std::size_t i = 0; i + 8 < b.size(); ++i) {
      h ^= static_cast<unsigned char>(b[i]);
      h *= 0x100000001b3ull;
    }
    std::memcpy(b.data() + b.size() - 8, &h, 8);
  };
  const std::regex location(R"(^fuzz\.ckpt: .*byte \d+)");
  const Target target = [&](const std::string& bytes) {
    return expect_refusal_or_accept(
        [&] {
          const auto c = sgm::host::decode_checkpoint(bytes, "fuzz.ckpt");
          const std::size_t n = c.params.size();
          for (const auto* a : {&c.params, &c.optimizer.ema, &c.optimizer.m, &c.optimizer.v}) {
            if (!a->empty() && a->size() != n)
              throw std::string("accepted with inconsistent array sizes");
            for (double v : *a)
              if (!std::isfinite(v)) throw std::string("accepted a non-finite parameter or moment");
          }
          if (c.optimizer.step < 0) throw std::string("accepted a negative step");
          return Outcome::accepted;
        },
        location);
  };
  fuzz("checkpoint", 2, seeds, env_or("SGM_FUZZ_ROUNDS", 10000), true, target, fix_checksum);
}

namespace {

/// A data file reader as a target: accepted data must be finite, a refusal must match `location`.
Target reader_target(sgm::Matrix (*parse)(std::string_view, const std::string&),
                     const std::string& name, const std::regex& location) {
  return [=](const std::string& bytes) {
    return expect_refusal_or_accept(
        [&] {
          if (!parse(bytes, name).allFinite()) throw std::string("accepted a non-finite value");
          return Outcome::accepted;
        },
        location);
  };
}

}  // namespace

TEST_CASE("fuzz: .npy files are read or refused with the byte offset", "[fuzz]") {
  auto seeds = corpus("npy");
  sgm::Matrix m(3, 2);
  m << 1, -2, 3.5, 1e300, -0.0, 4.9e-324;
  seeds.push_back(sgm::host::to_npy(m));
  fuzz("npy", 3, seeds, env_or("SGM_FUZZ_ROUNDS", 5000), true,
       reader_target(sgm::parse_npy, "fuzz.npy", std::regex(R"(^fuzz\.npy: byte \d+: )")));
}

TEST_CASE("fuzz: .npy previews (the first rows only) are read or refused with the byte offset",
          "[fuzz]") {
  auto seeds = corpus("npy");
  sgm::Matrix m(5, 2);
  m << 1, -2, 3.5, 1e300, -0.0, 4.9e-324, 7, 8, 9, 10;
  seeds.push_back(sgm::host::to_npy(m));
  const auto first_two_rows = [](std::string_view b, const std::string& name) {
    return sgm::parse_npy_head(b, name, 2);
  };
  fuzz("npy_head", 5, seeds, env_or("SGM_FUZZ_ROUNDS", 5000), true,
       reader_target(first_two_rows, "fuzz.npy", std::regex(R"(^fuzz\.npy: byte \d+: )")));
}

TEST_CASE("fuzz: .csv files are read or refused with file:line:col", "[fuzz]") {
  auto seeds = corpus("csv");
  sgm::Matrix m(3, 3);
  m << 1, -2, 3.5, 1e300, -0.0, 4.9e-324, 0.1, 1.0 / 3.0, 2e-7;
  seeds.push_back(sgm::host::to_csv(m));
  fuzz("csv", 4, seeds, env_or("SGM_FUZZ_ROUNDS", 5000), false,
       reader_target(sgm::parse_csv, "fuzz.csv", std::regex(R"(^fuzz\.csv:\d+:\d+: )")));
}

// ---- what the fuzzer found: one regression test per finding ------------------------------------

TEST_CASE("fuzz findings: deep dotted keys and headers are refused before toml++ recurses",
          "[fuzz]") {
  // A 100000-deep [a.a.a...] header or dotted key overflowed the stack inside toml::parse
  // (SIGSEGV in `sgm validate`); arrays and inline tables were already limited by toml++ (256).
  const auto& registry = sgm::test::registry();
  std::string path = "a";
  for (int i = 1; i < 100000; ++i) path += ".a";
  const auto refused = [&](const std::string& text) -> std::string {
    try {
      sgm::host::parse_pipeline(text, "deep.toml", {}, registry);
    } catch (const sgm::host::PipelineError& e) {
      return e.what();
    }
    return "accepted";
  };
  using Catch::Matchers::Contains;
  CHECK_THAT(refused("[" + path + "]\nx = 1\n"),
             Contains("deep.toml:1:513: tables, keys and values nested deeper than 256 levels"));
  CHECK_THAT(refused("[run]\n" + path + " = 1\n"),
             Contains("deep.toml:2:510: tables, keys and values nested deeper than 256 levels"));
  CHECK_THAT(refused("x = {" + path + " = 1}\n"), Contains("deep.toml:1:"));
  CHECK_THAT(refused("x = " + std::string(100000, '[')),
             Contains("deep.toml:1:261: tables, keys and values nested deeper"));
  // Strings, comments and numbers are not nesting: a long dotted string value is fine.
  const std::string fine = refused("x = \"" + path + "\" # [" + path + "]\ny = [1.5, 2.5]\n");
  CHECK_THAT(fine, Contains("unknown stage [x]"));
  CHECK_THAT(fine, !Contains("nested deeper"));
  // The same bound holds for --set overrides.
  CHECK_THROWS_WITH(sgm::host::parse_pipeline("", "o.toml", {"run.x={" + path + " = 1}"}, registry),
                    Contains("<command line --set>") && Contains("nested deeper than 256 levels"));
}

TEST_CASE("fuzz findings: problems of a sweep point point at the [sweep] value", "[fuzz]") {
  // They said "<command line --set>: [sample].steps: ..." though nothing came from the command
  // line.
  const fs::path dir = fs::temp_directory_path() / fmt::format("sgm_fuzz_sweep_{}", ::getpid());
  fs::create_directories(dir);
  std::string text = read_file(kCorpus / "pipelines/sweep.toml");
  text.replace(text.find("[10, 30]"), 8, "[10, 0]");
  const fs::path file = dir / "sweep.toml";
  std::ofstream(file) << text;
  std::string msg;
  try {
    sgm::host::expand_sweep(file, {}, sgm::test::registry());
  } catch (const sgm::host::PipelineError& e) {
    msg = e.what();
  }
  const auto line =
      1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(text.find("[10, 0]")),
                     '\n');
  const auto column = text.find("0]") - text.rfind('\n', text.find("0]"));
  CHECK_THAT(msg, Catch::Contains(fmt::format("{}:{}:{}: [sample].steps: 'steps': 0 is outside",
                                              file.string(), line, column)));
  CHECK_THAT(msg, !Catch::Contains("<command line --set>"));
  fs::remove_all(dir);
}

TEST_CASE("fuzz findings: a [model].checkpoint of the wrong type is a located problem", "[fuzz]") {
  // It threw a bare sgm::Error "parameter 'checkpoint' is not set" with no location.
  std::string text = read_file(kCorpus / "pipelines/train_mlp.toml");
  text.replace(text.find("\"model.ckpt\""), 12, "[[1.0], [2.0, 3.0]]");
  CHECK_THROWS_WITH(sgm::host::parse_pipeline(text, "m.toml", {}, sgm::test::registry()),
                    Catch::Contains("m.toml:") && Catch::Contains("[model].checkpoint"));
  CHECK_THROWS_AS(sgm::host::parse_pipeline(text, "m.toml", {}, sgm::test::registry()),
                  sgm::host::PipelineError);
}

TEST_CASE("fuzz findings: checkpoints with NaN/Inf values or a negative step are refused",
          "[fuzz]") {
  // Both were accepted (a checksum-correct file with a NaN weight loaded silently).
  sgm::host::Checkpoint c;
  c.architecture = "mlp";
  c.params = {1.0, 2.0, 3.0};
  c.optimizer.ema = c.params;
  c.optimizer.m = {0.0, std::numeric_limits<double>::quiet_NaN(), 0.0};
  c.optimizer.v = {0.0, 0.0, 0.0};
  c.optimizer.step = 3;
  const std::string nan_m = sgm::host::encode_checkpoint(c);
  // first moments: after magic, version, header length, header, step, n, 3 arrays (count + 3).
  const std::size_t header = sgm::host::encode_checkpoint(c).size() - 8 - 8 - 8 - 4 * (8 + 24) - 16;
  const std::size_t m1 = 16 + header + 16 + 2 * (8 + 24) + 8 + 8;
  CHECK_THROWS_WITH(sgm::host::decode_checkpoint(nan_m, "n.ckpt"),
                    Catch::Contains("first moments[1] is NaN at byte " + std::to_string(m1)));
  c.optimizer.m[1] = 0.0;
  c.optimizer.step = -1;
  CHECK_THROWS_WITH(sgm::host::decode_checkpoint(sgm::host::encode_checkpoint(c), "s.ckpt"),
                    Catch::Contains("negative step -1 at byte " + std::to_string(16 + header)));
}

TEST_CASE(
    "fuzz findings: sweep grids of more than 10000 points or 1000 values per axis are refused",
    "[fuzz]") {
  // 360000 points took 96 s and 8.3 GB to validate, 10^8 would exhaust memory; one axis of
  // 10000 values took 13 s and 3.2 GB (every point keeps a copy of the axes).
  const std::string base = read_file(kCorpus / "pipelines/sweep.toml");  // 2 x 2 points
  const auto axis = [](const char* path, int n) {
    std::string a = fmt::format("\"{}\" = [1", path);
    for (int i = 2; i <= n; ++i) a += fmt::format(", {}", i);
    return a + "]\n";
  };
  const auto sweep_line =
      1 + std::count(base.begin(), base.begin() + static_cast<std::ptrdiff_t>(base.find("[sweep]")),
                     '\n');
  const auto& registry = sgm::test::registry();
  using Catch::Matchers::Contains;
  CHECK_THROWS_WITH(
      sgm::host::parse_pipeline(base + axis("run.seed", 100) + axis("run.chunk", 26), "grid.toml",
                                {}, registry),
      Contains(fmt::format("grid.toml:{}:1: [sweep]: the grid (26 x 100 x 2 x 2 values) has "
                           "more than 10000 points",
                           sweep_line)));
  CHECK_THROWS_WITH(
      sgm::host::parse_pipeline(base + axis("run.seed", 1001), "grid.toml", {}, registry),
      Contains(
          fmt::format("grid.toml:{}:14: [sweep].\"run.seed\": 1001 values, at most 1000 per axis",
                      sweep_line + 3)));
  CHECK(sgm::host::parse_pipeline(base + axis("run.seed", 1000), "grid.toml", {}, registry)
            .sweep_points()
            .size() == 4000);
  CHECK(sgm::host::parse_pipeline(base + axis("run.seed", 100) + axis("run.chunk", 25), "grid.toml",
                                  {}, registry)
            .sweep_points()
            .size() == 10000);
}
