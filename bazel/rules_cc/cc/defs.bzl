"""Forwards the rules_cc macros to Bazel 4's native C++ rules.

Debian's bazel-rules-cc is too new for Bazel 4.2.3; these are all Bazel's own
tools need when they load @rules_cc//cc:defs.bzl.
"""

def cc_library(**attrs):
    native.cc_library(**attrs)

def cc_binary(**attrs):
    native.cc_binary(**attrs)

def cc_test(**attrs):
    native.cc_test(**attrs)

def cc_import(**attrs):
    native.cc_import(**attrs)

def cc_toolchain(**attrs):
    native.cc_toolchain(**attrs)

def cc_toolchain_suite(**attrs):
    native.cc_toolchain_suite(**attrs)
