"""explain(): run a backward pass and tell it as a story, step by step (see explain's docstring).

The numbers are the real engine's: explain() registers hooks on every node, calls the one
engine that backward() uses, and reports what the hooks saw (the gradient arriving at each
node and what it sends to each input), so `.grad` ends up exactly as backward() leaves it.
The local derivatives are phrased from the saved tensors, while the hooks still see them.
"""
import sys

from .._tensor import Tensor, make_tensor
from . import _reading as reading
from ._reading import format_number

__all__ = ["explain", "Explanation"]


def summarize(value, max_values=4):
    """A value in a few characters: 6 for scalars, [1, 2, 3], or (100, 3) [0.1, -2, 0.5, 1, …]."""
    if value is None:
        return "None"
    if not isinstance(value, Tensor):
        if hasattr(value, "shape"):  # a raw array: a saved output
            value = make_tensor(value)
        else:
            return format_number(value)
    if value.ndim == 0 or value.numel() == 1:
        return format_number(value.reshape(()).item())
    flat = value.detach().reshape(-1)
    values = ", ".join(format_number(v) for v in flat[:max_values].tolist())
    if value.ndim == 1 and value.shape[0] <= max_values:
        return f"[{values}]"
    shape = "(" + ", ".join(str(size) for size in value.shape) + ")"
    return f"{shape} [{values}{', …' if flat.shape[0] > max_values else ''}]"


def _is_scalar(value):
    return not isinstance(value, Tensor) or value.numel() == 1


def _wrap(name):
    """Parenthesise a compound expression before it enters another one (not a call like exp(x))."""
    if not any(mark in name for mark in " +-/*@") or name.lstrip("-").replace(".", "").isdigit():
        return name
    opening = name.find("(")
    if opening > 0 and name.endswith(")") and name[:opening].replace(".", "").replace("_", "").isalnum():
        depth = 0
        for position, char in enumerate(name[opening:], opening):
            depth += (char == "(") - (char == ")")
            if depth == 0:
                break
        if position == len(name) - 1:
            return name  # one call from its name to the end: already reads as one value
    return f"({name})"


# -- the local derivative of each operation, in words and numbers ---------------------------
# Each entry: op -> function(index, a, b, result, attributes, names) -> (words, value or None).
# words say d(out)/d(input); value is that derivative with the saved numbers put in (None when
# it is not a number, e.g. matrix products, where the words say what happens instead).
def _constant_rule(value_words, value):
    return lambda i, a, b, r, at, n: (value_words[i], value[i])


def _pow_rule(i, a, b, result, attributes, names):
    x = names[0]
    if "exponent" in attributes:
        e = attributes["exponent"]
        factor = f"{format_number(e)}*{_wrap(x)}"
        if e - 1 != 1:
            factor += f"**{format_number(e - 1)}"
        return factor, None if a is None else e * a ** (e - 1)
    if "base" in attributes:
        base = attributes["base"]
        value = None if result is None else result * _log(base)
        return f"{format_number(base)}**{_wrap(x)} * log({format_number(base)})", value
    if i == 0:
        return (f"{_wrap(names[1])}*{_wrap(x)}**({names[1]} - 1)",
                None if a is None or b is None else b * a ** (b - 1))
    return f"{_wrap(x)}**{_wrap(names[1])} * log({x})", None if result is None or a is None else result * a.log()


def _log(number):
    import math
    return math.log(number)


def _reduction_rule(kind):
    def rule(i, a, b, result, attributes, names):
        count = 1
        for size in attributes.get("shape", ()):
            count *= size
        if attributes.get("dim") is not None:
            count = 1
            for dim in attributes["dim"]:
                count *= attributes["shape"][dim]
        if kind == "sum":
            return f"1 for every element of {names[0]} (each one gets the arriving gradient)", 1
        return f"1/{count} for every element of {names[0]} (the mean divides by {count})", 1 / count
    return rule


def _matmul_rule(i, a, b, result, attributes, names):
    if i == 0:
        return f"the arriving gradient @ {_wrap(names[1])}.T (matrix product rule)", None
    return f"{_wrap(names[0])}.T @ the arriving gradient (matrix product rule)", None


def _shape_rule(i, a, b, result, attributes, names):
    return f"1: a shape operation only moves elements; the gradient is moved back to {names[0]}'s shape", None


def _value(saved):
    return saved


_RULES = {
    "Add": lambda i, a, b, r, at, n: ("1", 1) if i == 0 else (format_number(at.get("alpha", 1)), at.get("alpha", 1)),
    "Sub": lambda i, a, b, r, at, n: (("1", 1) if i == 0
                                      else (f"-{format_number(at.get('alpha', 1))}", -at.get("alpha", 1))),
    "Rsub": lambda i, a, b, r, at, n: ("-1", -1) if i == 0 else ("1", 1),
    "Mul": lambda i, a, b, r, at, n: (n[1], b) if i == 0 else (n[0], a),
    "Div": lambda i, a, b, r, at, n: ((f"1/{_wrap(n[1])}", None if b is None else 1 / b) if i == 0 else
                                      (f"-{_wrap(n[0])}/{_wrap(n[1])}**2",
                                       None if a is None or b is None else -a / (b * b))),
    "Neg": lambda i, a, b, r, at, n: ("-1", -1),
    "Pow": _pow_rule,
    "Exp": lambda i, a, b, r, at, n: (f"exp({n[0]})", r),
    "Log": lambda i, a, b, r, at, n: (f"1/{_wrap(n[0])}", None if a is None else 1 / a),
    "Sqrt": lambda i, a, b, r, at, n: (f"1/(2*sqrt({n[0]}))", None if r is None else 1 / (2 * r)),
    "Sin": lambda i, a, b, r, at, n: (f"cos({n[0]})", None if a is None else a.cos()),
    "Cos": lambda i, a, b, r, at, n: (f"-sin({n[0]})", None if a is None else -a.sin()),
    "Tanh": lambda i, a, b, r, at, n: (f"1 - tanh({n[0]})**2", None if r is None else 1 - r * r),
    "Sigmoid": lambda i, a, b, r, at, n: (f"sigmoid({n[0]})*(1 - sigmoid({n[0]}))",
                                          None if r is None else r * (1 - r)),
    "Relu": lambda i, a, b, r, at, n: (f"1 where {n[0]} > 0, else 0", None if r is None else (r > 0).to(r.dtype)),
    "Abs": lambda i, a, b, r, at, n: (f"sign({n[0]})", None if a is None else a.sign()),
    "Reciprocal": lambda i, a, b, r, at, n: (f"-1/{_wrap(n[0])}**2", None if r is None else -r * r),
    "Sum": _reduction_rule("sum"),
    "Mean": _reduction_rule("mean"),
    "Mm": _matmul_rule, "Mv": _matmul_rule, "Bmm": _matmul_rule, "Dot": _matmul_rule,
    "Clone": lambda i, a, b, r, at, n: ("1", 1), "ToCopy": lambda i, a, b, r, at, n: ("1 (a copy)", 1),
}
for _shape_op in ("View", "UnsafeView", "Unsqueeze", "Squeeze", "Transpose", "T", "Permute", "Expand", "Alias",
                  "Select", "Slice", "Index"):
    _RULES[_shape_op] = _shape_rule


def _op_of(node):
    return reading.op_of(node)


class Explanation:
    """What explain() saw: `.steps` (one dict per node run), `.grads` (leaf name -> final .grad),
    and `.text` (the story as plain text)."""

    def __init__(self, steps, grads, lines):
        self.steps, self.grads, self.lines = steps, grads, lines

    @property
    def text(self):
        return "\n".join(text for _, text in self.lines) + "\n"

    def __str__(self):
        return self.text

    def __repr__(self):
        return f"<ember.autograd.Explanation: {len(self.steps)} steps, grads for {', '.join(self.grads) or 'nothing'}>"


def _caller_names(frame):
    """Names of the caller's tensors: leaves by identity, results by their grad_fn."""
    leaves, results = {}, {}
    for name, value in (frame.f_locals.items() if frame is not None else ()):
        if isinstance(value, Tensor) and not name.startswith("_"):
            if value.grad_fn is not None:
                results.setdefault(value.grad_fn, name)
            else:
                leaves.setdefault(id(value), name)
    return leaves, results


def _saved_values(node):
    """(a, b, result, the other saved values by name): what the node saved, read as torch's
    _saved_self, _saved_other, _saved_result (None where nothing was saved)."""
    values, _ = reading.saved(node)
    a, b, result = values.get("self"), values.get("other"), values.get("result")
    a, b, result = (value.detach() if isinstance(value, Tensor) else value for value in (a, b, result))
    return a, b, result, values


def _input_names(node, names):
    """Each input's name as the story says it: the input's name, or a constant's value."""
    return [text for text, _, _ in reading.operands(node, names, _saved_values(node)[3])]


def _expression(node, names):
    return reading.expression(node, names)[0]


def explain(tensor, inputs=None, retain_graph=None, file=None, *, names=None, color=None):
    """Run tensor.backward() and narrate it step by step; returns an Explanation.

    inputs        as in backward(inputs=...): accumulate only into these leaves
    retain_graph  as in backward()
    file          where to write the story (default: sys.stdout); a file-like object
    names         {name: tensor} for leaves and results (default: the caller's variable names)
    color         use rich for colour when it is installed (default: when writing to a terminal)

    A tensor that is not a scalar starts from a gradient of ones, as tensor.sum().backward() would.

        >>> import ember
        >>> x = ember.tensor(3.0, requires_grad=True)
        >>> y = x ** 2
        >>> story = ember.autograd.explain(y)
        Backward pass from y (a scalar, grad_fn=PowBackward0)
        It starts with dy/dy = 1, and walks the graph from the output back to the leaves.
        <BLANKLINE>
        step 1  PowBackward0  computes y = x**2
                gradient arriving: 1
                d(x**2)/dx = 2*x = 6  ->  x gets 1 * 6 = 6
        <BLANKLINE>
        step 2  AccumulateGrad  for the leaf x
                x.grad += 6 -> 6   (it was None: the first gradient is stored)
        <BLANKLINE>
        Done: x.grad = 6.
        >>> story.grads
        {'x': tensor(6.)}

    (tests/test_explain.py runs this example, so it shows what explain prints today.)
    """
    import inspect
    if not isinstance(tensor, Tensor):
        raise TypeError(f"explain expects a Tensor, but got {type(tensor).__name__}")
    if tensor.grad_fn is None:
        from .diagnostics import why_no_grad  # noqa: F401  (the hint names it)
        raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn: there is no "
                           "backward pass to explain. Compute it from tensors created with requires_grad=True "
                           "(ember.autograd.why_no_grad(tensor) says more).")
    frame = inspect.currentframe().f_back
    leaf_names, result_names = _caller_names(frame)
    if names is not None:
        for name, value in names.items():
            if value.grad_fn is None:
                leaf_names[id(value)] = name
            else:
                result_names[value.grad_fn] = name
    nodes = reading.forward_order(tensor.grad_fn)
    named, _ = reading.name_everything(nodes, leaf_names, result_names)
    node_names = {node: text for node, (text, _) in named.items()}
    root_name = node_names[tensor.grad_fn]
    lines, steps, grads, handles = [], [], {}, []

    def say(text, style=""):
        lines.append((style, text))

    start = "1" if tensor.numel() == 1 else "ones"
    shape = "a scalar" if tensor.numel() == 1 else "shape (" + ", ".join(map(str, tensor.shape)) + ")"
    say(f"Backward pass from {root_name} ({shape}, grad_fn={tensor.grad_fn.name()})", "bold")
    if tensor.numel() == 1:
        say(f"It starts with d{root_name}/d{root_name} = 1, and walks the graph from the output back to the leaves.")
    else:
        say(f"{root_name} is not a scalar, so it starts from a gradient of {start} (as {root_name}.sum().backward() "
            "would), and walks the graph back to the leaves.")

    def on_arrival(node):
        def hook(grad_outputs):
            step = {"node": node.name(), "name": node_names[node], "arriving": grad_outputs[0], "flows": []}
            steps.append(step)
            number = len(steps)
            say("")
            if reading.is_leaf_node(node):
                leaf = node.variable
                step["before"] = None if leaf.grad is None else leaf.grad.detach().clone()
                say(f"step {number}  AccumulateGrad  for the leaf {node_names[node]}", "bold cyan")
            else:
                say(f"step {number}  {node.name()}  computes {node_names[node]}"
                    + (f" = {_expression(node, named)}" if node in result_names else ""), "bold cyan")
                say(f"        gradient arriving: {summarize(grad_outputs[0])}")
        return hook

    def on_departure(node):
        def hook(grad_inputs, grad_outputs):
            step = steps[-1]
            a, b, result, attributes = _saved_values(node)
            arriving = grad_outputs[0]
            in_names = _input_names(node, named)
            rule = _RULES.get(_op_of(node))
            expression = _expression(node, named)
            for index, ((child, _), grad) in enumerate(zip(node.next_functions, grad_inputs)):
                if child is None or grad is None:
                    continue
                target = in_names[index]
                step["flows"].append((target, grad))
                if rule is None:
                    say(f"        {node.name()}'s derivative rule (its formula in ember's table) turns the "
                        f"arriving gradient into {summarize(grad)} for {target}")
                    continue
                words, local = rule(index, a, b, result, attributes, in_names)
                out = node_names[node]
                if out != expression and len(expression) <= 16:
                    out = expression  # d(x**2)/dx reads better than dy/dx
                derivative = f"d{out if out.isidentifier() else '(' + out + ')'}/d{_wrap(target)} = {words}"
                if local is not None and _is_scalar(local) and _is_scalar(arriving) and _is_scalar(grad):
                    if words != summarize(local):
                        derivative += f" = {summarize(local)}"
                    say(f"        {derivative}  ->  {target} gets {summarize(arriving)} * {summarize(local)} "
                        f"= {summarize(grad)}", "green")
                else:
                    if local is not None and not _is_scalar(local):
                        derivative += f" = {summarize(local)}"
                    say(f"        {derivative}", "green")
                    say(f"          ->  {target} gets {summarize(grad)}", "green")
        return hook

    def on_accumulated(node):
        def hook(leaf):
            step = next(step for step in reversed(steps) if step["node"] == node.name()
                        and step["name"] == node_names[node])
            after = leaf.grad.detach().clone()
            step["after"] = after
            grads[node_names[node]] = after
            name = node_names[node]
            if step["before"] is None:
                say(f"        {name}.grad += {summarize(step['arriving'])} -> {summarize(after)}   "
                    f"(it was None: the first gradient is stored)", "yellow")
            else:
                say(f"        {name}.grad += {summarize(step['arriving'])} -> {summarize(after)}   "
                    f"(added to the {summarize(step['before'])} already there)", "yellow")
        return hook

    try:
        for node in nodes:
            handles.append(node.register_prehook(on_arrival(node)))
            if reading.is_leaf_node(node):
                if node.variable.requires_grad:
                    handles.append(node.variable.register_post_accumulate_grad_hook(on_accumulated(node)))
            else:
                handles.append(node.register_hook(on_departure(node)))
        gradient = None if tensor.numel() == 1 else _ones_like(tensor)
        tensor.backward(gradient, retain_graph=retain_graph, inputs=inputs)
    finally:
        for handle in handles:
            handle.remove()
    say("")
    summary = ", ".join(f"{name}.grad = {summarize(value)}" for name, value in grads.items())
    say(f"Done: {summary or 'no leaf received a gradient'}.", "bold")
    _print(lines, file, color)
    return Explanation(steps, grads, lines)


def _ones_like(tensor):
    from .._creation import ones_like
    return ones_like(tensor)


def _print(lines, file, color):
    stream = sys.stdout if file is None else file
    if color is None:
        color = file is None and hasattr(stream, "isatty") and stream.isatty()
    if color:
        try:
            from rich.console import Console
            from rich.text import Text
        except ImportError:
            color = False
    if not color:
        stream.write("\n".join(text for _, text in lines) + "\n")
        return
    console = Console(file=stream, highlight=False)
    for style, text in lines:
        console.print(Text(text, style=style or ""), soft_wrap=True)
