// SIGINT and SIGTERM during training: the first one asks the run to stop
// after its current step (train_graph then saves a checkpoint and exits
// cleanly); a second one ends the process at once, as usual.
#ifndef NABLA_TOOLS_STOP_SIGNAL_H_
#define NABLA_TOOLS_STOP_SIGNAL_H_

namespace nabla {

void InstallStopSignalHandlers();
// Back to the default action (the process ends) for both signals.
void RestoreDefaultSignalHandlers();

// The first SIGINT or SIGTERM received since the handlers were installed,
// or 0.
int StopSignalReceived();

}  // namespace nabla

#endif  // NABLA_TOOLS_STOP_SIGNAL_H_
