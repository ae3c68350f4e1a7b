// The model summary: one row per layer (its expanded nodes folded in) or
// plain node, in graph order, with the output shape and the parameters
// counted by hand; trainable and state totals.
#include "core/run/model_summary.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/model_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

TEST(ModelSummaryTest, LayersPlainNodesAndTotals) {
  ASSERT_OK_AND_ASSIGN(
      const Graph graph,
      GraphFromBody(
          R"pb(
            node {
              name: "x"
              op: "Placeholder"
              attr {
                key: "shape"
                value { shape { dim: -1 dim: 2 dim: 4 dim: 4 } }
              }
            }
            node {
              name: "conv"
              op: "Conv2DLayer"
              input: "x"
              attr {
                key: "filters"
                value { i: 3 }
              }
              attr {
                key: "kernel_size"
                value { list { i: [ 3, 3 ] } }
              }
              attr {
                key: "use_bias"
                value { b: false }
              }
            }
            node {
              name: "bn"
              op: "BatchNormLayer"
              input: "conv"
              attr {
                key: "activation"
                value { s: "ReLU" }
              }
            }
            node { name: "flat" op: "Flatten" input: "bn" }
            node {
              name: "w"
              op: "Variable"
              attr {
                key: "shape"
                value { shape { dim: 12 dim: 5 } }
              }
              attr {
                key: "dtype"
                value { s: "float64" }
              }
            }
            node {
              name: "x64"
              op: "Placeholder"
              attr {
                key: "dtype"
                value { s: "float64" }
              }
              attr {
                key: "shape"
                value { shape { dim: -1 dim: 12 } }
              }
            }
            node { name: "y" op: "MatMul" input: "x64" input: "w" }
          )pb",
          "s.pbtxt"));
  // conv: 3 · 2 · 3 · 3 = 54 weights; bn: scale and bias 3 + 3 trainable,
  // mean and var 3 + 3 state; w: 60 float64. Bytes: 54 · 4 + 6 · 4 +
  // 60 · 8 = 720 trainable, 6 · 4 = 24 state.
  EXPECT_EQ(FormatModelSummary(graph),
            "layer (op)           output shape  params\n"
            "x (Placeholder)      [?, 2, 4, 4]       0\n"
            "conv (Conv2DLayer)   [?, 3, 2, 2]      54\n"
            "bn (BatchNormLayer)  [?, 3, 2, 2]      12\n"
            "flat (Flatten)       [?, 12]            0\n"
            "w (Variable)         [12, 5]           60\n"
            "x64 (Placeholder)    [?, 12]            0\n"
            "y (MatMul)           [?, 5]             0\n"
            "parameters: 120 trainable (720 B), 6 state (24 B)\n");
}

TEST(ModelSummaryTest, ATrainingStepsMemoryClosesIt) {
  ASSERT_OK_AND_ASSIGN(const Graph graph,
                       GraphFromBody(R"pb(
                                       node {
                                         name: "x"
                                         op: "Placeholder"
                                         attr {
                                           key: "shape"
                                           value { shape { dim: -1 dim: 2 } }
                                         }
                                       }
                                     )pb",
                                     "s.pbtxt"));
  MemoryPlan memory;
  memory.arena_bytes = 2048;
  memory.variable_bytes = 512;
  memory.slot_bytes = 1024;
  const std::string summary = FormatModelSummary(graph, &memory);
  EXPECT_EQ(summary.substr(summary.find("parameters")),
            "parameters: 0 trainable (0 B), 0 state (0 B)\n"
            "memory of a training step: 3.50 KiB peak (plan buffers 2.00 KiB, "
            "variables 512 B, optimizer slots 1.00 KiB)\n");
}

}  // namespace
}  // namespace nabla
