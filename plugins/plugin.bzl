"""nabla_plugin: plugin libraries from NABLA_REGISTER_* sources, in nabla
or in a workspace outside it (examples/external_plugin)."""

load("@rules_cc//cc:defs.bzl", "cc_binary")

def nabla_plugin(name, srcs, **kwargs):
    """Builds lib<name>.so, a plugin library, from `srcs`.

    The sources declare with NABLA_REGISTER_*, as built-ins do; compiled with
    -DNABLA_PLUGIN_BUILD and linked with //core:plugin_library, the library
    hands those declarations to the loader through its entry point
    (core/plugin_build.h). It compiles against the plugin SDK alone and links
    none of nabla: `srcs` also lists the plugin-side helpers it needs.

    Args:
      name: the library is lib<name>.so.
      srcs: sources and private headers of the library.
      **kwargs: passed to cc_binary (visibility, testonly, ...).
    """
    cc_binary(
        name = "lib" + name + ".so",
        srcs = srcs,
        copts = ["-DNABLA_PLUGIN_BUILD"],
        linkshared = 1,
        # Label(): nabla's target also when a workspace outside nabla
        # calls this macro.
        deps = [Label("//core:plugin_library")],
        **kwargs
    )
