// Files a test writes and reads, in Bazel's per-test TEST_TMPDIR.
#ifndef NABLA_TESTS_TEST_FILES_H_
#define NABLA_TESTS_TEST_FILES_H_

#include <string>

namespace nabla {

// TEST_TMPDIR/name.
std::string TestPath(const std::string& name);

// Writes `bytes` to `path`, replacing it; a test failure when it cannot.
void WriteFile(const std::string& path, const std::string& bytes);

}  // namespace nabla

#endif  // NABLA_TESTS_TEST_FILES_H_
