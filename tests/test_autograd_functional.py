"""autograd.functional, autograd.forward_ad and ember.func, against torch and by hand."""
import importlib

import pytest
from autograd_scenarios import compare_with_torch, error_of, plain

import ember


def vec(lib, values=(0.5, 1.0, 2.0)):
    return lib.tensor(values, dtype=lib.float64)


def scenario_functional(lib):
    F = importlib.import_module(lib.__name__ + ".autograd.functional")
    x, a, b = vec(lib), vec(lib, (0.1, 0.2)), vec(lib, (1.0, 2.0))
    ones2, ones3 = lib.ones(2, dtype=lib.float64), lib.ones(3, dtype=lib.float64)
    cube = lambda t: (t ** 3).sum()  # noqa: E731
    both = lambda p, q: (2 * p ** 2 + 3 * q ** 2 * p).sum()  # noqa: E731
    return {
        "jacobian": F.jacobian(lambda t: t.exp() * t, x),
        "jacobian_tuple_in": F.jacobian(lambda p, q: p * q, (a, b)),
        "jacobian_tuple_out": F.jacobian(lambda t: (t * 2, t.sum()), x),
        "jacobian_both": F.jacobian(lambda p, q: (p * q, p + q), (a, b)),
        "jacobian_constant": F.jacobian(lambda t: ones3, x),
        "jacobian_graph": F.jacobian(lambda t: t ** 2, x.clone().requires_grad_(), create_graph=True).requires_grad,
        "hessian": F.hessian(cube, x), "hessian_tuple": F.hessian(both, (a, b)),
        "vjp": F.vjp(lambda t: t.sin(), x, ones3), "vjp_tuple": F.vjp(lambda p, q: p * q, (a, b), ones2),
        "vjp_scalar": F.vjp(cube, x),
        "jvp": F.jvp(lambda t: t.sin() * t, x, ones3), "jvp_tuple": F.jvp(lambda p, q: p * q, (a, b), (ones2, b)),
        "hvp": F.hvp(cube, x, ones3), "vhp": F.vhp(cube, x, ones3),
        "hvp_tuple": F.hvp(both, (a, b), (ones2, b)), "vhp_tuple": F.vhp(both, (a, b), (ones2, b)),
        "strict_output": error_of(lambda: F.jacobian(lambda t: ones3, x, strict=True),
                                  "Output 0 of the user-provided function does not require gradients"),
        "strict_input": error_of(lambda: F.jacobian(lambda p, q: p * 2, (a, b), strict=True),
                                 "Output 0 of the user-provided function is independent of input 1"),
        "bad_input": error_of(lambda: F.jacobian(lambda t: t, [1.0]), "must be either a Tensor or a tuple of Tensors"),
        "bad_output": error_of(lambda: F.jacobian(lambda t: 3.0, x), "must be either a Tensor or a tuple of Tensors"),
        "v_needed": error_of(lambda: F.vjp(lambda t: t ** 2, x), "The vector v can only be None if"),
        "not_scalar": error_of(lambda: F.hessian(lambda t: t ** 2, x), "should contain a single element"),
        "forward_mode": error_of(lambda: F.jacobian(lambda t: t, x, strategy="forward-mode"), "vectorize=True"),
    }


def test_functional_by_hand():
    observed = plain(scenario_functional(ember))
    assert observed["hessian"][3] == [[3.0, 0.0, 0.0], [0.0, 6.0, 0.0], [0.0, 0.0, 12.0]]
    assert observed["hvp"][1][3] == [3.0, 6.0, 12.0] and observed["vjp_scalar"][1][3] == [0.75, 3.0, 12.0]
    assert observed["jacobian_graph"] is True and observed["strict_input"] == ["RuntimeError", True]


def test_functional_matches_torch():
    compare_with_torch(scenario_functional)


def scenario_forward_ad(lib):
    fwAD = lib.autograd.forward_ad
    x, t = vec(lib), vec(lib, (1.0, 0.0, -1.0))
    m = lib.linspace(-1.0, 1.0, 6, dtype=lib.float64).reshape(3, 2)
    observed = {"no_level": error_of(lambda: fwAD.make_dual(x, t), "no level exists")}
    with fwAD.dual_level() as level:
        observed["level"] = level
        observed["size"] = error_of(lambda: fwAD.make_dual(x, lib.ones(2, dtype=lib.float64)),
                                    "Tensor is of size [3] while the given forward gradient is of size [2]")
        dual = fwAD.make_dual(x, t)
        pieces = {
            "pointwise": (dual.sin() * dual + dual.exp() / (1 + dual ** 2)).tanh(),
            "reduction": dual.sum() * dual.mean(),
            "shape": dual.reshape(3, 1).expand(3, 2).t().sum(0),
            "matmul": dual @ m,
        }
        for name, value in pieces.items():
            unpacked = fwAD.unpack_dual(value)
            observed[name] = (unpacked.primal, unpacked.tangent)
        observed["self"] = tuple(fwAD.unpack_dual(dual))
        observed["constant"] = fwAD.unpack_dual(lib.ones(2)).tangent
        observed["fields"] = type(fwAD.unpack_dual(dual)).__name__
    return observed


def test_forward_ad_by_hand():
    observed = plain(scenario_forward_ad(ember))
    # d/dx (sum(x) * mean(x)) . t = 2 * sum(x) * sum(t) / 3 = 0
    assert observed["reduction"][1][3] == pytest.approx(0.0)
    assert observed["matmul"][1][3] == pytest.approx([-1.0 - 0.6, -0.6 - 1.0])
    assert observed["constant"] is None and observed["fields"] == "UnpackedDualTensor"


def test_forward_ad_matches_torch():
    compare_with_torch(scenario_forward_ad)


def test_forward_ad_custom_function_without_backward_names_jvp():
    class NoBackward(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

    with ember.autograd.forward_ad.dual_level():
        dual = ember.autograd.forward_ad.make_dual(vec(ember), vec(ember))
        y = NoBackward.apply(dual)
        with pytest.raises(NotImplementedError, match="You must implement the jvp function"):
            ember.autograd.forward_ad.unpack_dual(y)


def scenario_func(lib):
    func = importlib.import_module(lib.__name__ + ".func")
    x = vec(lib)
    f = lambda t: (t.sin() * t).sum()  # noqa: E731
    out, vjp_fn = func.vjp(lambda t: t.exp(), x)
    return {
        "grad": func.grad(f)(x), "grad_grad": func.grad(func.grad(lambda t: t ** 3))(vec(lib, 2.0)),
        "grad_and_value": func.grad_and_value(f)(x),
        "argnums": func.grad(lambda p, q: (p * q).sum(), argnums=(0, 1))(x, x * 2),
        "aux": func.grad(lambda t: ((t * t).sum(), t.sum()), has_aux=True)(x),
        "vjp": (out, vjp_fn(lib.ones(3, dtype=lib.float64))),
        "jvp": func.jvp(lambda t: t.exp() * t, (x,), (lib.ones(3, dtype=lib.float64),)),
        "jacrev": func.jacrev(lambda t: t.exp() * t)(x), "jacfwd": func.jacfwd(lambda t: t.exp() * t)(x),
        "hessian": func.hessian(lambda t: (t ** 3).sum())(x),
        "jacrev_argnums": func.jacrev(lambda p, q: p * q, argnums=(0, 1))(x, x),
        "jacfwd_argnums": func.jacfwd(lambda p, q: p * q, argnums=1)(x, x),
        "not_scalar": error_of(lambda: func.grad(lambda t: t * 2)(x), "Expected f(*args) to return a scalar Tensor"),
    }


def test_func_by_hand():
    observed = plain(scenario_func(ember))
    assert observed["grad_grad"][3] == 12.0
    assert observed["hessian"][3] == [[3.0, 0.0, 0.0], [0.0, 6.0, 0.0], [0.0, 0.0, 12.0]]
    assert observed["jacrev"] == observed["jacfwd"]


def test_func_matches_torch():
    compare_with_torch(scenario_func)


def scenario_edges(lib):
    F = importlib.import_module(lib.__name__ + ".autograd.functional")
    func = importlib.import_module(lib.__name__ + ".func")
    s = lib.tensor(3.0, dtype=lib.float64)
    m = lib.ones(2, 2, dtype=lib.float64)
    x = lib.ones(2, requires_grad=True, dtype=lib.float64)
    F.jacobian(lambda t: t ** 3, x, create_graph=True).sum().backward()
    return {"scalar": F.jacobian(lambda t: t * 2, s), "matrix_in": F.jacobian(lambda t: t.sum(), m),
            "hessian_shape": F.hessian(lambda t: (t ** 2).sum(), m).shape, "vjp_scalar": F.vjp(lambda t: t * 2, s),
            "jvp_scalar": F.jvp(lambda t: t * 2, s), "hvp_scalar": F.hvp(lambda t: t ** 3, s),
            "jacfwd_matrix": func.jacfwd(lambda t: (t ** 2).sum(1))(m), "grad_scalar": func.grad(lambda t: t ** 3)(s),
            "through_jacobian": x.grad, "nested_keeps_graph": func.grad(lambda t: (t ** 3).sum())(x).requires_grad}


def test_edges_by_hand():
    observed = plain(scenario_edges(ember))
    assert observed["scalar"] == ("tensor", "float64", (), 2.0) and observed["grad_scalar"][3] == 27.0
    assert observed["through_jacobian"][3] == [6.0, 6.0] and observed["nested_keeps_graph"] is True


def test_edges_match_torch():
    compare_with_torch(scenario_edges)
