"""`python -m ember` (or the `ember` command): ember's demo.

For now it walks through the seed tutorial (PyTorch Part 2, autograd) with `import ember as
torch`, printing exactly what torch prints for the same code.
"""
import argparse
import runpy


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m ember",
        description="ember's demo: the PyTorch autograd tutorial, run with `import ember as torch`.")
    parser.parse_args(argv)
    print("ember: the PyTorch autograd tutorial (Part 2), with `import ember as torch`\n")
    runpy.run_module("ember._seed_tutorial", run_name="__main__")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
