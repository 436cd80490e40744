"""GraphModel -> Graphviz DOT source (always available; rendering it needs the `dot` program)."""

# Colours as torchviz uses them: the output green, leaves blue, saved tensors orange.
COLOURS = {"output": "darkolivegreen1", "leaf": "lightblue", "op": "lightgrey", "fold": "khaki",
           "saved": "orange"}


def _quote(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def node_label(node):
    return "\n".join([node.title, *node.lines])


def to_dot(model):
    lines = ["digraph {",
             f"\tgraph [rankdir={model.direction} size=\"12,12\"]",
             '\tnode [align=left fontname=monospace fontsize=10 height=0.2 ranksep=0.1 shape=box '
             'style="filled,rounded"]']
    for node in model.nodes:
        label = _quote(node_label(node)).replace("\n", "\\n")
        lines.append(f"\t{node.id} [label={label} fillcolor={COLOURS[node.kind]}]")
    for edge in model.edges:
        label = f" [label={_quote(edge.label)}]" if edge.label else ""
        lines.append(f"\t{edge.source} -> {edge.target}{label}")
    lines.append("}")
    return "\n".join(lines) + "\n"
