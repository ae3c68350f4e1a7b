// Fuzz target: reading a checkpoint file and restoring it into a session,
// as `train_graph --resume` does (core/checkpoint.h): ReadCheckpoint,
// RestoreCheckpoint after SetTraining, the normalisation statistics, then
// a training step and a prediction from the restored state.
//
//   byte 0: bit 0 the rest is the checkpoint's payload (protobuf bytes):
//           the target puts the header (magic, size, CRC-32) in front, so
//           that mutations get past the checksum; else the rest is the
//           whole file. Bit 1: the session trains with Adam instead of SGD
//           with momentum (other slots).
//
// The model is tests/fuzz/checkpoint_model.pbtxt.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "core/checkpoint.h"
#include "core/graph.h"
#include "core/model_parser.h"
#include "core/normalization.h"
#include "core/session.h"
#include "core/update_rule.h"
#include "proto/model.pb.h"
#include "tests/fuzz/fuzz_util.h"
#include "zlib.h"

namespace nabla {
namespace {

constexpr char kModel[] =
#include "tests/fuzz/checkpoint_model.inc"
    ;

std::shared_ptr<const Graph> ModelGraph() {
  static const auto* graph = [] {
    auto parsed = ParseModelText(kModel, "checkpoint_model.pbtxt");
    if (!parsed.ok()) std::abort();
    auto built = Graph::Build(parsed->model.graph(), parsed->source);
    if (!built.ok()) std::abort();
    return new std::shared_ptr<const Graph>(
        std::make_shared<const Graph>(*std::move(built)));
  }();
  return *graph;
}

OptimizerConfig Optimizer(bool adam) {
  OptimizerConfig config;
  config.set_name(adam ? "Adam" : "SGD");
  (*config.mutable_attr())["learning_rate"] = MakeAttr(0.1);
  if (!adam) (*config.mutable_attr())["momentum"] = MakeAttr(0.9);
  return config;
}

// The file format of core/checkpoint.cc: "NABLACK2", the payload's size
// (8 bytes) and CRC-32 (4 bytes), little endian, then the payload.
std::string Framed(absl::string_view payload) {
  std::string file = "NABLACK2";
  const uint64_t size = payload.size();
  const uint32_t crc = static_cast<uint32_t>(crc32(
      crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(payload.data()),
      static_cast<uInt>(payload.size())));
  for (int i = 0; i < 8; ++i)
    file.push_back(static_cast<char>(size >> (8 * i)));
  for (int i = 0; i < 4; ++i) file.push_back(static_cast<char>(crc >> (8 * i)));
  file.append(payload.data(), payload.size());
  return file;
}

// A step and a prediction from the restored state, with inputs rescaled by
// the restored statistics.
void UseRestored(Session& session, const Checkpoint& checkpoint,
                 const std::string& path) {
  Tensor x = Tensor::FromValues(DType::kFloat32, {2, 2}, {0, 1, 1, 0});
  Tensor y = Tensor::FromValues(DType::kFloat32, {2, 1}, {1, 1});
  auto normalizer = Normalizer::FromProto(checkpoint.normalization(), path);
  if (normalizer.ok()) {
    (void)normalizer->Apply("x", x);
    (void)normalizer->Apply("y", y);
  }
  fuzz::Trace("normalization", normalizer.status());
  const Feed feeds[] = {{"x", &x}, {"y", &y}};
  fuzz::Trace("train step", session.TrainStep(feeds).status());
  const std::string fetches[] = {"y_hat"};
  auto predicted = session.Run(feeds, fetches);
  fuzz::Trace("predict", predicted.status());
  if (predicted.ok() && normalizer.ok()) {
    (void)normalizer->Invert("y", (*predicted)[0]);
  }
}

void RunCheckpoint(const uint8_t* data, size_t size) {
  fuzz::InputReader input(data, size);
  const uint8_t mode = input.Byte();
  const std::string path = fuzz::WriteScratchFile(
      "fuzz.ckpt", (mode & 1) ? Framed(input.Rest()) : input.Rest());
  auto checkpoint = ReadCheckpoint(path);
  fuzz::Trace("read", checkpoint.status());
  if (!checkpoint.ok()) return;

  SessionOptions options;
  options.seed = 1;
  auto session = Session::Create(ModelGraph(), options);
  if (!session.ok()) std::abort();  // the model is fixed and valid
  auto rule = MakeUpdateRule(Optimizer(mode & 2));
  if (!rule.ok() || !(*session)->SetTraining("loss", *std::move(rule)).ok()) {
    std::abort();
  }
  const absl::Status restored = RestoreCheckpoint(*checkpoint, path, **session);
  fuzz::Trace("restore", restored);
  if (!restored.ok()) return;
  UseRestored(**session, *checkpoint, path);
}

}  // namespace
}  // namespace nabla

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nabla::RunCheckpoint(data, size);
  return 0;
}
