"""GraphModel -> a self-contained SVG (or HTML page) with no dependency: ember's own drawing.

The layout is in _layout.py (layered, as Graphviz's dot: dummy nodes for long edges, crossing
reduction, arrows routed around the boxes); this module sizes the boxes and writes the SVG.
"""
from xml.sax.saxutils import escape

from ._dot import COLOURS
from ._layout import place

_CHAR_WIDTH, _LINE_HEIGHT, _PADDING = 6.6, 14, 8  # monospace 11px
_FILL = {"darkolivegreen1": "#caff70", "lightblue": "#add8e6", "lightgrey": "#e3e3e3", "khaki": "#f0e68c",
         "orange": "#ffa500"}


def _sizes(model):
    sizes = {}
    for node in model.nodes:
        text = [node.title, *node.lines]
        sizes[node.id] = (max(len(line) for line in text) * _CHAR_WIDTH + 2 * _PADDING,
                          len(text) * _LINE_HEIGHT + _PADDING)
    return sizes


def layout(model):
    """{node id: [x, y, width, height]} and the canvas size."""
    boxes, width, height, _ = place(model, _sizes(model))
    return boxes, width, height


def _path_data(commands):
    return " ".join(command + " " + " ".join(f"{value:.1f}" for value in values) for command, *values in commands)


def to_svg(model):
    boxes, width, height, paths = place(model, _sizes(model))
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="11">',
           "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
           "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" "
           "fill=\"#555\"/></marker></defs>"]
    for edge, kind, commands in paths:
        marker = ' marker-end="url(#arrow)"' if kind == "edge" else ""
        out.append(f'<path class="{kind}" data-source="{escape(edge.source)}" data-target="{escape(edge.target)}" '
                   f'd="{_path_data(commands)}" fill="none" stroke="#555"{marker}/>')
    for node in model.nodes:
        x, y, w, h = boxes[node.id]
        fill = _FILL[COLOURS[node.kind]]
        out.append(f'<g class="node {node.kind}" id="{escape(node.id)}">'
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="5" fill="{fill}" '
                   'stroke="#333"/>')
        for index, line in enumerate([node.title, *node.lines]):
            weight = ' font-weight="bold"' if index == 0 else ""
            out.append(f'<text x="{x + _PADDING:.1f}" y="{y + _PADDING / 2 + (index + 0.8) * _LINE_HEIGHT:.1f}"'
                       f'{weight}>{escape(line)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_html(svg, title="ember graph"):
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title></head>\n"
            "<body style=\"margin:0;overflow:auto\">\n" + svg + "</body></html>\n")
