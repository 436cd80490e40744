"""ember against a live torch: values, dtypes, grad_fn names and graphs, and gradients.

Every OpCase (tests/op_cases.py) runs on both libraries with identical inputs in float32 and
float64, and both outputs are differentiated with the same random grad_output. Further sections
cover dtype promotion, error classes and messages, indexing, every matmul dimension combination
and in-place ops. The module is skipped as a whole when torch is not installed.
"""
import numpy as np
import pytest

torch = pytest.importorskip("torch")
# torch deprecates x.T on tensors that are not 2-D (the T_vector case), but still records it
pytestmark = pytest.mark.filterwarnings("ignore:The use of `x.T` on tensors of dimension other than 2")

from op_cases import OP_CASES  # noqa: E402

import ember  # noqa: E402

VALUE_TOLERANCE = {"float32": {"rtol": 1e-5, "atol": 1e-6}, "float64": {"rtol": 1e-10, "atol": 1e-12}}
GRAD_TOLERANCE = {"float32": {"rtol": 1e-4, "atol": 1e-5}, "float64": {"rtol": 1e-10, "atol": 1e-12}}


# -- helpers: each takes an ember tensor and a torch tensor, or works on either -------------------
def dtype_name(dtype):
    return str(dtype).rsplit(".", 1)[-1]  # torch.float32 and ember.float32 -> "float32"


def values(tensor):
    return tensor.detach().numpy(force=True)  # force: torch's zero gradients (sgn, floor ...) are ZeroTensors


def grad_fn_name(tensor):
    return None if tensor.grad_fn is None else type(tensor.grad_fn).__name__


def graph(node):
    """The recorded graph below `node` as nested (name, children) pairs.

    Edges without a gradient (``None``) are left out: torch keeps one for some non-tensor
    arguments and drops it for others, and ember keeps one per input; neither is observable
    through backward.
    """
    if node is None:
        return None
    return (type(node).__name__, tuple(graph(child) for child, _ in node.next_functions if child is not None))


def assert_same_tensor(mine, theirs, dtype="float64", tolerance=VALUE_TOLERANCE):
    """Same shape, dtype, requires_grad, grad_fn name and (within tolerance) values."""
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert dtype_name(mine.dtype) == dtype_name(theirs.dtype)
    assert mine.requires_grad == theirs.requires_grad
    assert grad_fn_name(mine) == grad_fn_name(theirs)
    np.testing.assert_allclose(values(mine), values(theirs), **tolerance[dtype])


def random_like(lib, tensor, seed=0):
    array = np.random.default_rng(seed).standard_normal(tuple(tensor.shape))
    return lib.tensor(array, dtype=getattr(lib, dtype_name(tensor.dtype)))


def assert_same_grads(mine, theirs, dtype="float64"):
    for index, (my_input, their_input) in enumerate(zip(mine, theirs)):
        if their_input.grad is None:
            assert my_input.grad is None, f"input {index}: torch has no gradient here"
            continue
        assert my_input.grad is not None, f"input {index}: torch has a gradient, ember none"
        assert tuple(my_input.grad.shape) == tuple(my_input.shape)
        assert dtype_name(my_input.grad.dtype) == dtype_name(their_input.grad.dtype)
        np.testing.assert_allclose(values(my_input.grad), values(their_input.grad), **GRAD_TOLERANCE[dtype],
                                   err_msg=f"gradient of input {index}")


def run_both(fn, arrays, dtype="float64", requires_grad=(True,)):
    """fn(lib, *inputs) on ember and torch, with the same values; returns inputs and outputs."""
    requires_grad = tuple(requires_grad) + (requires_grad[-1],) * (len(arrays) - len(requires_grad))
    results = []
    for lib in (ember, torch):
        inputs = [lib.tensor(array, dtype=getattr(lib, dtype), requires_grad=flag)
                  for array, flag in zip(arrays, requires_grad)]
        results.append((inputs, fn(lib, *inputs)))
    return results


def backward_both(results, seed=0):
    (_, mine), (_, theirs) = results
    mine.backward(random_like(ember, mine, seed))
    theirs.backward(random_like(torch, theirs, seed))


# -- every OpCase ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", OP_CASES, ids=repr)
def test_op_case_matches_torch(case, dtype):
    my_inputs, their_inputs = case.sample_inputs(ember, dtype), case.sample_inputs(torch, dtype)
    mine, theirs = case.fn(ember, *my_inputs), case.fn(torch, *their_inputs)
    if dtype == "float64":  # the literal in op_cases.py is still what torch records
        assert grad_fn_name(theirs) == case.grad_fn
        assert tuple(theirs.shape) == case.out_shape
    assert_same_tensor(mine, theirs, dtype)  # the graph below the output is torch's own business here:
    if not case.differentiable:               # matmul and x[i] = v record internals that may differ
        with pytest.raises(RuntimeError):
            theirs.backward(random_like(torch, theirs))
        with pytest.raises(RuntimeError):
            mine.backward(random_like(ember, mine))
        return
    mine.backward(random_like(ember, mine))
    theirs.backward(random_like(torch, theirs))
    assert_same_grads(my_inputs, their_inputs, dtype)


# -- at kinks, poles and zeros: torch's conventions (0 * inf is not allowed to become nan) --------
EDGE_VALUES = [0.0, -0.0, 1.0, -1.5, 2.0]
EDGES = {
    "abs": lambda lib, x, y: x.abs(),            # d|x|/dx at 0 is 0
    "relu": lambda lib, x, y: lib.relu(x),       # 0 at 0
    "sign": lambda lib, x, y: lib.sign(x),
    "sqrt": lambda lib, x, y: lib.sqrt(x.abs()),  # inf at 0
    "log": lambda lib, x, y: lib.log(x.abs()),    # -inf, and a gradient of inf at 0
    "reciprocal": lambda lib, x, y: lib.reciprocal(x),
    "div": lambda lib, x, y: y / x,
    "pow_half": lambda lib, x, y: x.abs() ** 0.5,
    "pow_zero": lambda lib, x, y: x ** 0,        # the gradient is 0, also at x == 0
    "pow_two": lambda lib, x, y: x ** 2,
    "pow_tensor": lambda lib, x, y: x.abs() ** (y * 0),   # 0 ** 0: both gradients 0
    "pow_tensor_positive_exponent": lambda lib, x, y: x.abs() ** y.abs(),
    "pow_scalar_base": lambda lib, x, y: 0.5 ** x,
    "remainder": lambda lib, x, y: y % (x + 3.0),
    "where": lambda lib, x, y: lib.where(x > 0, lib.sqrt(x), y),  # the dead branch's nan reaches x in torch too
}


# ember silences NumPy's floating-point warnings at import; pytest resets warning filters per test
@pytest.mark.filterwarnings("ignore:(divide by zero|invalid value|overflow) encountered:RuntimeWarning")
@pytest.mark.parametrize("name", sorted(EDGES))
def test_edge_values_match_torch(name):
    arrays = [np.array(EDGE_VALUES), np.array([1.0, 2.0, 0.0, 0.5, -1.0])]
    results = run_both(EDGES[name], arrays)
    (my_inputs, mine), (their_inputs, theirs) = results
    assert_same_tensor(mine, theirs)
    backward_both(results)
    assert_same_grads(my_inputs, their_inputs)


# -- dtype promotion --------------------------------------------------------------------------------
DTYPES = ["bool", "uint8", "int32", "int64", "float16", "float32", "float64"]
SCALARS = [True, 3, 2.5]
LEFT_VALUES = [1, 2, 3]
RIGHT_VALUES = [2, 1, 3]  # no zero: division stays finite for every dtype


def make_operand(lib, kind):
    """kind: ("tensor", dtype) 1-D, ("0-d", dtype), or ("scalar", value)."""
    form, spec = kind
    if form == "scalar":
        return spec
    data = RIGHT_VALUES if form == "tensor" else RIGHT_VALUES[0]
    if spec == "bool":  # all True: no division by zero
        data = [True, True, True] if form == "tensor" else True
    return lib.tensor(data, dtype=getattr(lib, spec))


def _left(lib, dtype):
    return lib.tensor([True, True, True] if dtype == "bool" else LEFT_VALUES, dtype=getattr(lib, dtype))


PROMOTION_CASES = ([(left, ("tensor", right)) for left in DTYPES for right in DTYPES]
                   + [(left, ("0-d", right)) for left in DTYPES for right in DTYPES]
                   + [(left, ("scalar", value)) for left in DTYPES for value in SCALARS])
OPERATORS = {
    "add": lambda a, b: a + b, "radd": lambda a, b: b + a, "mul": lambda a, b: a * b,
    "sub": lambda a, b: a - b, "rsub": lambda a, b: b - a, "div": lambda a, b: a / b, "rdiv": lambda a, b: b / a,
}


def _outcome(lib, operator, left, right):
    try:
        return operator(_left(lib, left), make_operand(lib, right))
    except Exception as error:  # noqa: BLE001  (the class is what we compare)
        return error


@pytest.mark.parametrize("operator", sorted(OPERATORS))
@pytest.mark.parametrize("left, right", PROMOTION_CASES, ids=lambda value: str(value).replace(" ", ""))
def test_binary_op_dtype_promotion_matches_torch(left, right, operator):
    mine = _outcome(ember, OPERATORS[operator], left, right)
    theirs = _outcome(torch, OPERATORS[operator], left, right)
    if isinstance(theirs, Exception):
        assert isinstance(mine, type(theirs)), f"torch raises {theirs!r}; ember gave {mine!r}"
        return
    assert not isinstance(mine, Exception), f"ember raised {mine!r}; torch gives {theirs.dtype}"
    assert dtype_name(mine.dtype) == dtype_name(theirs.dtype)
    tolerance = 1e-3 if "float16" in (left, right[1]) else 1e-6
    np.testing.assert_allclose(values(mine).astype(np.float64), values(theirs).astype(np.float64),
                               rtol=tolerance)


@pytest.mark.parametrize("first, second", [("0-d", "0-d"), ("0-d", "scalar")])
@pytest.mark.parametrize("left", DTYPES)
def test_zero_dim_tensors_promote_among_themselves_like_torch(left, first, second):
    """Without a dimensioned tensor, 0-d tensors decide, and Python numbers only lift the category."""
    others = [("0-d", right) for right in DTYPES] if second == "0-d" else [("scalar", value) for value in SCALARS]
    for other in others:
        mine = make_operand(ember, ("0-d", left)) * make_operand(ember, other)
        theirs = make_operand(torch, ("0-d", left)) * make_operand(torch, other)
        assert dtype_name(mine.dtype) == dtype_name(theirs.dtype), (left, other)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sums_of_integers_and_bools_have_torchs_dtype(dtype):
    """torch sums bools and every integer type to int64 (NumPy would give uint8 sums uint64)."""
    for reduce in (lambda x: x.sum(), lambda x: x.sum(0), lambda x: x.sum((0, 1), keepdim=True)):
        mine = reduce(ember.ones(2, 3, dtype=getattr(ember, dtype)))
        theirs = reduce(torch.ones(2, 3, dtype=getattr(torch, dtype)))
        assert dtype_name(mine.dtype) == dtype_name(theirs.dtype)
        np.testing.assert_allclose(values(mine).astype(float), values(theirs).astype(float))


# -- error classes and messages -----------------------------------------------------------------
BROADCAST_MISMATCHES = [((2, 3), (4,)), ((2, 3), (3, 2)), ((4, 1, 3), (2, 2))]


@pytest.mark.parametrize("operator", ["add", "sub", "mul", "div"])
@pytest.mark.parametrize("shapes", BROADCAST_MISMATCHES, ids=str)
def test_broadcast_mismatch_raises_like_torch(shapes, operator):
    function = OPERATORS[operator]
    with pytest.raises(RuntimeError) as theirs:
        function(torch.ones(shapes[0]), torch.ones(shapes[1]))
    with pytest.raises(RuntimeError) as mine:
        function(ember.ones(shapes[0]), ember.ones(shapes[1]))
    assert "must match the size of tensor b" in str(theirs.value)
    assert str(theirs.value) in str(mine.value)  # ember may explain more, after torch's sentence


MATMUL_MISMATCHES = [((2, 3), (4, 5)), ((3,), (4, 5)), ((2, 2, 3), (4, 5)), ((3,), (4,)), ((2, 3), (4,)),
                     ((2, 2, 3), (4,)), ((2, 2, 3), (2, 4, 5)), ((2, 3), (2, 4, 5)), ((3,), (2, 4, 5)),
                     ((2, 3), (3, 4, 5)), ((2, 2, 3, 4), (3, 4, 5))]


@pytest.mark.parametrize("shapes", MATMUL_MISMATCHES, ids=str)
def test_matmul_shape_mismatch_raises_like_torch(shapes):
    with pytest.raises(RuntimeError) as theirs:
        torch.ones(shapes[0]) @ torch.ones(shapes[1])
    with pytest.raises(RuntimeError) as mine:
        ember.ones(shapes[0]) @ ember.ones(shapes[1])
    assert str(theirs.value) in str(mine.value)


def test_mm_mismatch_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"cannot be multiplied \(2x3 and 4x5\)"):
        ember.ones(2, 3) @ ember.ones(4, 5)
    with pytest.raises(RuntimeError, match=r"cannot be multiplied \(2x3 and 4x5\)"):
        torch.ones(2, 3) @ torch.ones(4, 5)


# -- indexing ------------------------------------------------------------------------------------
INDEXES = {
    "int": lambda lib: 1,
    "negative_int": lambda lib: -1,
    "slice": lambda lib: slice(1, None),
    "slice_step": lambda lib: (slice(None, None, 2),),
    "slices_with_steps": lambda lib: (slice(1, None, 2), slice(None, None, 3)),
    "negative_slice": lambda lib: (slice(None), slice(-3, -1)),
    "empty_slice": lambda lib: slice(2, 1),
    "none": lambda lib: None,
    "none_middle": lambda lib: (slice(None), None, 1),
    "ellipsis": lambda lib: Ellipsis,
    "ellipsis_int": lambda lib: (Ellipsis, 0),
    "ellipsis_none": lambda lib: (Ellipsis, None),
    "int_slice": lambda lib: (0, slice(1, None)),
    "int_int": lambda lib: (2, 3),
    "list": lambda lib: [0, 0, 1],
    "list_negative": lambda lib: [-1, 0],
    "tensor": lambda lib: lib.tensor([2, 0, 2]),
    "tensor_2d": lambda lib: lib.tensor([[0, 1], [1, 1]]),
    "zero_dim_tensor": lambda lib: lib.tensor(1),
    "mask": lambda lib: lib.tensor([[True, False, True, False], [False, False, True, True],
                                    [True, True, True, False]]),
    "row_mask": lambda lib: lib.tensor([True, False, True]),
    "column_list": lambda lib: (slice(None), [0, 0, 3]),
    "slice_and_list": lambda lib: (slice(1, None), [3, 0]),
    "two_lists": lambda lib: ([0, 1, 1], [1, 2, 1]),
    "ellipsis_list": lambda lib: (Ellipsis, [1, 1]),
    "none_list": lambda lib: (None, [2, 1]),
}


@pytest.mark.parametrize("name", sorted(INDEXES))
def test_indexing_matches_torch(name):
    array = np.arange(12.0).reshape(3, 4) / 7 - 0.5
    results = run_both(lambda lib, x: (x * 1.0)[INDEXES[name](lib)], [array])
    (my_inputs, mine), (their_inputs, theirs) = results
    assert_same_tensor(mine, theirs)
    assert graph(mine.grad_fn) == graph(theirs.grad_fn)
    backward_both(results)
    assert_same_grads(my_inputs, their_inputs)


@pytest.mark.parametrize("name", ["int", "slice_step", "list", "mask", "ellipsis_int", "int_slice"])
def test_indexing_a_leaf_directly_matches_torch(name):
    array = np.arange(12.0).reshape(3, 4) - 5
    results = run_both(lambda lib, x: x[INDEXES[name](lib)], [array])
    (my_inputs, mine), (their_inputs, theirs) = results
    assert_same_tensor(mine, theirs)
    assert graph(mine.grad_fn) == graph(theirs.grad_fn)
    backward_both(results)
    assert_same_grads(my_inputs, their_inputs)


def test_repeated_indices_add_up_their_gradients():
    for lib in (ember, torch):
        x = lib.zeros(4, dtype=lib.float64, requires_grad=True)
        x[[0, 0, 2, 0]].sum().backward()
        np.testing.assert_array_equal(values(x.grad), [3.0, 0.0, 1.0, 0.0])


def test_chained_indexing_matches_torch():
    array = np.arange(24.0).reshape(2, 3, 4) / 5
    results = run_both(lambda lib, x: x[1][:, None, ::2][[0, 2]][..., 1], [array])
    (my_inputs, mine), (their_inputs, theirs) = results
    assert_same_tensor(mine, theirs)
    assert graph(mine.grad_fn) == graph(theirs.grad_fn)
    backward_both(results)
    assert_same_grads(my_inputs, their_inputs)


# -- matmul ---------------------------------------------------------------------------------------
MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
    ((2, 2, 3), (3,)), ((3,), (2, 3, 2)), ((2, 2, 3), (3, 4)), ((2, 3), (2, 3, 4)),
    ((2, 2, 3), (2, 3, 4)), ((1, 2, 3), (4, 3, 2)), ((2, 1, 2, 3), (3, 3, 2)), ((2, 2, 2, 3), (3, 2)),
    ((2, 3), (2, 2, 3, 2)), ((3,), (2, 2, 3, 2)), ((2, 2, 2, 3), (3,)),
]


def torch_folds_transposed(left, right, left_requires_grad):
    """When torch 2.13 records CloneBackward0 for a @ b (found by running it): a 2-D left operand
    against a stack of matrices, or a (1, n, m) one against a 3-D stack, if the left one requires grad."""
    single_matrix_stack = len(left) == 3 and left[0] == 1 and len(right) == 3 and right[0] > 1
    return left_requires_grad and ((len(left) == 2 and len(right) >= 3) or single_matrix_stack)


@pytest.mark.parametrize("requires_grad", [(True, True), (True, False), (False, True)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_matches_torch(shapes, dtype, requires_grad):
    rng = np.random.default_rng(len(shapes[0]) * 10 + len(shapes[1]))
    arrays = [rng.standard_normal(shape) for shape in shapes]
    results = run_both(lambda lib, a, b: a @ b, arrays, dtype, requires_grad)
    (my_inputs, mine), (their_inputs, theirs) = results
    if torch_folds_transposed(*shapes, left_requires_grad=requires_grad[0]):
        # Documented difference: torch computes this as (b.mT @ a.mT).mT.contiguous(), which
        # records CloneBackward0; ember broadcasts and runs bmm (UnsafeViewBackward0). Values,
        # dtypes and gradients are the same.
        assert (grad_fn_name(mine), grad_fn_name(theirs)) == ("UnsafeViewBackward0", "CloneBackward0")
        assert tuple(mine.shape) == tuple(theirs.shape) and mine.requires_grad and theirs.requires_grad
        assert dtype_name(mine.dtype) == dtype_name(theirs.dtype)
        np.testing.assert_allclose(values(mine), values(theirs), **VALUE_TOLERANCE[dtype])
    else:
        assert_same_tensor(mine, theirs, dtype)
    backward_both(results)
    assert_same_grads(my_inputs, their_inputs, dtype)


# -- in place ------------------------------------------------------------------------------------
def _add_mul_chain(lib, x, b):
    y = x.clone()
    y.add_(b)
    y.mul_(2.0)
    y.sub_(b, alpha=0.5)
    return y


def _operators_in_place(lib, x, b):
    y = x * 1.0
    y += b
    y *= b
    y -= 1.0
    y /= 2.0
    y **= 2
    return y


def _setitem_then_use(lib, x, b):
    y = x.exp()          # ExpBackward0 saves its result: y itself
    z = y.sum(0)
    y = y * 1.0
    y[0] = b             # CopySlices
    y[1:, 2] = 0.0
    return y * z


def _fill_zero_copy(lib, x, b):
    y = x * 2.0
    y.zero_()
    y.add_(x)
    y.fill_(3.0)
    y.copy_(b * x)
    return y


def _pow_tensor_in_place(lib, x, b):
    y = x.abs() + 0.5
    y.pow_(b)
    return y


IN_PLACE = {"add_mul_sub_chain": _add_mul_chain, "operators": _operators_in_place,
            "setitem_then_use": _setitem_then_use, "fill_zero_copy": _fill_zero_copy,
            "pow_tensor": _pow_tensor_in_place}


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_sequences_match_torch(name, dtype):
    rng = np.random.default_rng(7)
    arrays = [rng.uniform(0.5, 2.0, (3, 4)), rng.uniform(0.5, 2.0, (4,))]
    results = run_both(IN_PLACE[name], arrays, dtype)
    (my_inputs, mine), (their_inputs, theirs) = results
    assert_same_tensor(mine, theirs, dtype)
    assert graph(mine.grad_fn) == graph(theirs.grad_fn)
    backward_both(results)
    assert_same_grads(my_inputs, their_inputs, dtype)


def test_in_place_version_counter_matches_torch():
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        versions = [y._version]
        y.add_(1)
        versions.append(y._version)
        y[0] = 5.0
        versions.append(y._version)
        y.zero_()
        versions.append(y._version)
        assert versions == [0, 1, 2, 3]


def test_modifying_a_saved_tensor_raises_like_torch():
    outcomes = []
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True)
        y = x.exp()  # saves its result
        y.add_(1)
        with pytest.raises(RuntimeError) as error:
            y.sum().backward()
        outcomes.append(str(error.value))
    mine, theirs = outcomes
    assert "modified by an inplace operation" in theirs
    assert "modified by an inplace operation" in mine


def test_in_place_on_a_leaf_that_requires_grad_raises_like_torch():
    for lib in (ember, torch):
        x = lib.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
            x.add_(1)
        with lib.no_grad():
            x.add_(1)  # allowed: what optimizers do
        np.testing.assert_array_equal(values(x), [2.0, 2.0, 2.0])
