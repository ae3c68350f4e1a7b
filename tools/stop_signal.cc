#include "tools/stop_signal.h"

#include <signal.h>

#include <atomic>

namespace nabla {
namespace {

std::atomic<int> g_stop_signal{0};

void OnStopSignal(int signal) {
  int none = 0;
  if (!g_stop_signal.compare_exchange_strong(none, signal)) {
    // The second signal: the default action, which ends the process.
    ::signal(signal, SIG_DFL);
    ::raise(signal);
  }
}

}  // namespace

void InstallStopSignalHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);
}

void RestoreDefaultSignalHandlers() {
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
}

int StopSignalReceived() { return g_stop_signal.load(); }

}  // namespace nabla
