// Moved to core/gradient_check.h (train_graph --gradcheck uses it too).
// TODO(lead): remove once every test includes the new header.
#include "core/gradient_check.h"
