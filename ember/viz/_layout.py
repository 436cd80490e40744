"""Where ember's own SVG puts each box and how each arrow runs: a layered layout, as Graphviz's dot.

1. Layers. Every node goes as far right (in the forward direction) as its consumers allow: one
   layer before the first of them; the output is last. So a leaf sits just before the operation
   that first reads it, and layer 2's weights sit next to layer 2.
2. Long edges. An edge that skips layers runs through one dummy node per layer it crosses; the
   long edges leaving one node share their dummies (a trunk that branches off at each consumer).
3. Order within a layer: barycentre sweeps, forward and backward, keeping the order with the
   fewest crossings between neighbouring layers.
4. Position across the layers: each item moves towards the mean of its neighbours, keeping the
   order and the gaps (an isotonic least-squares fit, exactly solved by pooling).
5. Arrows. Boxes and dummies of one layer lie in one column; the space between two columns holds
   no box. An arrow leaves its box straight to the column's edge, crosses each gap on a curve
   whose control points stay inside that gap, and crosses each column it skips straight through
   its dummy's slot, which the gaps keep clear of the boxes there. So no arrow crosses a box.
"""
from bisect import bisect_right

LAYER_GAP = 56        # between columns, where the curves run
NODE_GAP = 16         # between two boxes of one column
DUMMY_GAP = 8         # around a dummy's slot
MARGIN = 8


def place(model, sizes):
    """(boxes, width, height, paths): boxes {id: [x, y, w, h]}; paths [(edge, kind, points)] where
    kind is "edge" (one per model edge, ending at its target) or "trunk" (shared long-edge parts),
    and points is a list of ("M"|"L"|"C", coordinates...)."""
    horizontal = model.direction in ("LR", "RL")
    ids = [node.id for node in model.nodes]
    along = {i: (sizes[i][0] if horizontal else sizes[i][1]) for i in ids}
    across = {i: (sizes[i][1] if horizontal else sizes[i][0]) for i in ids}
    successors = {i: [] for i in ids}
    predecessors = {i: [] for i in ids}
    for edge in model.edges:
        successors[edge.source].append(edge.target)
        predecessors[edge.target].append(edge.source)
    layer = _layers(ids, successors, predecessors)

    # long edges: one dummy per crossed layer, shared by the long edges leaving the same node
    trunk = {}  # (source, layer) -> dummy id
    links = {i: set() for i in ids}  # the layered graph: item -> items in the next layer
    for source in ids:
        far = [target for target in successors[source] if layer[target] > layer[source] + 1]
        if far:
            previous = source
            for step in range(layer[source] + 1, max(layer[target] for target in far)):
                dummy = ("dummy", source, step)
                trunk[source, step] = dummy
                layer[dummy], along[dummy], across[dummy] = step, 0.0, 0.0
                links[dummy] = set()
                links[previous].add(dummy)
                previous = dummy
        for target in successors[source]:
            links[trunk[source, layer[target] - 1] if layer[target] > layer[source] + 1 else source].add(target)
    rows = _order(ids, layer, links)
    centre = _across_positions(rows, links, across)

    # columns along the layers
    starts, position = [], 0.0
    for row in rows:
        starts.append(position)
        position += max([along[item] for item in row] + [0.0]) + LAYER_GAP
    depths = [max([along[item] for item in row] + [0.0]) for row in rows]
    low = min((centre[item] - across[item] / 2 for item in centre), default=0.0)
    total_along = position - LAYER_GAP + 2 * MARGIN
    total_across = max((centre[item] + across[item] / 2 for item in centre), default=0.0) - low + 2 * MARGIN
    mirror = model.direction in ("RL", "BT")

    def point(a, c):  # (along, across) -> (x, y)
        a = a + MARGIN
        if mirror:
            a = total_along - a
        c = c - low + MARGIN
        return (a, c) if horizontal else (c, a)

    boxes = {}
    for i in ids:
        start = starts[layer[i]] + (depths[layer[i]] - along[i]) / 2
        x, y = point(start + along[i] if mirror else start, centre[i] - across[i] / 2)  # the top-left corner
        boxes[i] = [x, y, along[i], across[i]] if horizontal else [x, y, across[i], along[i]]

    def column_end(item):
        return starts[layer[item]] + depths[layer[item]]

    def box_side(item, leaving):  # where an arrow leaves (or meets) a box, on the layer axis
        start = starts[layer[item]] + (depths[layer[item]] - along[item]) / 2
        return start + along[item] if leaving else start

    def gap_curve(a0, c0, a1, c1):
        bend = (a1 - a0) / 2
        return ("C", *point(a0 + bend, c0), *point(a1 - bend, c1), *point(a1, c1))

    paths = []
    drawn_trunks = set()
    for edge in model.edges:
        source, target = edge.source, edge.target
        if layer[target] == layer[source] + 1:
            commands = [("M", *point(box_side(source, True), centre[source])),
                        ("L", *point(column_end(source), centre[source]))]
            previous = source
        else:  # from the trunk's dummy in the layer before the target
            previous = trunk[source, layer[target] - 1]
            commands = [("M", *point(column_end(previous), centre[previous]))]
            if source not in drawn_trunks:
                drawn_trunks.add(source)
                paths.append((edge, "trunk", _trunk_commands(source, layer, trunk, centre, starts, depths,
                                                            box_side, column_end, point, gap_curve)))
        commands.append(gap_curve(column_end(previous), centre[previous], starts[layer[target]], centre[target]))
        commands.append(("L", *point(box_side(target, False), centre[target])))
        paths.append((edge, "edge", commands))
    return boxes, (total_along if horizontal else total_across), (total_across if horizontal else total_along), paths


def _trunk_commands(source, layer, trunk, centre, starts, depths, box_side, column_end, point, gap_curve):
    """The shared part of a node's long edges: from the box through each dummy of its trunk."""
    commands = [("M", *point(box_side(source, True), centre[source])),
                ("L", *point(column_end(source), centre[source]))]
    previous, step = source, layer[source] + 1
    while (source, step) in trunk:
        dummy = trunk[source, step]
        commands.append(gap_curve(column_end(previous), centre[previous], starts[step], centre[dummy]))
        commands.append(("L", *point(starts[step] + depths[step], centre[dummy])))
        previous, step = dummy, step + 1
    return commands


def _layers(ids, successors, predecessors):
    """Each node one layer before its earliest consumer (the output last), iteratively."""
    remaining = {i: len(successors[i]) for i in ids}
    ready = [i for i in ids if remaining[i] == 0]
    depth = {i: 0 for i in ids}  # layers from the end
    order = []
    while ready:
        item = ready.pop()
        order.append(item)
        for source in predecessors[item]:
            remaining[source] -= 1
            if remaining[source] == 0:
                depth[source] = min(depth[consumer] for consumer in successors[source]) - 1
                ready.append(source)
    # depth counts down from 0 at the sinks; the output (a sink) belongs at the very end, other
    # sinks too: shift so that every sink sits after its predecessors
    for item in ids:
        if not successors[item] and predecessors[item]:
            depth[item] = max(depth[source] for source in predecessors[item]) + 1
    lowest = min(depth.values(), default=0)
    return {i: depth[i] - lowest for i in ids}


def _order(ids, layer, links, sweeps=8, counted_limit=20_000):
    """The items of each layer in an order with few crossings (barycentre sweeps)."""
    count = max(layer.values()) + 1 if layer else 0
    rows = [[] for _ in range(count)]
    first_seen = {}
    for item in ids:  # model order (inputs first): a stable starting point
        first_seen[item] = len(first_seen)
    for item in layer:
        first_seen.setdefault(item, len(first_seen))
    for item in sorted(layer, key=first_seen.get):
        rows[layer[item]].append(item)
    back = {item: [] for item in layer}
    for item, targets in links.items():
        for target in targets:
            back[target].append(item)
    position = {item: index for row in rows for index, item in enumerate(row)}
    segments = sum(len(targets) for targets in links.values())
    best, best_crossings = [list(row) for row in rows], _crossings(rows, links, position) \
        if segments <= counted_limit else None
    for sweep in range(sweeps):
        forward = sweep % 2 == 0
        neighbours = back if forward else links
        for row in (rows[1:] if forward else rows[-2::-1]):
            def barycentre(item):
                linked = neighbours[item]
                return sum(position[other] for other in linked) / len(linked) if linked else position[item]
            row.sort(key=barycentre)
            for index, item in enumerate(row):
                position[item] = index
        if best_crossings is not None:
            crossings = _crossings(rows, links, position)
            if crossings < best_crossings:
                best, best_crossings = [list(row) for row in rows], crossings
        else:
            best = [list(row) for row in rows]
    return best


def _crossings(rows, links, position):
    """How many pairs of segments cross between neighbouring layers (inversions, by bisection)."""
    total = 0
    for row in rows:
        pairs = sorted((position[item], position[target]) for item in row for target in links[item])
        seen = []
        for _, lower in pairs:
            total += len(seen) - bisect_right(seen, lower)
            seen.insert(bisect_right(seen, lower), lower)
    return total


def _across_positions(rows, links, across, rounds=4):
    """Centres across the layers: each item pulled towards its neighbours, order and gaps kept."""
    back = {item: [] for row in rows for item in row}
    for item, targets in links.items():
        for target in targets:
            back[target].append(item)
    centre = {}
    for row in rows:
        _pack(row, across, centre, {item: 0.0 for item in row})
    for round_number in range(rounds):
        for forward in (True, False):
            for row in (rows[1:] if forward else rows[-2::-1]):
                wanted = {}
                for item in row:
                    linked = back[item] if forward else links[item]
                    if not linked:
                        linked = links[item] if forward else back[item]
                    wanted[item] = sum(centre[other] for other in linked) / len(linked) if linked else centre[item]
                _fit(row, across, centre, wanted)
    return centre


def _separation(a, b, across):
    gap = DUMMY_GAP if isinstance(a, tuple) or isinstance(b, tuple) else NODE_GAP
    return (across[a] + across[b]) / 2 + gap


def _pack(row, across, centre, wanted):
    position = 0.0
    for index, item in enumerate(row):
        if index:
            position += _separation(row[index - 1], item, across)
        centre[item] = position


def _fit(row, across, centre, wanted):
    """Centres as close as possible (least squares) to `wanted`, in `row`'s order, each at least its
    separation from the one before: isotonic regression by pooling adjacent violators."""
    offsets, offset = [], 0.0
    for index, item in enumerate(row):
        if index:
            offset += _separation(row[index - 1], item, across)
        offsets.append(offset)
    blocks = []  # [mean, weight, count]
    for index, item in enumerate(row):
        blocks.append([wanted[item] - offsets[index], 1.0, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, weight, count = blocks.pop()
            block = blocks[-1]
            block[0] = (block[0] * block[1] + mean * weight) / (block[1] + weight)
            block[1] += weight
            block[2] += count
    index = 0
    for mean, _, count in blocks:
        for _ in range(count):
            centre[row[index]] = mean + offsets[index]
            index += 1
