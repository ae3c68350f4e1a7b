// The comparisons Greater, GreaterOrEqual, Less, LessOrEqual and Equal:
// z = 1 where the comparison of a and b holds and 0 elsewhere (in their
// dtype: nabla's tensors are floating point), elementwise with NumPy
// broadcasting. A comparison with NaN does not hold. Their results are
// piecewise constant: there is no gradient. Where and Mul take them as
// masks.
#include "core/op_registry.h"
#include "ops/binary_op.h"

namespace nabla {
namespace {

template <typename Compare>
struct CompareFn {
  template <typename T>
  static T Value(T a, T b) {
    return Compare()(a, b) ? T(1) : T(0);
  }
};

struct Greater {
  template <typename T>
  bool operator()(T a, T b) const {
    return a > b;
  }
};
struct GreaterOrEqual {
  template <typename T>
  bool operator()(T a, T b) const {
    return a >= b;
  }
};
struct Less {
  template <typename T>
  bool operator()(T a, T b) const {
    return a < b;
  }
};
struct LessOrEqual {
  template <typename T>
  bool operator()(T a, T b) const {
    return a <= b;
  }
};
struct Equal {
  template <typename T>
  bool operator()(T a, T b) const {
    return a == b;
  }
};

NABLA_REGISTER_OP("Greater")
    .NonDifferentiableInput("a")
    .NonDifferentiableInput("b")
    .Output("z")
    .ShapeFn(BinaryShape)
    .Forward(BinaryForward<CompareFn<Greater>>)
    .NoGradient()
    .Doc("z = 1 where a > b, else 0, with broadcasting.");

NABLA_REGISTER_OP("GreaterOrEqual")
    .NonDifferentiableInput("a")
    .NonDifferentiableInput("b")
    .Output("z")
    .ShapeFn(BinaryShape)
    .Forward(BinaryForward<CompareFn<GreaterOrEqual>>)
    .NoGradient()
    .Doc("z = 1 where a >= b, else 0, with broadcasting.");

NABLA_REGISTER_OP("Less")
    .NonDifferentiableInput("a")
    .NonDifferentiableInput("b")
    .Output("z")
    .ShapeFn(BinaryShape)
    .Forward(BinaryForward<CompareFn<Less>>)
    .NoGradient()
    .Doc("z = 1 where a < b, else 0, with broadcasting.");

NABLA_REGISTER_OP("LessOrEqual")
    .NonDifferentiableInput("a")
    .NonDifferentiableInput("b")
    .Output("z")
    .ShapeFn(BinaryShape)
    .Forward(BinaryForward<CompareFn<LessOrEqual>>)
    .NoGradient()
    .Doc("z = 1 where a <= b, else 0, with broadcasting.");

NABLA_REGISTER_OP("Equal")
    .NonDifferentiableInput("a")
    .NonDifferentiableInput("b")
    .Output("z")
    .ShapeFn(BinaryShape)
    .Forward(BinaryForward<CompareFn<Equal>>)
    .NoGradient()
    .Doc("z = 1 where a == b, else 0, with broadcasting.");

}  // namespace
}  // namespace nabla
