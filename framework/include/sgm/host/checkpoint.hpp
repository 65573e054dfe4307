// checkpoint.hpp: a trained model with everything needed to continue training exactly
// (parameters, optimiser moments, EMA, step; the random numbers are keyed by step, so the step
// is the whole RNG state). Binary, little-endian:
//   "SGMCKPT\0" | u32 format version | u32 header bytes | header (UTF-8 "key = value" lines:
//   architecture, plugin, method, seed) | i64 step | u64 n | 4 arrays of u64 count + doubles
//   (params, ema, m, v) | u64 FNV-1a checksum of everything before it.
// Written atomically (temporary file + rename); reading refuses a truncated, corrupt or foreign
// file with the byte offset of the problem.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sgm/host/optimizer.hpp"

namespace sgm::host {

inline constexpr std::uint32_t kCheckpointVersion = 1;

struct Checkpoint {
  std::string architecture;  // TrainableScore::architecture()
  std::string plugin;        // the score plugin that wrote it
  std::string method;        // optimizer
  std::uint64_t seed = 0;
  std::vector<double> params;  // raw (not EMA) parameters
  OptimizerState optimizer;    // step, moments, EMA
};

std::string encode_checkpoint(const Checkpoint& c);
/// \throws Error("<name>: ...at byte N...") on any problem.
Checkpoint decode_checkpoint(const std::string& bytes, const std::string& name);

void write_checkpoint(const std::filesystem::path& path, const Checkpoint& c);
Checkpoint read_checkpoint(const std::filesystem::path& path);

}  // namespace sgm::host
