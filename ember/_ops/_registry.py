"""defop(): one table row -> a public op function and a Node subclass named after torch's grad_fn.

A row is ``defop(name, grad_fn_name, forward, backward, ...)``:
  forward(*arrays, **attributes)              NumPy in, NumPy out
  backward                                    one formula per input, as derivatives.yaml has
                                              one line per input: a tuple of functions
                                              (None for an input that has no gradient), or a
                                              single function when the op has one input
  formula(grad, *inputs, [result], **attrs)   that input's gradient, written with ember ops;
                                              it receives only the attributes it names

The generated function accepts Tensors (records a node when grad mode is on and an input
requires grad) and also raw arrays, on which it only runs `forward`. That second door is
what lets one formula serve two paths: the engine's fast path feeds formulas raw arrays,
and create_graph=True feeds them Tensors, so gradients become graphs themselves.

Only the formulas of inputs that require grad run, and only what those formulas read is
saved for backward (derivatives.yaml's rule): ``x * w`` with a constant ``w`` saves ``w`` and
not ``x``. The parameters each formula loads are found once, here, from its bytecode.

A row also says where it is public (native_functions.yaml's ``variants:``): ``variants=("function",
"method", "inplace")`` makes ``ember.exp``, ``Tensor.exp`` and ``Tensor.exp_``. A plain function says the
same with the ``@variants(...)`` decorator, another name for an op with ``declare``. ember/_ops/__init__.py
builds the namespace and the Tensor methods from these declarations, and tools/gen_stubs.py the .pyi stub.

This module holds the general path only; _unrolled.py holds its one- and two-input forms,
which defop installs unless EMBER_GENERIC_PATHS=1.
"""
import dis
import inspect
import sys
from typing import NamedTuple

from .._backend import as_array as asarray
from .._backend import ndarray, on_device
from .._dtype import get_default_dtype, result_type
from .._errstate import enter as quiet_enter
from .._errstate import leave as quiet_leave
from .._grad_state import state as grad_state
from .._tensor import Tensor, make_tensor, shared_counter
from ..autograd.engine import GENERIC_PATHS  # install only the general path (see _unrolled.py)
from ..autograd.graph import Node
from . import _devices, _unrolled
from ._errors import allocation_error, complex_autograd_error, not_a_tensor
from ._kernels import BFLOAT16, FLOAT32, cast, has_bfloat16, in_float32, wrapped_int

GRAD_FNS = {}  # grad_fn name -> Node subclass, for tests and tools
NoneType = type(None)


# -- variants: where each op is public ---------------------------------------------------------
VARIANTS = ("function", "method", "inplace")


class Declaration(NamedTuple):
    """One public name: the object, its variants, and where it was declared (for the stub)."""
    function: object
    variants: tuple
    module: str
    line: int


DECLARED = {}  # public name -> Declaration, in the order the rule modules declare them


def declare(function, name, *variants):
    """Publish `function` (or a property) as `name`, in each of the variants:

    function  ember.<name>
    method    Tensor.<name>, bound directly (a method call costs no extra frame; a property stays one)
    inplace   Tensor.<name>_: computes out of place, writes into self, bumps its version (inplace.make_inplace)
    """
    unknown = set(variants) - set(VARIANTS)
    if unknown or not variants:
        raise ValueError(f"{name}: variants must be some of {VARIANTS}, got {variants}")
    previous = DECLARED.get(name)
    if previous is not None and previous.function is not function:
        raise ValueError(f"{name} is declared twice: in {previous.module} and again here; rename one")
    caller = sys._getframe(1)
    while caller.f_globals.get("__name__") == __name__:  # through variants() or defop(): the rule module
        caller = caller.f_back
    DECLARED[name] = Declaration(function, tuple(variants), caller.f_globals["__name__"], caller.f_lineno)
    return function


def variants(*variants, name=None):
    """Decorator form of `declare` for a function written out in full: ``@variants("function", "method")``."""
    def publish(function):
        return declare(function, name or function.__name__, *variants)
    return publish


# -- dtype rules: the NumPy dtype an op computes in (None: leave it to NumPy) ---------------
class DtypeRule:
    """How a row picks the NumPy dtype it computes in.

    compute(*inputs, **attributes) -> NumPy dtype    the rule itself
    keeps   its commonest answers, which the unrolled ops give without calling it: the type of the
            other operand (a Python number's type; Tensor for a tensor of the same dtype; NoneType
            for no other operand) -> the kinds of tensor dtype the rule leaves as they are
    other   for a one-tensor row (x ** 2), the attribute holding the other operand
    """

    __slots__ = ("compute", "keeps", "other")

    def __init__(self, compute, keeps=None, other=None):
        self.compute, self.keeps, self.other = compute, keeps or {}, other

    def __call__(self, *inputs, **attributes):
        return self.compute(*inputs, **attributes)

    def __repr__(self):
        return f"DtypeRule({self.compute.__name__})"

    def beside(self, name):
        """This rule for a tensor and the Python number held as attribute `name` (x ** 2: exponent)."""
        return DtypeRule(lambda x, **attributes: self.compute(x, attributes[name]), self.keeps, name)


class Row:
    """What defop declared for one op, kept on the op as ``op.row`` (one named object instead of
    attributes set on a function): the torch name of its node, the node class, the NumPy forward
    and the dtype rule. ``keeps`` is the rule's commonest answers (DtypeRule.keeps), which lets an
    in-place update write straight into the tensor (inplace.py)."""

    __slots__ = ("name", "grad_fn_name", "node_class", "forward", "dtype_rule")

    def __init__(self, name, grad_fn_name, node_class, forward=None, dtype_rule=None):
        self.name, self.grad_fn_name, self.node_class = name, grad_fn_name, node_class
        self.forward, self.dtype_rule = forward, dtype_rule

    @property
    def keeps(self):
        return {} if self.dtype_rule is None else self.dtype_rule.keeps

    def __repr__(self):
        return f"Row({self.name!r}, {self.grad_fn_name!r})"


# A tensor of these kinds keeps its dtype next to a Python number of this type (torch's
# "wrapped numbers" only lift the category: int tensor * 2.5 is float, float tensor * 2 is not).
_KINDS_KEPT_BESIDE = {float: "fc", int: "iufc", bool: "biufc"}


def _promote(*inputs, **_attributes):
    """Binary arithmetic: torch's result_type over tensors and Python numbers."""
    if len(inputs) == 2:  # the common cases first, without the general rule's bookkeeping
        a, b = inputs
        if isinstance(a, Tensor):
            a_dtype = a._data.dtype
            if isinstance(b, Tensor):
                if a_dtype is b._data.dtype:
                    return a_dtype
            elif a_dtype.kind in _KINDS_KEPT_BESIDE.get(type(b), ""):
                return a_dtype
    elif len(inputs) == 1:
        return inputs[0]._data.dtype
    return result_type(*inputs).numpy


def _promote_to_float(*inputs, **_attributes):
    """Division and transcendental functions: integers and bools compute in the default float."""
    common = _promote(*inputs)
    return common if common.kind in "fcV" else get_default_dtype().numpy  # V: bfloat16


promote = DtypeRule(_promote, {**_KINDS_KEPT_BESIDE, Tensor: "biufc", NoneType: "biufc"})
promote_to_float = DtypeRule(_promote_to_float, {float: "fc", int: "fc", bool: "fc", Tensor: "fc", NoneType: "fc"})


def _parameters_read(function):
    """Names of the parameters a function's code actually loads (so only those get saved)."""
    code = function.__code__
    read = set(code.co_cellvars)  # used inside a nested lambda or comprehension
    for instruction in dis.get_instructions(code):
        if instruction.opname.startswith("LOAD_FAST") or instruction.opname == "LOAD_DEREF":
            value = instruction.argval
            read.update(value if isinstance(value, tuple) else (value,))
    return read


def _inputs_read(formula):
    """(positions of the inputs a formula reads, whether it reads `result`)."""
    if formula is None:
        return (frozenset(), False)
    parameters = inspect.signature(formula).parameters
    inputs = [p.name for p in parameters.values()
              if p.kind is p.POSITIONAL_OR_KEYWORD and p.name not in ("grad", "result")]
    read = _parameters_read(formula)
    if any(p.kind is p.VAR_POSITIONAL for p in parameters.values()):
        return (frozenset(), False)  # takes *inputs without naming them: reads none
    return (frozenset(i for i, name in enumerate(inputs) if name in read), "result" in read)


def _takes_result(formula):
    return formula is not None and "result" in inspect.signature(formula).parameters


def _attribute_names(formula):
    """The keywords a formula names (None when it takes **attributes, and so all of them)."""
    if formula is None:
        return None
    parameters = inspect.signature(formula).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return None
    return frozenset(p.name for p in parameters if p.kind is not p.VAR_POSITIONAL)


def dtype_rule_of(rule):
    """A DtypeRule for defop's dtype_rule argument (a plain function becomes one with no shortcuts)."""
    return rule if rule is None or isinstance(rule, DtypeRule) else DtypeRule(rule)


def defop(name, grad_fn_name, forward, backward, *, dtype_rule=None, view=False, bool_output=False,
          saves_extra=False, variants=(), bfloat16_native=False):
    """Build the op function and the Node subclass for one row of the table.

    dtype_rule  promote / promote_to_float / a DtypeRule or function of the inputs, or None to keep
                whatever NumPy returns (shape ops, neg, abs, reductions ...)
    view        the output shares memory (and so the version counter) with input 0
    bool_output comparison: the dtype rule picks the inputs' common type, the output is bool
    backward    None for ops that have no gradient (their outputs never require grad)
    saves_extra (one-input rows) forward returns (out, extra): an intermediate array the backward
                would otherwise recompute (log_softmax's softmax, an exp). A recorded node keeps it
                as the attribute `extra`, which formulas take as a keyword (None when not recorded)
    variants    where the op is public under the row's name: see `declare` (none: used by other ops only)
    bfloat16_native  forward takes bfloat16 arrays as they are, ml_dtypes rounding every step, where torch's
                kernel also rounds as it goes (prod, x ** 3); other rows compute bfloat16 in float32 (_kernels)
    """
    widens = not view and not bfloat16_native  # bfloat16 inputs are widened to float32 for forward
    dtype_rule = dtype_rule_of(dtype_rule)
    node_class = None
    if backward is not None:
        formulas = backward if isinstance(backward, tuple) else (backward,)
        node_class = type(grad_fn_name, (Node,), {
            "__slots__": (), "__module__": "ember.autograd.graph", "formulas": formulas,
            "takes_result": tuple(_takes_result(formula) for formula in formulas),
            "reads": tuple(_inputs_read(formula) for formula in formulas), "_save_plans": {},
            "attribute_names": tuple(_attribute_names(formula) for formula in formulas),
        })
        if grad_fn_name == "NotImplemented":  # torch's generic node for ops without a derivative
            node_class.name = lambda self: "torch::autograd::NotImplemented"
        GRAD_FNS[grad_fn_name] = node_class
    differentiable = node_class is not None

    forward_with_extra = forward
    if saves_extra:  # the general path, the raw-array door and in-place updates want the output alone
        def forward(*arrays, **attributes):
            return forward_with_extra(*arrays, **attributes)[0]

    def finish(out, inputs, attributes, target, requires_grad):
        """Wrap NumPy's answer as a Tensor and, when autograd is watching, record the node."""
        if type(out) is not ndarray:  # NumPy answers 0-d arithmetic with scalars; keep arrays
            out = asarray(out)
        if target is not None and not bool_output and out.dtype is not target:
            out = cast(out, target) if target is BFLOAT16 else out.astype(target)
        if requires_grad and differentiable and grad_state.enabled and out.dtype.kind in "fcV":  # V: bfloat16
            if out.dtype.kind == "c":
                raise complex_autograd_error(name, grad_fn_name)
            node = node_class(inputs, attributes, out)
            result = make_tensor(out, node, True)
            if node._result_entry is not None:  # the node asked for its output: keep it now
                node.save_result(result)
        else:
            result = make_tensor(out)
        if view:
            source = inputs[0]
            result._version_counter = shared_counter(source)
            result._base = source._base if source._base is not None else source
        return result

    def op(*inputs, **attributes):
        if not any(isinstance(x, Tensor) for x in inputs):  # raw arrays: a formula on the fast path
            if not any(isinstance(x, _unrolled.RAW) or on_device(x) for x in inputs):
                raise not_a_tensor(name, inputs[0])
            if widens and has_bfloat16(inputs):
                return in_float32(forward, inputs, attributes)
            return forward(*inputs, **attributes)
        if grad_state.profiler is not None:  # a profile is recording: it times this call
            return grad_state.profiler.op(name, op, inputs, attributes)
        target = None if dtype_rule is None else dtype_rule.compute(*inputs, **attributes)
        arrays, requires_grad = [], False
        for x in inputs:
            if isinstance(x, Tensor):
                requires_grad = requires_grad or x._requires_grad
                x = x._data if target is None or x._data.dtype is target else cast(x._data, target)
                if target is BFLOAT16 and widens:  # computed in float32, rounded once in finish (see _kernels)
                    x = x.astype(FLOAT32)
            arrays.append(x)
        widen = target is None and widens and attributes.get("dtype") is None and has_bfloat16(arrays)
        quiet = quiet_enter()  # torch's silent inf and nan (see _errstate)
        try:
            out = in_float32(forward, arrays, attributes) if widen else forward(*arrays, **attributes)
        except ValueError as error:  # a shape that does not broadcast, or another GPU's arrays
            return _devices.after_value_error(op, name, inputs, attributes, error)
        except OverflowError:  # a Python int out of the integer dtype's range: torch wraps it
            dtype = next(x._data.dtype for x in inputs if isinstance(x, Tensor)) if target is None else target
            out = forward(*(wrapped_int(x, dtype) for x in arrays),
                          **{key: wrapped_int(value, dtype) for key, value in attributes.items()})
        except TypeError as error:  # CuPy refuses NumPy arrays: tensors on two devices
            return _devices.after_type_error(op, name, inputs, attributes, error)
        except MemoryError as error:  # torch's RuntimeError, with the byte count
            raise allocation_error(error) from None
        finally:
            quiet_leave(quiet)
        return finish(out, inputs, attributes, target, requires_grad)

    arity = len(node_class.formulas) if differentiable else getattr(forward, "nin", None)  # ufuncs know theirs
    assert arity == 1 or not saves_extra, "saves_extra is implemented for one-input rows"
    if not GENERIC_PATHS:  # the optimisations: see _unrolled.py
        if differentiable and arity == 1:
            node_class.__init__, node_class.apply = _unrolled.init_unary, _unrolled.apply_unary
        elif differentiable and arity == 2:
            node_class.__init__, node_class.apply = _unrolled.init_binary, _unrolled.apply_binary
        if arity == 1:
            op = _unrolled.unary_op_for(name, grad_fn_name, forward, forward_with_extra, dtype_rule, view,
                                        bool_output, saves_extra, node_class, widens)
        elif arity == 2:
            op = _unrolled.binary_op_for(name, grad_fn_name, forward, dtype_rule, view, bool_output, node_class,
                                         widens)
    op.__name__ = op.__qualname__ = name
    op.row = Row(name, grad_fn_name, node_class, forward, dtype_rule)
    if variants:
        declare(op, name, *variants)
    return op
