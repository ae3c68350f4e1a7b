#include "tools/stdout_status.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace nabla {

int FinishStdout(const char* tool, int exit_code) {
  const bool flushed = std::fflush(stdout) == 0;
  if (flushed && !std::ferror(stdout)) return exit_code;
  // fflush sets errno; an earlier failed write only left the error flag.
  std::fprintf(stderr, "%s: could not write to standard output%s%s\n", tool,
               flushed ? "" : ": ", flushed ? "" : std::strerror(errno));
  return 1;
}

}  // namespace nabla
