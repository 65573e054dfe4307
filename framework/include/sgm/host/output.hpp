// output.hpp: files of a run directory. Every file is written to a temporary name and renamed
// into place, so a crash never leaves a half-written result and never clobbers a complete one.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sgm/types.hpp>

namespace sgm::host {

/// A file written piece by piece to `path`.tmp and renamed into place by commit(); destroyed
/// before commit() (an error, an interrupt), it removes the temporary, so `path` is either the
/// complete new file or untouched.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  void write(std::string_view bytes);
  void commit();

 private:
  std::filesystem::path path_, tmp_;
  std::ofstream out_;
  bool committed_ = false;
};

/// The whole of `path`. \throws Error "path: cannot open <what>" when it cannot be opened.
std::string read_text(const std::filesystem::path& path, const std::string& what = "file");
/// The whole of `path`, or "" when it does not exist or cannot be opened.
std::string read_text_or_empty(const std::filesystem::path& path);

/// Write `content` to `path` atomically (temporary file in the same directory, then rename).
void write_atomic(const std::filesystem::path& path, const std::string& content);

/// Samples as CSV: a header x0,x1,... then one row per particle, 17 significant digits. The
/// first columns may carry other names (`leading`, e.g. step,particle for trajectories).
std::string to_csv(CRef samples, const std::vector<std::string>& leading = {});
/// to_csv in pieces, for files written a chunk at a time: the header line, then rows.
std::string csv_header(Eigen::Index cols, const std::vector<std::string>& leading = {});
std::string csv_rows(CRef samples);
/// Samples as a NumPy .npy file (version 1.0, '<f8', C order).
std::string to_npy(CRef samples);
/// to_npy in pieces: the header of a rows x cols file, then the rows' bytes.
std::string npy_header(Eigen::Index rows, Eigen::Index cols);
std::string npy_rows(CRef samples);
/// Read a 2-D float64 .npy file (the SDK's sgm::read_npy, sgm/data_file.hpp).
/// \throws Error with the byte offset of the problem; NaN or Inf values are refused.
Matrix read_npy(const std::filesystem::path& path);

/// A minimal JSON writer with correct escaping; non-finite numbers become null.
class JsonWriter {
 public:
  JsonWriter& begin_object(const std::string& key = "");
  JsonWriter& end_object();
  JsonWriter& value(const std::string& key, double v);
  JsonWriter& value(const std::string& key, std::int64_t v);
  JsonWriter& value(const std::string& key, const std::string& v);
  std::string str() const { return out_ + "\n"; }

 private:
  void key_prefix(const std::string& key);
  void newline_indent();
  std::string out_;
  std::vector<bool> first_;  // per open object: no member written yet
};

std::string json_escape(const std::string& s);

}  // namespace sgm::host
