// A whole tensor and its parts along one axis: Concat joins parts into a
// whole, Split cuts a whole into parts, and each one's gradient is the
// other's forward.
#ifndef NABLA_OPS_AXIS_PARTS_H_
#define NABLA_OPS_AXIS_PARTS_H_

#include <cstddef>
#include <cstdint>

#include "core/parallel.h"
#include "core/tensor.h"

namespace nabla {

// Bytes of one row of a tensor of `shape`: its dimensions from `axis` on.
inline int64_t AxisRowBytes(const Shape& shape, int axis, size_t element) {
  int64_t row = static_cast<int64_t>(element);
  for (int d = axis; d < shape.rank(); ++d) row *= shape.dim(d);
  return row;
}

// The whole is [outer, row] with a row of its dimensions from `axis` on;
// part k (of `parts`, shaped part_shape(k)) is [outer, its row], and row o
// of the whole holds row o of every part in turn. Calls
// copy(k, part, whole, bytes) for row o of every part, in parallel over o:
// `part` is the byte offset of the row in part k, `whole` in the whole.
// The sizes are read from the shapes as it goes: nothing is allocated.
template <typename PartShape, typename Copy>
void ForEachPartRow(const Shape& whole_shape, int axis, size_t element,
                    int parts, const PartShape& part_shape, const Copy& copy) {
  int64_t outer = 1;
  for (int d = 0; d < axis; ++d) outer *= whole_shape.dim(d);
  const int64_t whole_row = AxisRowBytes(whole_shape, axis, element);
  ParallelFor(outer, GrainFor(whole_row / 4 + 1), [&](int64_t lo, int64_t hi) {
    for (int64_t o = lo; o < hi; ++o) {
      int64_t at = 0;
      for (int k = 0; k < parts; ++k) {
        const int64_t row = AxisRowBytes(part_shape(k), axis, element);
        copy(k, o * row, o * whole_row + at, row);
        at += row;
      }
    }
  });
}

}  // namespace nabla

#endif  // NABLA_OPS_AXIS_PARTS_H_
