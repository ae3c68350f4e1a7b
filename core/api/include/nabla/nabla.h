// nabla's public C++ API, all of it:
//
//   nabla/model.h          Model: load, train, predict, evaluate, checkpoints
//   nabla/graph_builder.h  GraphBuilder: a model written in C++
//   nabla/registry.h       LoadPlugin, and what the registry holds
//   nabla/kernels.h        the math kernels this CPU runs
//   nabla/values.h         Values: the numbers going in and out
//
// They include the C++ standard library and Abseil's Status and StatusOr,
// nothing else: no protobuf type reaches an app.
//
// Build an app with `g++ app.cc $(pkg-config --cflags --libs nabla)` after
// `bazel run //core/api:install -- PREFIX` (docs/embedding.md).
#ifndef NABLA_NABLA_H_
#define NABLA_NABLA_H_

#include "nabla/communicator.h"
#include "nabla/graph_builder.h"
#include "nabla/kernels.h"
#include "nabla/model.h"
#include "nabla/registry.h"
#include "nabla/values.h"

#endif  // NABLA_NABLA_H_
