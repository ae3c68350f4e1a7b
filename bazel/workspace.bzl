"""nabla_dependencies: the repositories nabla's build needs, for its own
WORKSPACE and for a workspace outside it that builds plugins against
@nabla (docs/plugins.md, examples/external_plugin)."""

def nabla_dependencies(nabla_path = "."):
    """Declares rules_java, rules_cc, remote_coverage_tools and system.

    Bazel 4's built-in WORKSPACE suffix would download the first three;
    declared first, as local repositories, they keep the build offline.
    `system` is Protobuf, Abseil, TBB, GoogleTest and Google Benchmark from
    /usr (Debian's packages, installed by setup.sh). A repository the
    workspace already declares is left as it is.

    Args:
      nabla_path: nabla's directory, as the workspace's local_repository
        gives it ("." in nabla's own WORKSPACE).
    """
    if not native.existing_rule("rules_java"):
        native.local_repository(
            name = "rules_java",
            path = "/usr/share/bazel/rules/java",
        )
    if not native.existing_rule("rules_cc"):
        native.local_repository(
            name = "rules_cc",
            path = nabla_path + "/bazel/rules_cc",
        )
    if not native.existing_rule("remote_coverage_tools"):
        native.local_repository(
            name = "remote_coverage_tools",
            path = nabla_path + "/bazel/remote_coverage_tools",
        )
    if not native.existing_rule("system"):
        native.new_local_repository(
            name = "system",
            build_file = "@nabla//bazel/system:system.BUILD",
            path = "/usr",
        )
