"""GraphModel -> a self-contained SVG (or HTML page) with no dependency: ember's own little layout.

The layout is the classic layered one (Sugiyama, simplified): each node's layer is the length
of the longest path reaching it from a source, so every edge points forward; within a layer,
nodes are ordered by the average position of their neighbours (a few barycentric sweeps) to
reduce crossings. Edges are drawn as curves from one layer to the next.
"""
from xml.sax.saxutils import escape

from ._dot import COLOURS

_CHAR_WIDTH, _LINE_HEIGHT, _PADDING = 6.6, 14, 8  # monospace 11px
_LAYER_GAP, _NODE_GAP = 60, 18
_FILL = {"darkolivegreen1": "#caff70", "lightblue": "#add8e6", "lightgrey": "#e3e3e3", "khaki": "#f0e68c",
         "orange": "#ffa500"}


def _layers(model):
    """Longest-path layering, iteratively (Kahn's order), so 10,000-node graphs are fine."""
    incoming = {node.id: 0 for node in model.nodes}
    outgoing = {node.id: [] for node in model.nodes}
    for edge in model.edges:
        incoming[edge.target] += 1
        outgoing[edge.source].append(edge.target)
    layer = {node_id: 0 for node_id in incoming}
    ready = [node_id for node_id, count in incoming.items() if count == 0]
    while ready:
        node_id = ready.pop()
        for target in outgoing[node_id]:
            layer[target] = max(layer[target], layer[node_id] + 1)
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    return layer


def _order(model, layer, sweeps=4):
    """Nodes of each layer, ordered by barycentric sweeps."""
    count = max(layer.values()) + 1 if layer else 0
    rows = [[] for _ in range(count)]
    for node in model.nodes:
        rows[layer[node.id]].append(node.id)
    predecessors = {node.id: [] for node in model.nodes}
    successors = {node.id: [] for node in model.nodes}
    for edge in model.edges:
        predecessors[edge.target].append(edge.source)
        successors[edge.source].append(edge.target)
    position = {node_id: index for row in rows for index, node_id in enumerate(row)}
    for sweep in range(sweeps):
        neighbours, sequence = (predecessors, rows[1:]) if sweep % 2 == 0 else (successors, rows[-2::-1])
        for row in sequence:
            def barycentre(node_id):
                linked = neighbours[node_id]
                return sum(position[other] for other in linked) / len(linked) if linked else position[node_id]
            row.sort(key=barycentre)
            for index, node_id in enumerate(row):
                position[node_id] = index
    return rows


def layout(model):
    """{node id: (x, y, width, height)} and the canvas size."""
    sizes = {}
    for node in model.nodes:
        text = [node.title, *node.lines]
        sizes[node.id] = (max(len(line) for line in text) * _CHAR_WIDTH + 2 * _PADDING,
                          len(text) * _LINE_HEIGHT + _PADDING)
    rows = _order(model, _layers(model))
    horizontal = model.direction in ("LR", "RL")
    boxes, along = {}, 0.0  # `along`: position on the axis the layers follow
    for row in rows:
        depth = max((sizes[n][0] if horizontal else sizes[n][1]) for n in row)
        across = 0.0
        for node_id in row:
            width, height = sizes[node_id]
            if horizontal:
                boxes[node_id] = [along + (depth - width) / 2, across, width, height]
                across += height + _NODE_GAP
            else:
                boxes[node_id] = [across, along + (depth - height) / 2, width, height]
                across += width + _NODE_GAP
        along += depth + _LAYER_GAP
    width = max((x + w for x, _, w, _ in boxes.values()), default=0) + 2 * _PADDING
    height = max((y + h for _, y, _, h in boxes.values()), default=0) + 2 * _PADDING
    if model.direction in ("RL", "BT"):  # mirror along the layer axis
        for box in boxes.values():
            if horizontal:
                box[0] = width - 2 * _PADDING - box[0] - box[2]
            else:
                box[1] = height - 2 * _PADDING - box[1] - box[3]
    for box in boxes.values():
        box[0] += _PADDING
        box[1] += _PADDING
    return boxes, width, height


def to_svg(model):
    boxes, width, height = layout(model)
    horizontal = model.direction in ("LR", "RL")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="11">',
           "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
           "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M 0 0 L 10 5 L 0 10 z\" "
           "fill=\"#555\"/></marker></defs>"]
    for edge in model.edges:
        x1, y1, w1, h1 = boxes[edge.source]
        x2, y2, w2, h2 = boxes[edge.target]
        if horizontal:
            forward = x2 >= x1
            start = (x1 + w1 if forward else x1, y1 + h1 / 2)
            end = (x2 if forward else x2 + w2, y2 + h2 / 2)
            bend = (end[0] - start[0]) / 2
            path = (f"M {start[0]:.1f} {start[1]:.1f} C {start[0] + bend:.1f} {start[1]:.1f} "
                    f"{end[0] - bend:.1f} {end[1]:.1f} {end[0]:.1f} {end[1]:.1f}")
        else:
            forward = y2 >= y1
            start = (x1 + w1 / 2, y1 + h1 if forward else y1)
            end = (x2 + w2 / 2, y2 if forward else y2 + h2)
            bend = (end[1] - start[1]) / 2
            path = (f"M {start[0]:.1f} {start[1]:.1f} C {start[0]:.1f} {start[1] + bend:.1f} "
                    f"{end[0]:.1f} {end[1] - bend:.1f} {end[0]:.1f} {end[1]:.1f}")
        out.append(f'<path class="edge" d="{path}" fill="none" stroke="#555" marker-end="url(#arrow)"/>')
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
