// CsvPieces cuts a CSV file only where a record ends, whatever the block
// size: a line break inside quotes, a "" escape, a \r\n or a comment line
// that spans two blocks never splits a record, and the pieces put together
// are the file.
#include "plugins/data_sources/csv_pieces.h"

#include <set>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/plugins/data_sources/data_source_test_util.h"
#include "tests/status_matchers.h"

namespace nabla {
namespace {

using data_source_test::TestPath;
using data_source_test::WriteFile;

// Reads `text` in blocks of `block` bytes; the ends of its pieces.
std::vector<size_t> PieceEnds(const std::string& text, size_t block,
                              char comment = '#') {
  const std::string path = TestPath("pieces.csv");
  WriteFile(path, text);
  auto pieces = CsvPieces::Open(path, ',', comment, block);
  EXPECT_TRUE(pieces.ok()) << pieces.status();
  std::vector<size_t> ends;
  std::string joined;
  for (;;) {
    auto piece = (*pieces)->Next();
    EXPECT_TRUE(piece.ok()) << piece.status();
    if (!piece.ok() || piece->empty()) break;
    joined.append(piece->data(), piece->size());
    ends.push_back(joined.size());
  }
  EXPECT_EQ(joined, text) << "block " << block;
  return ends;
}

// Every piece ends at one of `record_ends` (offsets just past a record's
// line break, or the end of the text), for every block size.
void ExpectCutsOnlyAt(const std::string& text,
                      const std::set<size_t>& record_ends) {
  for (size_t block = 1; block <= text.size() + 1; ++block) {
    for (size_t end : PieceEnds(text, block)) {
      EXPECT_TRUE(record_ends.count(end) > 0 || end == text.size())
          << "block " << block << " cut at " << end;
    }
  }
}

TEST(CsvPiecesTest, QuotedLineBreaksAndEscapesStayInTheirRecord) {
  const std::string text = "a,b\n\"x\ny\",\"q\"\"\n\"\"\"\n1,2\n";
  // Records end after "a,b\n", after the two-line record, and at the end.
  ExpectCutsOnlyAt(text, {4, 19});
}

TEST(CsvPiecesTest, CarriageReturnsAndComments) {
  const std::string text = "a,b\r\n# a \"comment\r\n1,2\r3,4";
  ExpectCutsOnlyAt(text, {5, 19, 23});
}

TEST(CsvPiecesTest, QuoteInsideAPlainFieldIsText) {
  // 5"x is a plain field: its quote opens nothing.
  const std::string text = "5\"x,1\n2,3\n";
  ExpectCutsOnlyAt(text, {6});
  EXPECT_EQ(PieceEnds(text, 64), (std::vector<size_t>{10}));
}

TEST(CsvPiecesTest, UnclosedQuoteIsOneRecordToTheEnd) {
  // Read to the end; the CSV reader then reports the quote.
  const std::string text = "1,\"open\n2,3\n4,5\n";
  EXPECT_EQ(PieceEnds(text, 4), (std::vector<size_t>{text.size()}));
}

TEST(CsvPiecesTest, NotARegularFileIsRefusedByName) {
  EXPECT_STATUS(CsvPieces::Open("/dev/zero", ',', '#').status(),
                absl::StatusCode::kInvalidArgument,
                "/dev/zero: is a character device, not a regular file");
}

}  // namespace
}  // namespace nabla
