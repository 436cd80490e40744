"""``python -m ember.run script.py [args...]``: run an unmodified PyTorch script with ember as ``torch``.

The script runs as ``python script.py`` would run it: ``sys.argv`` is ``[script.py, args...]``,
``__name__ == "__main__"``, the script's folder is first on ``sys.path`` (its sibling modules
import), relative paths are relative to the working directory, and the exit code is the script's
(an uncaught exception prints its traceback and exits 1). ``python -m ember.run -m package.module
[args...]`` runs a module as ``python -m`` does.
"""
import os
import runpy
import sys

USAGE = "usage: python -m ember.run script.py [args...]\n       python -m ember.run -m module [args...]"


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help") or argv[0] == "-m" and len(argv) < 2:
        print(USAGE, file=sys.stderr if not argv or argv[0] == "-m" else sys.stdout)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    import ember
    ember.install_as_torch()
    if argv[0] == "-m":
        sys.argv = argv[1:]
        sys.path[0] = os.getcwd()
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
        return 0
    script = argv[0]
    if not os.path.exists(script):
        print(f"python -m ember.run: can't open file {os.path.abspath(script)!r}: No such file or directory",
              file=sys.stderr)
        return 2
    sys.argv = argv
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
