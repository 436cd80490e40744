"""Regenerate the pictures the docs show: `python docs/make_pictures.py` (from the repository root).

They are the tour's own files (chapter 2), drawn by ember's built-in SVG layout, so they look
the same with or without Graphviz installed.
"""
import io
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import ember  # noqa: E402
from ember import viz  # noqa: E402


def main(out_dir=os.path.join(os.path.dirname(os.path.abspath(__file__)), "img")):
    os.makedirs(out_dir, exist_ok=True)
    x = ember.tensor(2.0, requires_grad=True)
    y = ember.tensor(3.0, requires_grad=True)
    z = x**2 + 2*x*y + y**2
    names = {"x": x, "y": y, "z": z}
    viz.draw_graph(z, params=names, renderer="builtin").save(os.path.join(out_dir, "graph_before_backward.svg"))
    story = io.StringIO()
    ember.autograd.explain(z, file=story, names=names)
    viz.draw_graph(z, params=names, renderer="builtin").save(os.path.join(out_dir, "graph_after_backward.svg"))
    with open(os.path.join(out_dir, "explain_z.txt"), "w", encoding="utf-8") as handle:
        handle.write(story.getvalue())
    a = ember.tensor(1.0, requires_grad=True)
    h = a
    for _ in range(10_000):
        h = h * 1.0001
    viz.draw_graph(h, params={"a": a, "h": h}, renderer="builtin").save(os.path.join(out_dir, "graph_folded.svg"))


if __name__ == "__main__":
    main()
