"""`python -m ember` (or the `ember` command): ember's tour.

It runs the seed tutorial (PyTorch Part 2, autograd) with `import ember as torch`, printing
exactly what torch prints; draws the graph of z = x**2 + 2*x*y + y**2 before and after
backward; narrates that backward pass; and trains a small network on two spirals.
"""
import argparse


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m ember",
        description="ember's tour: the PyTorch autograd tutorial run with `import ember as torch`, the "
                    "computation graph drawn and its backward pass explained, then a small network "
                    "learning two spirals.")
    parser.add_argument("--out", metavar="DIR", default="ember-tour",
                        help="folder for the pictures and plots (default: ./ember-tour)")
    parser.add_argument("--quick", action="store_true", help="a shorter training run (a few seconds)")
    parser.add_argument("--no-train", action="store_true", help="skip the training chapter")
    parser.add_argument("--tutorial", action="store_true",
                        help="only the seed tutorial, printing exactly what torch prints")
    options = parser.parse_args(argv)
    from . import _tour
    _tour.run(options.out, quick=options.quick, train=not options.no_train, tutorial_only=options.tutorial)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
