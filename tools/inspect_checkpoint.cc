// inspect_checkpoint: prints a checkpoint's step, optimizer, and every
// variable and slot with its shape and values at full precision (float32
// with 9 significant digits, float64 with 17: enough to round-trip).
//
//   inspect_checkpoint CKPT
#include <cstdio>
#include <string>

#include "absl/strings/str_format.h"
#include "core/attrs.h"
#include "core/checkpoint.h"
#include "tools/stdout_status.h"

namespace nabla {
namespace {

void PrintTensor(const std::string& title, const TensorProto& proto) {
  auto tensor = TensorFromProto(proto, title);
  if (!tensor.ok()) {
    std::printf("%s: %s\n", title.c_str(),
                std::string(tensor.status().message()).c_str());
    return;
  }
  const bool is64 = tensor->dtype() == DType::kFloat64;
  std::printf("%s %s%s\n", title.c_str(), DTypeName(tensor->dtype()),
              tensor->shape().ToString().c_str());
  const int64_t n = tensor->num_elements();
  const int64_t width = tensor->shape().rank() >= 1
                            ? tensor->shape().dim(tensor->shape().rank() - 1)
                            : 1;
  for (int64_t i = 0; i < n; ++i) {
    std::printf(i % std::max<int64_t>(width, 1) == 0 ? "  " : " ");
    std::printf(is64 ? "%.17g" : "%.9g", tensor->ValueAt(i));
    if ((i + 1) % std::max<int64_t>(width, 1) == 0 || i + 1 == n)
      std::printf("\n");
  }
}

}  // namespace
}  // namespace nabla

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: inspect_checkpoint CKPT\n");
    return 2;
  }
  auto checkpoint = nabla::ReadCheckpoint(argv[1]);
  if (!checkpoint.ok()) {
    std::fprintf(stderr, "inspect_checkpoint: %s\n",
                 std::string(checkpoint.status().message()).c_str());
    return 1;
  }
  std::printf("step %lld\n", static_cast<long long>(checkpoint->step()));
  if (!checkpoint->optimizer().empty()) {
    std::printf("optimizer %s\n", checkpoint->optimizer().c_str());
  }
  const nabla::DataPosition& position = checkpoint->position();
  std::printf("position epoch %lld, sample %lld, data seed %llu\n",
              static_cast<long long>(position.epoch()),
              static_cast<long long>(position.next_sample()),
              static_cast<unsigned long long>(position.data_seed()));
  for (const auto& stats : checkpoint->normalization()) {
    std::string offsets, scales;
    for (double v : stats.offset()) offsets += absl::StrFormat(" %.17g", v);
    for (double v : stats.scale()) scales += absl::StrFormat(" %.17g", v);
    std::printf("normalization %s %s offset%s scale%s\n",
                stats.placeholder().c_str(), stats.method().c_str(),
                offsets.c_str(), scales.c_str());
  }
  for (const auto& variable : checkpoint->variable()) {
    nabla::PrintTensor("variable " + variable.name(), variable.value());
  }
  for (const auto& slot : checkpoint->slot()) {
    nabla::PrintTensor("slot " + slot.variable() + "/" + slot.slot(),
                       slot.value());
  }
  return nabla::FinishStdout("inspect_checkpoint", 0);
}
