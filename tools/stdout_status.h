// Whether everything a tool printed reached standard output: a full disk
// or `> /dev/full` must not lose predictions behind an exit status of 0.
#ifndef NABLA_TOOLS_STDOUT_STATUS_H_
#define NABLA_TOOLS_STDOUT_STATUS_H_

namespace nabla {

// Flushes stdout. On a write error, prints "TOOL: could not write to
// standard output: REASON" to stderr and returns 1; else returns
// `exit_code`. Call it as the tool's last step: return
// FinishStdout("train_graph", 0);
int FinishStdout(const char* tool, int exit_code);

}  // namespace nabla

#endif  // NABLA_TOOLS_STDOUT_STATUS_H_
