// Values: the numbers an application passes to a Model and gets back.
//
//   nabla::Values hours({2, 2}, {4, 8,    // one row per sample
//                                1, 5});
//   hours.at(1, 0);        // 1
//   hours.rows();          // 2
//
// A plain value type (copyable, movable, no hidden sharing): row-major
// numbers and their shape. Doubles hold float32 and float64 models' values
// exactly; a Model converts to and from its placeholders' dtypes.
#ifndef NABLA_VALUES_H_
#define NABLA_VALUES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace nabla {

struct Values {
  Values() = default;
  // REQUIRES: data.size() equals the product of `shape` (a Model refuses
  // Values that break this with InvalidArgument; nothing aborts).
  Values(std::vector<int64_t> shape, std::vector<double> data)
      : shape(std::move(shape)), data(std::move(data)) {}

  // Dimension 0, the samples; 0 for a scalar.
  int64_t rows() const { return shape.empty() ? 0 : shape[0]; }
  // Elements per row (all of them for a scalar).
  int64_t row_size() const;
  // Element (row, column) of a [rows, ...] value seen as a matrix.
  // REQUIRES: in range.
  double at(int64_t row, int64_t column) const {
    return data[row * row_size() + column];
  }
  // "[2, 2]".
  std::string ShapeString() const;

  std::vector<int64_t> shape;
  std::vector<double> data;
};

// Values fed to a placeholder, or fetched from a node ("node" or "node:k").
struct NamedValues {
  std::string name;
  Values values;
};

}  // namespace nabla

#endif  // NABLA_VALUES_H_
