// The 2-2-2 sigmoid network of the classic backpropagation walk-through
// (inputs 0.05, 0.10; targets 0.01, 0.99; learning rate 0.5), run through
// the whole stack (model text, graph, planner, executor, SGD) in float64
// and compared with values derived by hand.
//
// Derivation. With x = [i1, i2], W1 = [[w1, w3], [w2, w4]], W2 = [[w5, w7],
// [w6, w8]] (row = input, column = neuron), and per-layer biases b1, b2:
//   net_h = x W1 + b1,      out_h = s(net_h)        (s = logistic sigmoid)
//   net_o = out_h W2 + b2,  out_o = s(net_o)
//   E = mean over the 2 outputs of (out_o - t)^2 = sum 1/2 (t - out_o)^2
// so E is exactly the tutorial's E_total. Backwards:
//   dE/dout_o = (out_o - t)                  (2 (out_o - t) / 2)
//   delta_o  = dE/dnet_o = (out_o - t) out_o (1 - out_o)
//   dE/dW2[j][k] = out_h[j] delta_o[k],  dE/db2[k] = delta_o[k]
//   dE/dout_h[j] = sum_k W2[j][k] delta_o[k]
//   delta_h  = dE/dout_h out_h (1 - out_h)
//   dE/dW1[i][j] = x[i] delta_h[j],      dE/db1[j] = delta_h[j]
// and SGD sets w <- w - 0.5 dE/dw. The test evaluates these formulas in
// plain C++ and also checks the tutorial's published figures.
#include <cmath>
#include <memory>

#include "core/graph.h"
#include "core/model_parser.h"
#include "core/optimizer.h"
#include "core/session.h"
#include "gtest/gtest.h"
#include "tests/model_test_util.h"

namespace nabla {
namespace {

constexpr char kModel[] = R"pb(
  graph {
    node {
      name: "x"
      op: "Placeholder"
      attr {
        key: "dtype"
        value { s: "float64" }
      }
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 2 } }
      }
    }
    node {
      name: "t"
      op: "Placeholder"
      attr {
        key: "dtype"
        value { s: "float64" }
      }
      attr {
        key: "shape"
        value { shape { dim: -1 dim: 2 } }
      }
    }
    node {
      name: "W1"
      op: "Variable"
      attr {
        key: "dtype"
        value { s: "float64" }
      }
      attr {
        key: "shape"
        value { shape { dim: 2 dim: 2 } }
      }
      attr {
        key: "initializer"
        value { s: "values" }
      }
      attr {
        key: "values"
        value {
          tensor {
            shape { dim: 2 dim: 2 }
            value: [ 0.15, 0.25, 0.20, 0.30 ]
          }
        }
      }
    }
    node {
      name: "b1"
      op: "Variable"
      attr {
        key: "dtype"
        value { s: "float64" }
      }
      attr {
        key: "shape"
        value { shape { dim: 2 } }
      }
      attr {
        key: "initializer"
        value { s: "constant" }
      }
      attr {
        key: "init_value"
        value { f: 0.35 }
      }
    }
    node {
      name: "W2"
      op: "Variable"
      attr {
        key: "dtype"
        value { s: "float64" }
      }
      attr {
        key: "shape"
        value { shape { dim: 2 dim: 2 } }
      }
      attr {
        key: "initializer"
        value { s: "values" }
      }
      attr {
        key: "values"
        value {
          tensor {
            shape { dim: 2 dim: 2 }
            value: [ 0.40, 0.50, 0.45, 0.55 ]
          }
        }
      }
    }
    node {
      name: "b2"
      op: "Variable"
      attr {
        key: "dtype"
        value { s: "float64" }
      }
      attr {
        key: "shape"
        value { shape { dim: 2 } }
      }
      attr {
        key: "initializer"
        value { s: "constant" }
      }
      attr {
        key: "init_value"
        value { f: 0.60 }
      }
    }
    node { name: "net_h" op: "MatMul" input: "x" input: "W1" }
    node { name: "net_hb" op: "BiasAdd" input: "net_h" input: "b1" }
    node { name: "out_h" op: "Sigmoid" input: "net_hb" }
    node { name: "net_o" op: "MatMul" input: "out_h" input: "W2" }
    node { name: "net_ob" op: "BiasAdd" input: "net_o" input: "b2" }
    node { name: "out_o" op: "Sigmoid" input: "net_ob" }
    node { name: "E" op: "MeanSquaredError" input: "out_o" input: "t" }
  }
)pb";

double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

class OracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    session_ = SessionFromModelText(kModel, {});
    ASSERT_NE(session_, nullptr);
    ASSERT_TRUE(session_->SetTraining("E", Sgd(0.5)).ok());
    x_ = Tensor::FromValues(DType::kFloat64, {1, 2}, {0.05, 0.10});
    t_ = Tensor::FromValues(DType::kFloat64, {1, 2}, {0.01, 0.99});
  }

  const Tensor& Variable(const char* name) {
    return session_->variable(*session_->graph().FindNode(name));
  }
  const Tensor& Gradient(const char* name) {
    return *session_->last_gradient(*session_->graph().FindNode(name));
  }

  std::unique_ptr<Session> session_;
  Tensor x_, t_;
};

TEST_F(OracleTest, OneStepMatchesTheHandDerivation) {
  // By hand, with the formulas of the file comment.
  const double x[2] = {0.05, 0.10}, t[2] = {0.01, 0.99};
  const double W1[2][2] = {{0.15, 0.25}, {0.20, 0.30}};
  const double W2[2][2] = {{0.40, 0.50}, {0.45, 0.55}};
  const double b1 = 0.35, b2 = 0.60, rate = 0.5;
  double out_h[2], out_o[2], delta_o[2], delta_h[2];
  for (int j = 0; j < 2; ++j)
    out_h[j] = Sigmoid(x[0] * W1[0][j] + x[1] * W1[1][j] + b1);
  for (int k = 0; k < 2; ++k)
    out_o[k] = Sigmoid(out_h[0] * W2[0][k] + out_h[1] * W2[1][k] + b2);
  const double E = 0.5 * ((t[0] - out_o[0]) * (t[0] - out_o[0]) +
                          (t[1] - out_o[1]) * (t[1] - out_o[1]));
  for (int k = 0; k < 2; ++k)
    delta_o[k] = (out_o[k] - t[k]) * out_o[k] * (1 - out_o[k]);
  for (int j = 0; j < 2; ++j) {
    const double back = W2[j][0] * delta_o[0] + W2[j][1] * delta_o[1];
    delta_h[j] = back * out_h[j] * (1 - out_h[j]);
  }

  // Forward values before the step.
  const Feed feeds[] = {{"x", &x_}, {"t", &t_}};
  const std::string fetches[] = {"out_h", "out_o"};
  auto forward = session_->Run(feeds, fetches);
  ASSERT_TRUE(forward.ok()) << forward.status();
  for (int j = 0; j < 2; ++j)
    EXPECT_NEAR((*forward)[0].ValueAt(j), out_h[j], 1e-15);
  for (int k = 0; k < 2; ++k)
    EXPECT_NEAR((*forward)[1].ValueAt(k), out_o[k], 1e-15);

  auto loss = session_->TrainStep(feeds);
  ASSERT_TRUE(loss.ok()) << loss.status();
  EXPECT_NEAR(*loss, E, 1e-15);

  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) {
      EXPECT_NEAR(Gradient("W1").ValueAt(i * 2 + j), x[i] * delta_h[j], 1e-15);
      EXPECT_NEAR(Gradient("W2").ValueAt(i * 2 + j), out_h[i] * delta_o[j],
                  1e-15);
      EXPECT_NEAR(Variable("W1").ValueAt(i * 2 + j),
                  W1[i][j] - rate * x[i] * delta_h[j], 1e-15);
      EXPECT_NEAR(Variable("W2").ValueAt(i * 2 + j),
                  W2[i][j] - rate * out_h[i] * delta_o[j], 1e-15);
    }
  }
  for (int j = 0; j < 2; ++j) {
    EXPECT_NEAR(Gradient("b1").ValueAt(j), delta_h[j], 1e-15);
    EXPECT_NEAR(Gradient("b2").ValueAt(j), delta_o[j], 1e-15);
    EXPECT_NEAR(Variable("b1").ValueAt(j), b1 - rate * delta_h[j], 1e-15);
    EXPECT_NEAR(Variable("b2").ValueAt(j), b2 - rate * delta_o[j], 1e-15);
  }
}

TEST_F(OracleTest, OneStepMatchesThePublishedFigures) {
  // The walk-through's numbers, rounded to 9 digits there.
  const Feed feeds[] = {{"x", &x_}, {"t", &t_}};
  auto loss = session_->TrainStep(feeds);
  ASSERT_TRUE(loss.ok()) << loss.status();
  EXPECT_NEAR(*loss, 0.298371109, 1e-9);
  // dE/dw5 (W2[0][0]).
  EXPECT_NEAR(Gradient("W2").ValueAt(0), 0.082167041, 1e-9);
  // w5..w8 and w1..w4 after the update, in W2 and W1 layout.
  EXPECT_NEAR(Variable("W2").ValueAt(0), 0.35891648, 1e-8);
  EXPECT_NEAR(Variable("W2").ValueAt(2), 0.408666186, 1e-9);
  EXPECT_NEAR(Variable("W2").ValueAt(1), 0.511301270, 1e-9);
  EXPECT_NEAR(Variable("W2").ValueAt(3), 0.561370121, 1e-9);
  EXPECT_NEAR(Variable("W1").ValueAt(0), 0.149780716, 1e-9);
  EXPECT_NEAR(Variable("W1").ValueAt(2), 0.19956143, 1e-8);
  EXPECT_NEAR(Variable("W1").ValueAt(1), 0.24975114, 1e-8);
  EXPECT_NEAR(Variable("W1").ValueAt(3), 0.29950229, 1e-8);
}

}  // namespace
}  // namespace nabla
