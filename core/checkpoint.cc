#include "core/checkpoint.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/file_write.h"
#include "core/model_parser.h"
#include "core/status_macros.h"
#include "zlib.h"

namespace nabla {
namespace {

constexpr char kMagic[] = "NABLACK2";
constexpr size_t kMagicSize = 8;
// Magic, payload size (8 bytes) and CRC-32 (4 bytes).
constexpr size_t kHeaderSize = kMagicSize + 8 + 4;

void AppendLittleEndian(uint64_t value, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) {
    out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

uint64_t ReadLittleEndian(const std::string& bytes, size_t at, int count) {
  uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return value;
}

uint32_t Crc32(absl::string_view bytes) {
  return static_cast<uint32_t>(
      crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(bytes.data()),
            static_cast<uInt>(bytes.size())));
}

// "WHAT is float32[3, 1] in the checkpoint but float32[2, 1] in the model",
// or empty when `proto` declares `target`'s dtype and shape (or a dtype
// TensorFromProto refuses itself). Compared before the values are read, so
// that a checkpoint declaring a huge shape with one value to fill it is
// refused without allocating it.
std::string DeclaredMismatch(const TensorProto& proto, const Tensor& target,
                             absl::string_view what) {
  auto dtype = DTypeFromProto(proto.dtype(), what);
  if (!dtype.ok()) return "";
  const Shape shape(absl::MakeConstSpan(proto.shape().dim().data(),
                                        proto.shape().dim_size()));
  if (*dtype == target.dtype() && shape == target.shape()) return "";
  return absl::StrCat(what, " is ", DTypeName(*dtype), shape.ToString(),
                      " in the checkpoint but ", DTypeName(target.dtype()),
                      target.shape().ToString(), " in the model");
}

}  // namespace

Checkpoint CaptureCheckpoint(const Session& session) {
  Checkpoint checkpoint;
  checkpoint.set_format_version(kCheckpointFormatVersion);
  checkpoint.set_step(session.step());
  const Graph& graph = session.graph();
  for (int v : session.variable_nodes()) {
    VariableValue* value = checkpoint.add_variable();
    value->set_name(graph.node(v).name);
    TensorToProto(session.variable(v), value->mutable_value());
  }
  if (const UpdateRule* rule = session.update_rule()) {
    checkpoint.set_optimizer(rule->optimizer_name());
    const std::vector<std::string> names = rule->optimizer().SlotNames();
    for (int v : session.variable_nodes()) {
      const std::vector<Tensor>& slots = session.slots(v);
      for (size_t s = 0; s < slots.size() && s < names.size(); ++s) {
        SlotValue* slot = checkpoint.add_slot();
        slot->set_variable(graph.node(v).name);
        slot->set_slot(names[s]);
        TensorToProto(slots[s], slot->mutable_value());
      }
    }
  }
  return checkpoint;
}

[[nodiscard]] absl::Status WriteCheckpoint(const Checkpoint& checkpoint,
                                           const std::string& path) {
  std::string payload;
  if (!checkpoint.SerializeToString(&payload)) {
    return absl::InternalError(absl::StrCat(path, ": cannot serialize"));
  }
  std::string bytes(kMagic, kMagicSize);
  AppendLittleEndian(payload.size(), 8, &bytes);
  AppendLittleEndian(Crc32(payload), 4, &bytes);
  bytes += payload;
  return WriteFileAtomically(path, bytes, "checkpoint");
}

[[nodiscard]] absl::Status SaveCheckpoint(const Session& session,
                                          const std::string& path) {
  if (session.slots_sharded()) {
    return absl::FailedPreconditionError(
        "SaveCheckpoint: the optimizer's slots are each rank's part only; "
        "GatherShardedSlots() on every rank first");
  }
  return WriteCheckpoint(CaptureCheckpoint(session), path);
}

[[nodiscard]] absl::StatusOr<Checkpoint> ReadCheckpoint(
    const std::string& path) {
  NABLA_ASSIGN_OR_RETURN(std::string bytes,
                         ReadFileToString(path, MaxWholeFileBytes()));
  if (bytes.size() < kMagicSize ||
      bytes.compare(0, kMagicSize, kMagic, kMagicSize) != 0) {
    return absl::DataLossError(
        absl::StrCat(path, ": not a nabla checkpoint (", bytes.size(),
                     " bytes that do not start with ", kMagic, ")"));
  }
  if (bytes.size() < kHeaderSize) {
    return absl::DataLossError(
        absl::StrCat(path, ": truncated checkpoint: ", bytes.size(),
                     " bytes, the header alone is ", kHeaderSize));
  }
  const uint64_t size = ReadLittleEndian(bytes, kMagicSize, 8);
  const uint32_t stored_crc =
      static_cast<uint32_t>(ReadLittleEndian(bytes, kMagicSize + 8, 4));
  if (size != bytes.size() - kHeaderSize) {
    return absl::DataLossError(absl::StrCat(
        path, ": truncated or padded checkpoint: the header promises ", size,
        " bytes of data, the file has ", bytes.size() - kHeaderSize));
  }
  const absl::string_view payload =
      absl::string_view(bytes).substr(kHeaderSize);
  const uint32_t crc = Crc32(payload);
  if (crc != stored_crc) {
    return absl::DataLossError(absl::StrCat(
        path, ": checksum mismatch (stored ", absl::Hex(stored_crc),
        ", computed ", absl::Hex(crc), "): the checkpoint is corrupted"));
  }
  Checkpoint checkpoint;
  if (!checkpoint.ParseFromArray(payload.data(),
                                 static_cast<int>(payload.size()))) {
    return absl::DataLossError(
        absl::StrCat(path, ": the checkpoint's data does not parse"));
  }
  if (checkpoint.format_version() != kCheckpointFormatVersion) {
    return absl::DataLossError(absl::StrCat(
        path, ": checkpoint format version ", checkpoint.format_version(),
        " is not supported (this nabla reads version ",
        kCheckpointFormatVersion, ")"));
  }
  // No reachable run counts this far, and training on would overflow.
  constexpr int64_t kMaxCount = int64_t{1} << 62;
  const DataPosition& position = checkpoint.position();
  const struct {
    const char* what;
    int64_t value;
  } counts[] = {{"step", checkpoint.step()},
                {"position epoch", position.epoch()},
                {"position sample", position.next_sample()},
                {"best epoch", position.best_epoch()}};
  for (const auto& count : counts) {
    if (count.value < 0 || count.value > kMaxCount) {
      return absl::DataLossError(absl::StrCat(
          path, ": ", count.what, " ", count.value, " is outside [0, 2^62]"));
    }
  }
  if (position.best_epoch() > position.epoch()) {
    return absl::DataLossError(
        absl::StrCat(path, ": best epoch ", position.best_epoch(),
                     " is after the epochs finished, ", position.epoch()));
  }
  if (position.best_epoch() > 0 && !std::isfinite(position.best_value())) {
    return absl::DataLossError(absl::StrCat(
        path, ": best value ", position.best_value(), " is not a number"));
  }
  return checkpoint;
}

[[nodiscard]] absl::Status RestoreCheckpoint(const Checkpoint& checkpoint,
                                             const std::string& path,
                                             Session& session) {
  const Graph& graph = session.graph();
  std::vector<std::string> problems;
  absl::flat_hash_map<std::string, Tensor> values;
  absl::flat_hash_set<std::string> in_checkpoint;
  for (const VariableValue& v : checkpoint.variable()) {
    const std::string what = absl::StrCat("variable '", v.name(), "'");
    if (!in_checkpoint.insert(v.name()).second) {
      problems.push_back(absl::StrCat(what, " is listed twice"));
      continue;
    }
    auto node = graph.FindNode(v.name());
    if (!node.ok() || graph.node(*node).op->role() != OpRole::kVariable) {
      problems.push_back(
          absl::StrCat(what, " is not a Variable of this model"));
      continue;
    }
    const Tensor& current = session.variable(*node);
    if (std::string mismatch = DeclaredMismatch(v.value(), current, what);
        !mismatch.empty()) {
      problems.push_back(std::move(mismatch));
      continue;
    }
    auto tensor = TensorFromProto(v.value(), what);
    if (!tensor.ok()) {
      problems.push_back(std::string(tensor.status().message()));
      continue;
    }
    values.emplace(v.name(), *std::move(tensor));
  }
  for (int v : session.variable_nodes()) {
    if (!in_checkpoint.contains(graph.node(v).name)) {
      problems.push_back(absl::StrCat("variable '", graph.node(v).name,
                                      "' of the model is missing"));
    }
  }
  // Slots come back only into the optimizer that wrote them; then every
  // slot it keeps must be there, or training would resume from zeros.
  struct RestoredSlot {
    int node;
    int index;
    Tensor value;
  };
  std::vector<RestoredSlot> slots;
  const UpdateRule* rule = session.update_rule();
  if (rule != nullptr && checkpoint.optimizer() == rule->optimizer_name()) {
    const std::vector<std::string> names = rule->optimizer().SlotNames();
    absl::flat_hash_set<std::string> seen;
    for (const SlotValue& slot : checkpoint.slot()) {
      const std::string what = absl::StrCat(
          "slot '", slot.slot(), "' of variable '", slot.variable(), "'");
      auto it = std::find(names.begin(), names.end(), slot.slot());
      // A slot these settings do not keep (momentum turned off) is dropped.
      if (it == names.end()) continue;
      auto node = graph.FindNode(slot.variable());
      if (!node.ok() || session.slots(*node).size() != names.size()) {
        problems.push_back(
            absl::StrCat(what, ": not a trainable Variable of this model"));
        continue;
      }
      const int index = static_cast<int>(it - names.begin());
      const Tensor& target = session.slots(*node)[index];
      if (std::string mismatch = DeclaredMismatch(slot.value(), target, what);
          !mismatch.empty()) {
        problems.push_back(std::move(mismatch));
        continue;
      }
      auto tensor = TensorFromProto(slot.value(), what);
      if (!tensor.ok()) {
        problems.push_back(std::string(tensor.status().message()));
        continue;
      }
      seen.insert(absl::StrCat(slot.variable(), "/", slot.slot()));
      slots.push_back({*node, index, *std::move(tensor)});
    }
    for (int v : session.variable_nodes()) {
      for (size_t i = 0; i < session.slots(v).size(); ++i) {
        if (!seen.contains(absl::StrCat(graph.node(v).name, "/", names[i]))) {
          problems.push_back(absl::StrCat("slot '", names[i], "' of variable '",
                                          graph.node(v).name, "' is missing"));
        }
      }
    }
  }
  if (!problems.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": checkpoint does not match the model (from another model?):\n",
        absl::StrJoin(problems, "\n")));
  }
  for (int v : session.variable_nodes()) {
    NABLA_RETURN_IF_ERROR(
        session.SetVariable(v, values.at(graph.node(v).name)));
  }
  for (RestoredSlot& slot : slots) {
    session.slots(slot.node)[slot.index] = std::move(slot.value);
  }
  session.set_step(checkpoint.step());
  return absl::OkStatus();
}

}  // namespace nabla
