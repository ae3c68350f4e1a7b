#!/usr/bin/env python3
"""Every function that returns absl::Status or absl::StatusOr is declared
[[nodiscard]], so that a Status dropped on the floor does not compile (the
build turns -Wunused-result into an error). Debian's Abseil (20220623) does
not mark the types themselves.

  tools/lint/check_nodiscard.py [--fix] FILE...

Checks the declarations of free functions and members: a line whose
return type is absl::Status or absl::StatusOr<...> followed by an
unqualified name and "(". Out-of-line definitions (Foo::Bar) inherit the
attribute from their declaration and are not checked. Prints
"file:line: ..." for each one missing it; exits 1 if any; with --fix,
adds it.
"""
import re
import sys

DECLARATION = re.compile(
    r'^(?P<indent>\s*)(?P<specifiers>(?:(?:static|inline|virtual|friend|'
    r'constexpr|explicit)\s+)*)(?P<type>absl::Status(?:Or<.*>)?)\s+'
    r'(?P<name>[A-Za-z_]\w*)\s*\(')


def check(path, fix):
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    problems = []
    for i, line in enumerate(lines):
        match = DECLARATION.match(line)
        if not match:
            continue
        previous = lines[i - 1].strip() if i > 0 else ''
        if previous.endswith('[[nodiscard]]'):
            continue
        problems.append(i)
        if fix:
            lines[i] = (match.group('indent') + '[[nodiscard]] ' +
                        line[len(match.group('indent')):])
    if fix and problems:
        with open(path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines))
    for i in problems:
        print(f'{path}:{i + 1}: a function returning absl::Status(Or) '
              'is not [[nodiscard]]')
    return len(problems)


def main(argv):
    fix = '--fix' in argv
    files = [a for a in argv if a != '--fix']
    missing = sum(check(path, fix) for path in files)
    if missing and not fix:
        print(f'{missing} declaration(s) without [[nodiscard]]')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
