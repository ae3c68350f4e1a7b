"""Compiles .proto files with the system protoc (Debian's protobuf 3.21)."""

load("@rules_cc//cc:defs.bzl", "cc_library")

def nabla_cc_proto_library(name, srcs, deps = [], visibility = None):
    """A cc_library holding the generated C++ code of `srcs`, and
    `<name>_headers` holding only its headers.

    Args:
      name: name of the cc_library.
      srcs: .proto files in this package.
      deps: other nabla_cc_proto_library targets the protos import.
      visibility: visibility of the cc_library.
    """
    # The repository's root: "." in nabla, external/nabla when a workspace
    # outside it builds nabla's targets (a plugin against @nabla).
    repository = native.repository_name()
    root = "." if repository == "@" else "external/" + repository[1:]
    stems = [src[:-len(".proto")] for src in srcs]
    headers = [stem + ".pb.h" for stem in stems]
    sources = [stem + ".pb.cc" for stem in stems]
    native.genrule(
        name = name + "_genproto",
        srcs = srcs + [dep + "_srcs" for dep in deps],
        outs = headers + sources,
        cmd = "protoc --proto_path=%s --cpp_out=$(GENDIR)/%s " % (root, root) +
              " ".join(["$(location %s)" % src for src in srcs]),
    )
    native.filegroup(
        name = name + "_srcs",
        srcs = srcs,
        visibility = visibility,
    )
    cc_library(
        name = name,
        srcs = sources,
        hdrs = headers,
        deps = deps + ["@system//:protobuf"],
        visibility = visibility,
    )

    # The headers alone, for plugins: a plugin uses the messages compiled
    # into nabla, since a second copy would register the same .proto twice.
    cc_library(
        name = name + "_headers",
        hdrs = headers,
        deps = [dep + "_headers" for dep in deps] + ["@system//:protobuf"],
        visibility = visibility,
    )
