#!/usr/bin/env python3
"""Builds a Python connector into a wasmconnect component with componentize-py.

    python build.py --kind source --module my_source --src . -o my-source.wasm

``--module`` is the module (in ``--src``) that calls ``wasmconnect.export_source`` or
``export_sink``. ``--wit`` defaults to the ``wit/`` beside this SDK directory (a scaffolded
project) or the repository's. componentize-py is taken from PATH, else from beside this Python.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

SDK = os.path.dirname(os.path.abspath(__file__))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kind", choices=("source", "sink"), required=True)
    p.add_argument("--module", required=True, help="the module that exports the plugin")
    p.add_argument("--src", action="append", default=[], help="directory on the Python path (repeatable)")
    p.add_argument("--wit", help="the WIT directory (wasmconnect:connector)")
    p.add_argument("-o", "--output", required=True)
    p.add_argument("--stub-wasi", action="store_true", help="pass --stub-wasi to componentize-py")
    a = p.parse_args()

    wit = a.wit or next((d for d in (os.path.join(SDK, "..", "wit"), os.path.join(SDK, "..", "..", "wit"))
                         if os.path.isfile(os.path.join(d, "connector.wit"))), None)
    if wit is None:
        sys.exit("build.py: no wit/ directory found; pass --wit")
    tool = shutil.which("componentize-py") or os.path.join(os.path.dirname(sys.executable), "componentize-py")
    if not os.path.exists(tool):
        sys.exit("build.py: componentize-py not found on PATH (pip install componentize-py==0.25.1)")
    with tempfile.TemporaryDirectory(prefix="wasmconnect-build-") as entry:
        with open(os.path.join(entry, "wasmconnect_main.py"), "w") as f:
            f.write(f"import {a.module}  # noqa: F401 - registers the plugin\n"
                    "from wasmconnect_glue import Connector  # noqa: F401 - the `connector` export\n")
        cmd = [tool, "-d", wit, "-w", f"{a.kind}-connector", "componentize"]
        if a.stub_wasi:
            cmd.append("--stub-wasi")
        for d in [*(a.src or ["."]), os.path.join(SDK, "src"), os.path.join(SDK, "glue"), entry]:
            cmd += ["-p", d]
        cmd += ["wasmconnect_main", "-o", a.output]
        return subprocess.call(cmd)


if __name__ == "__main__":
    sys.exit(main())
