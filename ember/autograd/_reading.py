"""Reading a recorded graph through the Node API torch publishes, the contract torchviz relies on:
``next_functions`` (the edges), ``variable`` (the leaf of an AccumulateGrad), the ``_saved_*`` names
``dir(node)`` lists, and ``name()``. ember.viz and ember.autograd.explain read graphs only this way,
so the graph's storage can change under them.

Besides the walk, this module says what each node computed, in the user's names: ``x**2``,
``2*x*y``, ``x@W.T + b``. Nothing is recorded for that: the expression is rebuilt from the node's
grad_fn name, its inputs and what it saved (the exponent of a power, the constant of a product).
"""
import re
import weakref

from .._tensor import Tensor

# The numbers a node saved (the 2 of 2*x), remembered once read: backward frees them with the
# tensors, and a picture drawn after backward should still say 2*x.
_numbers_seen = weakref.WeakKeyDictionary()

# Precedence of an expression's outermost operation, to parenthesise only where Python would need it.
ATOM, POWER, UNARY, PRODUCT, SUM = 5, 4, 3, 2, 1


def is_leaf_node(node):
    """AccumulateGrad, the node that fills a leaf's .grad (torchviz asks the same way)."""
    return hasattr(node, "variable")


def forward_order(root):
    """Every node reachable from `root`, each once, inputs before the nodes that use them (a post-order
    walk along next_functions, iterative so graphs of any depth work). For the usual program that is
    the order the forward pass ran in."""
    order, seen, stack = [], {root}, [(root, iter(root.next_functions))]
    while stack:
        node, children = stack[-1]
        for child, _ in children:
            if child is not None and child not in seen:
                seen.add(child)
                stack.append((child, iter(child.next_functions)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def saved(node):
    """(the node's _saved_* values by name without the prefix, whether backward freed them)."""
    values, freed = {}, False
    for attribute in dir(node):
        if not attribute.startswith("_saved_"):
            continue
        try:
            value = getattr(node, attribute)
        except RuntimeError:  # torch's answer for a saved tensor that backward released
            freed = True
            continue
        if value is not None:
            values[attribute[len("_saved_"):]] = value
    numbers = {key: value for key, value in values.items() if isinstance(value, (bool, int, float))}
    if freed:
        values = {**_numbers_seen.get(node, {}), **values}
    elif numbers:
        _numbers_seen[node] = numbers
    return values, freed


def format_number(value):
    """A short, readable number: 6, 0.5, 1.234e-05, True."""
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, (bool, int)):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)  # nan, inf, -inf
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        short = repr(value)
        return short if len(short) <= 7 else format(value, ".4g")
    return str(value)


def _number(value):
    """A constant operand: (text, precedence), or None when `value` is not one number."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            return None
        value = value.reshape(()).item()
    if not isinstance(value, (bool, int, float)):
        return None
    text = format_number(value)
    return text, (UNARY if text.startswith("-") else ATOM)


def _operand(item, minimum):
    text, precedence = item
    return text if precedence >= minimum else f"({text})"


def _snake(op):
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", op).lower()


def op_of(node):
    """PowBackward0 -> Pow; a name without "Backward" (AccumulateGrad, a custom node) stays as it is."""
    name = node.name()
    return name[:name.rfind("Backward")] if "Backward" in name else name


def operands(node, names, values, constant_names=None):
    """(text, precedence, is_constant) per input: the input's name; for an input that needs no
    gradient, its name in `constant_names` ({id(tensor): name}) or its value where the node saved
    it (the 2 of 2*x), else "c"."""
    result = []
    for position, (child, output_nr) in enumerate(node.next_functions):
        if child is not None:
            text, precedence = names.get(child, ("…", ATOM))  # …: a value drawn folded
            if output_nr:
                text, precedence = f"{_operand((text, precedence), ATOM)}[{output_nr}]", ATOM
            result.append((text, precedence, False))
            continue
        value = values.get(("self", "other")[position]) if position < 2 else None
        if constant_names and id(value) in constant_names:
            result.append((constant_names[id(value)], ATOM, True))
            continue
        constant = _number(value)
        result.append((*constant, True) if constant is not None else ("c", ATOM, True))
    return result


def _infix(left, mark, right, precedence):
    return f"{_operand(left, precedence)}{mark}{_operand(right, precedence + 1)}", precedence


def _scaled(item, factor):
    """alpha*b for add/sub's alpha (nothing when it is 1)."""
    if factor is None or factor == 1:
        return item
    return f"{format_number(factor)}*{_operand(item, POWER)}", PRODUCT


def expression(node, names, values=None, constant_names=None):
    """What `node` computed, as (text, precedence), in terms of `names` ({node: (text, precedence)})."""
    if values is None:
        values = saved(node)[0]
    op = op_of(node)
    items = operands(node, names, values, constant_names)
    pairs = [(text, precedence) for text, precedence, _ in items]
    a = pairs[0] if pairs else ("?", ATOM)
    b = pairs[1] if len(pairs) > 1 else ("?", ATOM)
    if op == "Add" and len(pairs) == 2:
        return _infix(a, " + ", _scaled(b, values.get("alpha")), SUM)
    if op == "Sub" and len(pairs) == 2:
        return _infix(a, " - ", _scaled(b, values.get("alpha")), SUM)
    if op == "Mul" and len(pairs) == 2:
        if items[1][2] and not items[0][2]:
            a, b = b, a  # a number first, as one writes it: 2*x (torch records x.mul(2) for both 2*x and x*2)
        return _infix(a, "*", b, PRODUCT)
    if op == "Div" and len(pairs) == 2:
        return _infix(a, "/", b, PRODUCT)
    if op in ("Mm", "Mv", "Bmm", "Dot", "Matmul") and len(pairs) == 2:
        return _infix(a, "@", b, PRODUCT)
    if op == "Addmm" and len(pairs) == 3:
        product = _infix(_scaled(pairs[1], values.get("alpha")), "@", pairs[2], PRODUCT)
        return _infix(product, " + ", _scaled(pairs[0], values.get("beta")), SUM)
    if op == "Pow":
        if "exponent" in values:
            exponent = _number(values["exponent"]) or (str(values["exponent"]), ATOM)
            return f"{_operand(a, ATOM)}**{_operand(exponent, UNARY)}", POWER
        if "base" in values:
            base = _number(values["base"]) or (str(values["base"]), ATOM)
            return f"{_operand(base, ATOM)}**{_operand(a, UNARY)}", POWER
        return f"{_operand(a, ATOM)}**{_operand(b, UNARY)}", POWER
    if op == "Neg":
        return f"-{_operand(a, POWER)}", UNARY
    if op == "Rsub":
        other = b if len(pairs) > 1 else (_number(values.get("other")) or ("c", ATOM))
        return _infix(other, " - ", _scaled(a, values.get("alpha")), SUM)
    if op == "Reciprocal":
        return f"1/{_operand(a, POWER)}", PRODUCT
    if op == "T":
        return f"{_operand(a, ATOM)}.T", ATOM
    if op in ("Sum", "Mean"):
        dim = values.get("dim")
        if isinstance(dim, (tuple, list)) and len(dim) == 1:
            dim = dim[0]
        inside = "" if dim is None or dim == () else f"dim={dim}"
        if inside and values.get("keepdim"):
            inside += ", keepdim=True"
        return f"{_operand(a, ATOM)}.{op.lower()}({inside})", ATOM
    return f"{_snake(op)}({', '.join(text for text, _ in pairs)})", ATOM


def name_everything(order, leaf_names=None, result_names=None, max_length=28):
    """({node: (text, precedence)}, {node: expression}) for every node of `order` (forward_order):
    a leaf is named by `leaf_names` ({id(tensor): name}, which may also name inputs that need no
    gradient), else leaf1, leaf2 ...; a node by
    `result_names` ({node: name}) where the caller named its output, else by the expression that
    computed it while that is at most `max_length` long, else v1, v2 ...; expressions holds each
    operation's expression in terms of its inputs' names."""
    leaf_names, result_names = leaf_names or {}, result_names or {}
    names, expressions, leaves, values = {}, {}, 0, 0
    for node in order:
        if is_leaf_node(node):
            leaves += 1
            names[node] = (leaf_names.get(id(node.variable), f"leaf{leaves}"), ATOM)
            continue
        expressions[node] = expression(node, names, constant_names=leaf_names)
        if node in result_names:
            names[node] = (result_names[node], ATOM)
        elif len(expressions[node][0]) <= max_length:
            names[node] = expressions[node]
        else:
            values += 1
            names[node] = (f"v{values}", ATOM)
    return names, expressions
