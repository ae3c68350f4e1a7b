// Plain-text tables for the tools' reports (--time, --summary).
#ifndef NABLA_CORE_RUN_TEXT_TABLE_H_
#define NABLA_CORE_RUN_TEXT_TABLE_H_

#include <string>
#include <vector>

namespace nabla {

using TextRow = std::vector<std::string>;

// One line per row, columns separated by two spaces; the first `left`
// columns are aligned left (names), the others right (numbers). Trailing
// blanks are dropped.
std::string FormatTable(const std::vector<TextRow>& rows, size_t left);

}  // namespace nabla

#endif  // NABLA_CORE_RUN_TEXT_TABLE_H_
