#!/usr/bin/env python3
"""Runs train_graph on every bad-input case and checks that it fails the
way the case says: the exit status and fragments of the message.

A case is a text file, cases/NAME.case:

    # A one-line description of what is wrong.
    # args: {model} --epochs 0
    # exit: 2
    # expect: --epochs must be at least 1, got 0
    # setup: printf '\\x00\\xff' > garbage.bin
    --- m.pbtxt
    graph { ... }
    --- data.csv
    a,b
    1,x

`args` defaults to "{model}" ({model} is m.pbtxt); `exit` defaults to 1;
every `expect` line must appear in stderr; `setup` lines run in the case's
directory before train_graph (for binary files). Each "--- NAME" section is
written to NAME in a fresh directory, where train_graph runs.
"""
import os
import shlex
import subprocess
import sys
import tempfile


def parse(path):
    case = {"args": "{model}", "exit": 1, "expect": [], "setup": [],
            "files": {}}
    current = None
    with open(path) as f:
        for line in f:
            if line.startswith("--- "):
                current = line[4:].strip()
                case["files"][current] = ""
            elif current is not None:
                case["files"][current] += line
            elif line.startswith("# args:"):
                case["args"] = line[len("# args:"):].strip()
            elif line.startswith("# exit:"):
                case["exit"] = int(line[len("# exit:"):])
            elif line.startswith("# expect:"):
                case["expect"].append(line[len("# expect:"):].strip())
            elif line.startswith("# setup:"):
                case["setup"].append(line[len("# setup:"):].strip())
    if not case["expect"]:
        raise ValueError(f"{path}: no '# expect:' line")
    return case


def run(train, path):
    case = parse(path)
    with tempfile.TemporaryDirectory() as work:
        for name, text in case["files"].items():
            with open(os.path.join(work, name), "w") as f:
                f.write(text)
        for command in case["setup"]:
            subprocess.run(command, shell=True, cwd=work, check=True)
        args = [a.replace("{model}", "m.pbtxt")
                for a in shlex.split(case["args"])]
        result = subprocess.run([train] + args, cwd=work, capture_output=True,
                                text=True, errors="replace", timeout=60)
    problems = []
    if result.returncode != case["exit"]:
        problems.append(f"exit {result.returncode}, want {case['exit']}")
    for fragment in case["expect"]:
        if fragment not in result.stderr:
            problems.append(f"missing '{fragment}'")
    return problems, result.stderr


def main():
    train = os.path.abspath(sys.argv[1])
    cases_dir = sys.argv[2]
    names = sorted(n for n in os.listdir(cases_dir) if n.endswith(".case"))
    failures = 0
    for name in names:
        problems, stderr = run(train, os.path.join(cases_dir, name))
        if problems:
            failures += 1
            print(f"FAIL {name}: {'; '.join(problems)}\n  stderr: {stderr}")
    print(f"{len(names) - failures} of {len(names)} bad-input cases pass")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
