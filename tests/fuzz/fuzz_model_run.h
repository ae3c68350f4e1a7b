// Runs a parsed model as train_graph would, within a fuzzer's memory
// limits: builds the graph, feeds the model's inline data or made-up
// batches, takes two training steps and a prediction. Errors are traced
// (fuzz_util.h); a crash, sanitizer report or leak is a bug. The memory
// limits are the fuzzers', not nabla's (see model_fuzzer.cc).
#ifndef NABLA_TESTS_FUZZ_FUZZ_MODEL_RUN_H_
#define NABLA_TESTS_FUZZ_FUZZ_MODEL_RUN_H_

#include "core/model_parser.h"

namespace nabla {

void RunParsedModel(const ParsedModel& parsed);

}  // namespace nabla

#endif  // NABLA_TESTS_FUZZ_FUZZ_MODEL_RUN_H_
