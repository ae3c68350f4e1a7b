"""The line format of the PyTorch cases that tests/ops/torch_cases.h reads:
"<name> <dims> | <values>", float64 values written with repr so that they
read back exactly."""


def emit(name, t):
    flat = t.detach().reshape(-1).tolist()
    print(name, " ".join(str(d) for d in t.shape), "|",
          " ".join(repr(v) for v in flat))
