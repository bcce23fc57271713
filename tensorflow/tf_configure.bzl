"""Repository rule exposing the pip-installed TensorFlow to Bazel, offline.

`./configure` reads `tf.sysconfig` and passes what it found through
`--repo_env` (written to .tf_configure.bazelrc). This rule symlinks the header
directory and the framework library into @local_config_tf and generates:

  //:tf_header_lib            the headers, as a cc_library
  //:libtensorflow_framework  TensorFlow's link flags, to link against
                              libtensorflow_framework.so.2
  //:build_info.json          the TensorFlow version and C++ ABI the op is
                              compiled against, read by the Python loader
"""

_ENV_VARS = [
    "TF_HEADER_DIR",
    "TF_SHARED_LIBRARY_DIR",
    "TF_SHARED_LIBRARY_NAME",
    "TF_VERSION",
    "TF_CXX11_ABI_FLAG",
    "TF_COMPILE_FLAGS",
    "TF_LINK_FLAGS",
    "PYTHON_BIN_PATH",
]

_NOT_CONFIGURED = """TensorFlow is not configured for this build ({var} is not set).
Run ./configure from the repository root first (it writes .tf_configure.bazelrc),
or simply run: bash tools/setup.sh"""

def _required(repository_ctx, var):
    value = repository_ctx.os.environ.get(var, "")
    if not value:
        fail(_NOT_CONFIGURED.format(var = var))
    return value

def _tf_configure_impl(repository_ctx):
    header_dir = _required(repository_ctx, "TF_HEADER_DIR")
    library_dir = _required(repository_ctx, "TF_SHARED_LIBRARY_DIR")
    library_name = _required(repository_ctx, "TF_SHARED_LIBRARY_NAME")
    version = _required(repository_ctx, "TF_VERSION")
    abi_flag = _required(repository_ctx, "TF_CXX11_ABI_FLAG")
    library_path = repository_ctx.path(library_dir + "/" + library_name)
    if not repository_ctx.path(header_dir + "/tensorflow/core/framework/op_kernel.h").exists:
        fail("TensorFlow headers not found in %s (TF_HEADER_DIR). Re-run ./configure." % header_dir)
    if not library_path.exists:
        fail("%s not found (TF_SHARED_LIBRARY_DIR/TF_SHARED_LIBRARY_NAME). Re-run ./configure." % library_path)

    repository_ctx.symlink(header_dir, "include")
    repository_ctx.file("build_info.json", json.encode_indent({
        "tf_version": version,
        "cxx11_abi_flag": int(abi_flag),
        "compile_flags": repository_ctx.os.environ.get("TF_COMPILE_FLAGS", "").split(" "),
        "link_flags": repository_ctx.os.environ.get("TF_LINK_FLAGS", "").split(" "),
        "python": repository_ctx.os.environ.get("PYTHON_BIN_PATH", ""),
    }) + "\n")
    link_flags = [flag for flag in _required(repository_ctx, "TF_LINK_FLAGS").split(" ") if flag]
    repository_ctx.template("BUILD", Label("//tensorflow:BUILD.tpl"), {
        "%{link_flags}": repr(link_flags),
    })

tf_configure = repository_rule(
    implementation = _tf_configure_impl,
    environ = _ENV_VARS,
    doc = "Exposes the installed TensorFlow (headers, framework library) as a local repository.",
)
