"""The pictures and sample outputs the docs show, made from the code (docs/hooks.py puts them into
the site at each `mkdocs build`, so they always show what ember draws and prints today).

`python docs/samples.py DIR` writes them into DIR, to look at them without building the site.
"""
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import ember  # noqa: E402
from ember import viz  # noqa: E402


def make():
    """{name: text}: the pictures (img/...svg) and the text samples (explain_z ...)."""
    samples = {}
    x = ember.tensor(2.0, requires_grad=True)
    y = ember.tensor(3.0, requires_grad=True)
    z = x**2 + 2*x*y + y**2
    names = {"x": x, "y": y, "z": z}
    samples["img/graph_before_backward.svg"] = viz.draw_graph(z, params=names, renderer="builtin").svg()
    story = io.StringIO()
    ember.autograd.explain(z, file=story, names=names)
    samples["explain_z"] = story.getvalue()
    samples["img/graph_after_backward.svg"] = viz.draw_graph(z, params=names, renderer="builtin").svg()
    a = ember.tensor(1.0, requires_grad=True)
    h = a
    for _ in range(10_000):
        h = h * 1.0001
    samples["img/graph_folded.svg"] = viz.draw_graph(h, params={"a": a, "h": h}, renderer="builtin").svg()
    return samples


if __name__ == "__main__":
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "docs-samples"
    for name, text in make().items():
        path = os.path.join(out_dir, name if "." in name else name + ".txt")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        print(path)
