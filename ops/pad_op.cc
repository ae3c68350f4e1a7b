// Pad: x with elements added before and after each dimension.
//
//   x: any shape.  pads: [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}]
//   (ONNX's order), each >= 0.  mode: "constant" (the added elements are
//   `value`), "reflect" (x mirrored about its first and last elements, as
//   NumPy's and PyTorch's "reflect": pads smaller than the dimension) or
//   "edge" (the first and last elements repeated).  y: x's shape with
//   begin_d + end_d added to dimension d.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/op_registry.h"
#include "core/status_macros.h"
#include "ops/shape_util.h"
#include "ops/vector_loop.h"

namespace nabla {
namespace {

constexpr int64_t kMaxPad = int64_t{1} << 40;

[[nodiscard]] absl::Status PadShape(ShapeContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  NABLA_RETURN_IF_ERROR(CheckMaxRank(x, "x"));
  const int rank = x.rank();
  absl::Span<const int64_t> pads = ctx.attrs().GetIntList("pads");
  const std::string& mode = ctx.attrs().GetString("mode");
  if (mode != "constant" && mode != "reflect" && mode != "edge") {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'mode' must be \"constant\", \"reflect\" or \"edge\", "
        "got \"",
        mode, "\""));
  }
  bool valid = static_cast<int>(pads.size()) == 2 * rank;
  for (int64_t p : pads) valid = valid && p >= 0 && p <= kMaxPad;
  if (!valid) {
    return absl::InvalidArgumentError(absl::StrCat(
        "attribute 'pads' [", absl::StrJoin(pads, ", "), "] must hold ",
        2 * rank, " values from 0 to 2^40 for x ", x.ToString(),
        ": the begins of every dimension, then the ends"));
  }
  Shape y = x;
  for (int d = 0; d < rank; ++d) {
    const int64_t before = pads[d], after = pads[rank + d], size = x.dim(d);
    if (size < 0) continue;
    if (mode == "reflect" && (before >= size || after >= size) &&
        before + after > 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "reflect padding of dimension ", d, " of x ", x.ToString(), " by ",
          before, " and ", after, ": each must be smaller than the dimension"));
    }
    if (mode == "edge" && size == 0 && before + after > 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("edge padding of dimension ", d, " of x ", x.ToString(),
                       ", which is empty: there is no edge to repeat"));
    }
    y.set_dim(d, size + before + after);
  }
  ctx.SetOutput(0, ctx.input_dtype(0), std::move(y));
  return absl::OkStatus();
}

// Which element of x each element of y reads, dimension by dimension;
// computed as the kernels go, so they allocate nothing.
struct PadMap {
  enum class Mode { kConstant, kReflect, kEdge };
  Mode mode = Mode::kConstant;
  int rank = 0;
  DimArray size{}, before{};

  // The index of x that index o of y's dimension d reads, or -1 for a
  // constant element.
  int64_t Source(int d, int64_t o) const {
    const int64_t i = o - before[d];
    if (i >= 0 && i < size[d]) return i;
    switch (mode) {
      case Mode::kConstant:
        return -1;
      case Mode::kEdge:
        return std::clamp<int64_t>(i, 0, size[d] - 1);
      case Mode::kReflect:  // the pads are smaller than the dimension
        return i < 0 ? -i : 2 * (size[d] - 1) - i;
    }
    return -1;
  }
};

PadMap MapOf(const ResolvedAttrs& attrs, const Shape& x) {
  const std::string& mode = attrs.GetString("mode");
  PadMap map;
  map.mode = mode == "constant" ? PadMap::Mode::kConstant
             : mode == "edge"   ? PadMap::Mode::kEdge
                                : PadMap::Mode::kReflect;
  map.rank = x.rank();
  for (int d = 0; d < map.rank; ++d) {
    map.size[d] = x.dim(d);
    map.before[d] = attrs.GetIntList("pads")[d];
  }
  return map;
}

// Rows of y: every dimension but the last.
int64_t RowsOf(const Shape& y) {
  const int64_t columns = y.dim(y.rank() - 1);
  return columns == 0 ? 0 : y.num_elements() / columns;
}

// fn(start of y's row r, start of the x row it reads or -1 for a constant
// row) for rows lo .. hi - 1 of y.
template <typename Fn>
void ForEachRow(const Shape& y, const PadMap& map, const Shape& x, int64_t lo,
                int64_t hi, Fn&& fn) {
  const int rank = y.rank();
  const int64_t columns = y.dim(rank - 1);
  DimArray x_strides{};
  RowMajorStrides(x, &x_strides);
  for (int64_t r = lo; r < hi; ++r) {
    int64_t rest = r, x_row = 0;
    for (int d = rank - 2; d >= 0; --d) {
      const int64_t i = map.Source(d, rest % y.dim(d));
      rest /= y.dim(d);
      x_row = i < 0 || x_row < 0 ? -1 : x_row + i * x_strides[d];
    }
    fn(r * columns, x_row);
  }
}

[[nodiscard]] absl::Status PadForward(const KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  Tensor& y = ctx.output(0);
  const PadMap map = MapOf(ctx.attrs(), x.shape());
  const double value = ctx.attrs().GetFloat("value");
  DispatchFloat(x.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.data<T>();
    T* out = y.data<T>();
    if (map.rank == 0) {
      out[0] = in[0];
      return;
    }
    const int last = map.rank - 1;
    const int64_t columns = y.shape().dim(last);
    ParallelFor(RowsOf(y.shape()), GrainFor(columns),
                [&](int64_t lo, int64_t hi) {
                  ForEachRow(y.shape(), map, x.shape(), lo, hi,
                             [&](int64_t y_row, int64_t x_row) {
                               for (int64_t c = 0; c < columns; ++c) {
                                 const int64_t i = map.Source(last, c);
                                 out[y_row + c] = x_row < 0 || i < 0
                                                      ? static_cast<T>(value)
                                                      : in[x_row + i];
                               }
                             });
                });
  });
  return absl::OkStatus();
}

// dx[i] = the sum of dy over the elements of y that read x[i], in y's
// row-major order (one thread: reflect and edge send many elements to one).
[[nodiscard]] absl::Status PadGradient(const GradientContext& ctx) {
  Tensor* dx = ctx.input_grad(0);
  if (dx == nullptr) return absl::OkStatus();
  const Tensor& dy = ctx.output_grad(0);
  const PadMap map = MapOf(ctx.attrs(), dx->shape());
  DispatchFloat(dy.dtype(), [&](auto zero) {
    using T = decltype(zero);
    const T* g = dy.data<T>();
    T* out = dx->data<T>();
    if (map.rank == 0) {
      out[0] = g[0];
      return;
    }
    std::fill(out, out + dx->num_elements(), T(0));
    const int last = map.rank - 1;
    const int64_t columns = dy.shape().dim(last);
    ForEachRow(dy.shape(), map, dx->shape(), 0, RowsOf(dy.shape()),
               [&](int64_t y_row, int64_t x_row) {
                 if (x_row < 0) return;
                 for (int64_t c = 0; c < columns; ++c) {
                   const int64_t i = map.Source(last, c);
                   if (i >= 0) out[x_row + i] += g[y_row + c];
                 }
               });
  });
  return absl::OkStatus();
}

NABLA_REGISTER_OP("Pad")
    .Input("x")
    .Output("y")
    .RequiredAttr("pads", AttrType::kIntList)
    .Attr("mode", "constant")
    .Attr("value", 0.0)
    .ShapeFn(PadShape)
    .Forward(PadForward)
    .Gradient(PadGradient)
    .GradientReads(ForwardValues::kNone)
    .Doc(
        "x padded by pads [begins..., ends...] with mode \"constant\" "
        "(value), \"reflect\" or \"edge\".");

}  // namespace
}  // namespace nabla
