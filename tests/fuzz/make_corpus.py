#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into tests/fuzz/corpus/.

    bazel build //tools:train_graph
    python3 tests/fuzz/make_corpus.py bazel-bin/tools/train_graph

Run from the repository root. Each target's directory is rewritten except
for files whose name starts with "crash-" (inputs that crashed nabla once,
kept as regressions). Seeds come from:

  model       examples/*.pbtxt and every model file of tests/bad_inputs
  checkpoint  checkpoints of tests/fuzz/checkpoint_model.pbtxt trained by
              train_graph (SGD with momentum, Adam), whole and as payloads,
              and the checkpoint files of the bad-input cases
  csv         the head of examples/data/*.csv and the CSV files of the
              bad-input cases, with settings bytes that fit them
  idx         small IDX files of every element type, gzipped or not, and
              the IDX files of the bad-input cases
  predict     rows as --predict and --predict_file give them, for every
              shape the target offers, and the --predict values and CSV
              files of the bad-input cases
  flags       the command lines of the bad-input cases and of the README's
              examples
  onnx        small ONNX models of the op families the import converts
              (built with the onnx module: run this script with Debian's
              /usr/bin/python3, which has python3-onnx)

The first bytes of a checkpoint, csv, idx or predict seed are the target's settings
(see the comment at the top of each *_fuzzer.cc).
"""
import gzip
import hashlib
import os
import shlex
import struct
import subprocess
import sys
import tempfile

CORPUS = "tests/fuzz/corpus"
CASES = "tests/bad_inputs/cases"


def write_seeds(target, seeds):
    """Replaces the seeds of `target` with `seeds` (name -> bytes)."""
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if not name.startswith("crash-"):
            os.remove(os.path.join(directory, name))
    seen = set()
    for name, data in sorted(seeds.items()):
        digest = hashlib.sha1(data).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)
    print(f"{directory}: {len(seen)} seeds")


def parse_case(path):
    """The setup commands and the files of a bad-input case."""
    setup, files, current = [], {}, None
    with open(path) as f:
        for line in f:
            if line.startswith("--- "):
                current = line[4:].strip()
                files[current] = ""
            elif current is not None:
                files[current] += line
            elif line.startswith("# setup:"):
                setup.append(line[len("# setup:"):].strip())
    return setup, files


def case_files(suffixes):
    """Every file of a bad-input case whose name ends in one of `suffixes`,
    written by the case's sections or made by its setup commands."""
    found = {}
    for case in sorted(os.listdir(CASES)):
        setup, files = parse_case(os.path.join(CASES, case))
        with tempfile.TemporaryDirectory() as work:
            for name, text in files.items():
                with open(os.path.join(work, name), "w") as f:
                    f.write(text)
            for command in setup:
                subprocess.run(command, shell=True, cwd=work, check=False,
                               stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            for name in sorted(os.listdir(work)):
                path = os.path.join(work, name)
                if os.path.isfile(path) and name.endswith(suffixes):
                    with open(path, "rb") as f:
                        found[f"{case[:-len('.case')]}_{name}"] = f.read()
    return found


def model_seeds():
    seeds = {}
    for name in sorted(os.listdir("examples")):
        if name.endswith(".pbtxt"):
            with open(os.path.join("examples", name), "rb") as f:
                seeds[f"example_{name}"] = f.read()
    seeds.update(case_files((".pbtxt",)))
    return seeds


def train_checkpoint(train_graph, model_text, work, name):
    model = os.path.join(work, f"{name}.pbtxt")
    with open(model, "w") as f:
        f.write(model_text)
    checkpoint = os.path.join(work, f"{name}.ckpt")
    subprocess.run([train_graph, model, "--save", checkpoint], check=True,
                   stdout=subprocess.DEVNULL)
    with open(checkpoint, "rb") as f:
        return f.read()


def checkpoint_seeds(train_graph):
    with open("tests/fuzz/checkpoint_model.pbtxt") as f:
        sgd_model = f.read()
    adam_model = sgd_model.replace(
        'name: "SGD"', 'name: "Adam"').replace(
        'attr { key: "momentum" value { f: 0.9 } }', "")
    seeds = {}
    with tempfile.TemporaryDirectory() as work:
        for mode, (name, text) in enumerate([("sgd", sgd_model),
                                             ("adam", adam_model)]):
            data = train_checkpoint(train_graph, text, work, name)
            adam_bit = 2 if name == "adam" else 0
            # Whole file (bit 0 clear), and payload only (bit 0 set).
            seeds[f"trained_{name}"] = bytes([adam_bit]) + data
            seeds[f"trained_{name}_payload"] = bytes([adam_bit | 1]) + data[20:]
    for name, data in case_files((".ckpt",)).items():
        seeds[name] = b"\x00" + data
    return seeds


def csv_seeds():
    seeds = {}
    # Settings: header, by-name columns (byte 0 bits 6-7 = 2 or 3), with
    # classes for the blobs; byte 1: STANDARDIZE and a hold-out.
    heads = {
        "regression.csv": bytes([0x01 | 2 << 6, 0x09]),
        "blobs_train.csv": bytes([0x01 | 0x02 | 3 << 6, 0x01]),
        "blobs_test.csv": bytes([0x01 | 0x02 | 2 << 6, 0x02]),
    }
    for name, settings in heads.items():
        with open(os.path.join("examples/data", name), "rb") as f:
            head = b"".join(f.readlines()[:12])
        seeds[f"example_{name}"] = settings + head
        # The same gzipped by the target (bit 5), as float64.
        seeds[f"example_gz_{name}"] = bytes([settings[0] | 0x20 | 0x04,
                                             settings[1]]) + head
    for name, data in case_files((".csv", ".gz", ".txt")).items():
        # Header, targets by index (byte 0 bits 6-7 = 1), no normalisation.
        seeds[name] = bytes([0x01 | 1 << 6, 0x10]) + data
    return seeds


def idx_file(code, dims, values):
    formats = {0x08: "B", 0x09: "b", 0x0B: ">h", 0x0C: ">i", 0x0D: ">f",
               0x0E: ">d"}
    data = b"".join(struct.pack(formats[code], v) for v in values)
    return struct.pack(">HBB", 0, code, len(dims)) + b"".join(
        struct.pack(">I", d) for d in dims) + data


def idx_input(settings, options, images, labels):
    return bytes([settings, options]) + struct.pack("<H", len(images)) + \
        images + labels


def idx_seeds():
    seeds = {}
    labels = idx_file(0x08, [3], [0, 2, 1])
    for code in (0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E):
        images = idx_file(code, [3, 2, 2], list(range(12)))
        # Flattened (bit 3), STANDARDIZE; and 3-d, gzipped, float64, 1/255.
        seeds[f"type_{code:02x}"] = idx_input(0x08, 0x01, images, labels)
        seeds[f"type_{code:02x}_gz"] = idx_input(0x01 | 0x02 | 0x10 | 0x80,
                                                  0x0A, images, labels)
    # Images only, limit 1 (bits 5-6 = 1).
    seeds["no_labels"] = idx_input(0x04 | 0x08 | 1 << 5, 0x00,
                                   idx_file(0x08, [2, 3], list(range(6))), b"")
    # Already gzipped in the file itself.
    seeds["gzip_file"] = idx_input(
        0x08, 0x01, gzip.compress(idx_file(0x08, [2, 2], [1, 2, 3, 4]), mtime=0),
        gzip.compress(idx_file(0x08, [2], [0, 1]), mtime=0))
    cases = case_files((".idx", ".gz"))
    by_case = {}
    for name, data in cases.items():
        case, _, file = name.rpartition("_")
        by_case.setdefault(case, []).append((file, data))
    for case, files in by_case.items():
        files.sort()
        images = next((d for f, d in files if f.startswith("img")), files[0][1])
        labels = next((d for f, d in files if f.startswith("lab")), b"")
        seeds[case] = idx_input(0x08 | (0 if labels else 0x04), 0x00, images,
                                labels)
    return seeds


def case_args():
    """The arguments of every bad-input case ({model} as m.pbtxt)."""
    found = {}
    for case in sorted(os.listdir(CASES)):
        with open(os.path.join(CASES, case)) as f:
            for line in f:
                if line.startswith("# args:"):
                    text = line[len("# args:"):].replace("{model}", "m.pbtxt")
                    try:
                        found[case[:-len(".case")]] = shlex.split(text)
                    except ValueError:
                        pass
    return found


def predict_seeds():
    # Settings byte: bits 0-1 the shape, bit 2 float64, bit 3 a file.
    seeds = {
        "two": bytes([0]) + b"4,8; 1,5",
        "two_f64_file": bytes([0x04 | 0x08]) + b"a,b\n4,8\n1,5\n",
        "image": bytes([1]) + b"0.1,0.2,0.3,0.4",
        "three_file": bytes([2 | 0x08]) + b"1,2,3\n\n4,5,6\n",
        "unknown_dim": bytes([3]) + b"1,2",
        "exponent": bytes([0]) + b"1e-3,-2E+2;0x1p3,inf",
    }
    for name, args in case_args().items():
        for flag, value in zip(args, args[1:]):
            if flag == "--predict":
                seeds[f"{name}_text"] = bytes([0]) + value.encode()
    for name, data in case_files((".csv",)).items():
        seeds[name] = bytes([0x08]) + data
    return seeds


def flags_seeds():
    seeds = {f"{name}": "\0".join(args).encode()
             for name, args in case_args().items()}
    seeds["readme_predict"] = b"\0".join(
        [b"examples/xor.pbtxt", b"--predict", b"0,0; 0,1; 1,0; 1,1"])
    seeds["readme_resume"] = b"\0".join(
        [b"m.pbtxt", b"--threads", b"2", b"--resume", b"cnn.ckpt",
         b"--epochs", b"20", b"--memory_limit", b"1.5G", b"--metrics",
         b"f1,top3", b"--max_text_size=4G", b"--check_numerics=false"])
    return seeds


def onnx_seeds():
    """Small ONNX models: each converter family, legacy forms, folded
    shape computations, and inputs the import refuses."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def model(nodes, inputs, outputs, inits=(), opset=13):
        graph = helper.make_graph(
            nodes, "seed",
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, s)
             for n, s in inputs],
            [helper.make_tensor_value_info(n, TensorProto.FLOAT, None)
             for n in outputs],
            [numpy_helper.from_array(np.asarray(v), n) for n, v in inits])
        m = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", opset)])
        return m.SerializeToString()

    rng = np.random.default_rng(1)

    def weights(*shape):
        return rng.standard_normal(shape).astype(np.float32)

    node = helper.make_node
    seeds = {}
    seeds["mlp"] = model(
        [node("Gemm", ["x", "w1", "b1"], ["h"], transB=1),
         node("Relu", ["h"], ["r"]),
         node("Gemm", ["r", "w2", "b2"], ["y"], alpha=0.5, beta=2.0)],
        [("x", ["batch", 3])], ["y"],
        [("w1", weights(4, 3)), ("b1", weights(4)), ("w2", weights(4, 2)),
         ("b2", weights(2))])
    seeds["cnn"] = model(
        [node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1],
              strides=[1, 1]),
         node("BatchNormalization", ["c", "s", "o", "m", "v"], ["n"]),
         node("MaxPool", ["n"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
         node("Flatten", ["p"], ["f"]),
         node("Gemm", ["f", "fw"], ["g"], transB=1),
         node("Softmax", ["g"], ["y"])],
        [("x", [1, 1, 4, 4])], ["y"],
        [("w", weights(2, 1, 3, 3)), ("b", weights(2)), ("s", weights(2)),
         ("o", weights(2)), ("m", weights(2)),
         ("v", np.abs(weights(2)) + 0.5), ("fw", weights(3, 8))])
    seeds["shapes"] = model(
        [node("Reshape", ["x", "shape"], ["r"]),
         node("Transpose", ["r"], ["t"], perm=[1, 0]),
         node("Slice", ["t", "starts", "ends"], ["s"]),
         node("Split", ["s"], ["a", "b"], axis=0),
         node("Concat", ["b", "a"], ["c"], axis=0),
         node("Unsqueeze", ["c", "axes"], ["u"]),
         node("Squeeze", ["u", "axes"], ["q"]),
         node("Gather", ["q", "idx"], ["y"], axis=1)],
        [("x", [2, 3])], ["y"],
        [("shape", np.array([3, -1], np.int64)),
         ("starts", np.array([0, 0], np.int64)),
         ("ends", np.array([2, 9223372036854775807], np.int64)),
         ("axes", np.array([0], np.int64)),
         ("idx", np.array([1, -1], np.int64))])
    seeds["reductions"] = model(
        [node("ReduceSum", ["x", "axes"], ["s"], keepdims=0),
         node("ReduceLogSumExp", ["x"], ["l"], axes=[0]),
         node("ArgMax", ["x"], ["a"], axis=1, select_last_index=1),
         node("Add", ["s", "l"], ["y"])],
        [("x", [3, 3])], ["y", "a"], [("axes", np.array([0], np.int64))])
    seeds["legacy_broadcast"] = model(
        [node("Add", ["x", "b"], ["y"], broadcast=1, axis=1)],
        [("x", [2, 3, 4])], ["y"], [("b", weights(3))], opset=6)
    seeds["folded_shape"] = model(
        [node("Shape", ["x"], ["shape"]),
         node("Gather", ["shape", "zero"], ["n"]),
         node("Unsqueeze", ["n", "axes"], ["n1"]),
         node("Concat", ["n1", "minus_one"], ["target"], axis=0),
         node("Reshape", ["x", "target"], ["y"])],
        [("x", [2, 3, 4])], ["y"],
        [("zero", np.array(0, np.int64)), ("axes", np.array([0], np.int64)),
         ("minus_one", np.array([-1], np.int64))])
    seeds["unsupported"] = model(
        [node("Cos", ["x"], ["e"]), node("Det", ["e"], ["y"])],
        [("x", [2, 2])], ["y"])
    external = onnx.load_from_string(
        model([node("MatMul", ["x", "w"], ["y"])], [("x", [1, 2])], ["y"],
              [("w", weights(2, 2))]))
    w = external.graph.initializer[0]
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    w.external_data.add(key="location", value="w.bin")
    seeds["external_data"] = external.SerializeToString()
    return seeds


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_corpus.py PATH/TO/train_graph")
    train_graph = os.path.abspath(sys.argv[1])
    write_seeds("model", model_seeds())
    write_seeds("checkpoint", checkpoint_seeds(train_graph))
    write_seeds("csv", csv_seeds())
    write_seeds("idx", idx_seeds())
    write_seeds("predict", predict_seeds())
    write_seeds("flags", flags_seeds())
    write_seeds("onnx", onnx_seeds())


if __name__ == "__main__":
    main()
