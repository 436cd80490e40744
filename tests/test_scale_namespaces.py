"""jit, compile, onnx, accelerator, amp, backends, testing, _pytree and _foreach: each answers as torch's
CPU-only build answers (values, dtypes, error classes), checked against torch."""
import collections
import warnings

import numpy as np
import pytest

import ember

torch = pytest.importorskip("torch")


def test_jit_runs_the_python_code():
    def f(x):
        return x * 2

    model = ember.nn.Linear(2, 2)
    for lib in (ember, torch):
        assert not lib.jit.is_scripting() and not lib.jit.is_tracing()
        assert lib.jit.Final is __import__("typing").Final
        assert lib.jit.annotate(list, [1]) == [1]

        @lib.jit.ignore
        def ignored(x):
            return x + 1

        @lib.jit.unused
        def unused(x):
            return x - 1

        assert ignored(1) == 2 and unused(1) == 0
    assert ember.jit.script(f) is f and ember.jit.script(model) is model
    assert ember.jit.trace(model, ember.ones(1, 2)) is model
    assert torch.jit.script(f)(torch.ones(1)).tolist() == ember.jit.script(f)(ember.ones(1)).tolist()
    with pytest.raises(NotImplementedError):
        ember.jit.load("model.pt")


def test_compile_answers_a_compiled_model_and_module_compile_none():
    model = ember.nn.Linear(2, 1)  # tests/test_compile.py checks what the compiled forms do
    assert ember.compile(model)._orig_mod is model and ember.compile(mode="max-autotune")(len).__wrapped__ is len
    assert model.compile() is None and torch.nn.Linear(2, 1).compile() is None
    assert ember.compiler.is_compiling() == torch.compiler.is_compiling() is False
    with pytest.raises(AssertionError):
        torch.compile(3)
    with pytest.raises(AssertionError):
        ember.compile(3)


def test_onnx_export_says_it_is_not_there():
    assert int(ember.onnx.TrainingMode.EVAL) == int(torch.onnx.TrainingMode.EVAL)
    assert int(ember.onnx.OperatorExportTypes.ONNX) == int(torch.onnx.OperatorExportTypes.ONNX)
    with pytest.raises(NotImplementedError, match="ONNX"):
        ember.onnx.export(ember.nn.Linear(1, 1), (ember.ones(1),), "m.onnx")


def test_accelerator_answers_as_torch_without_one():
    for name in ["is_available", "current_accelerator", "device_count"]:
        assert getattr(ember.accelerator, name)() == getattr(torch.accelerator, name)()
    for lib in (ember, torch):
        with pytest.raises(RuntimeError, match="none is available"):
            lib.accelerator.current_device_index()


def test_matmul_precision_and_tf32_flags():
    for lib in (ember, torch):
        assert lib.get_float32_matmul_precision() == "highest" and lib.backends.cuda.matmul.allow_tf32 is False
        try:
            lib.set_float32_matmul_precision("high")
            assert lib.get_float32_matmul_precision() == "high" and lib.backends.cuda.matmul.allow_tf32 is True
            with pytest.warns(UserWarning, match="no effect"):
                lib.set_float32_matmul_precision("fastest")
            assert lib.get_float32_matmul_precision() == "high"
            lib.backends.cudnn.benchmark = True
            assert lib.backends.cudnn.benchmark is True and lib.backends.cudnn.allow_tf32 is True
        finally:
            lib.set_float32_matmul_precision("highest")
            lib.backends.cudnn.benchmark = False
    ember.backends.cuda.matmul.allow_tf32 = True  # torch refuses to mix the two spellings; ember mirrors them
    assert ember.get_float32_matmul_precision() == "high"
    ember.backends.cuda.matmul.allow_tf32 = False
    assert ember.get_float32_matmul_precision() == "highest"


def test_autocast_on_a_gpu_type_disables_itself_as_torch():
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="Disabling"):
            with lib.autocast("cuda"):
                assert lib.is_autocast_enabled() is False
                a = lib.ones(2, 2) @ lib.ones(2, 2)
        assert str(a.dtype).endswith("float32")
        with pytest.warns(UserWarning, match="Disabling"):
            with lib.amp.autocast(device_type="cuda", dtype=lib.float16):
                pass
        with lib.autocast("cpu", enabled=False):
            assert (lib.ones(2) * 2).dtype is lib.float32
        assert lib.get_autocast_dtype("cpu") is lib.bfloat16 and lib.get_autocast_dtype("cuda") is lib.float16
        with pytest.raises(RuntimeError):
            lib.autocast("tpu_nonsense")
    with ember.autocast("cpu", dtype=ember.bfloat16):  # casts as torch's (tests/test_bfloat16.py)
        assert (ember.ones(2, 2) @ ember.ones(2, 2)).dtype is ember.bfloat16


def test_grad_scaler_disabled_without_gpu():
    for lib in (ember, torch):
        with pytest.warns(UserWarning, match="Disabling"):
            scaler = lib.amp.GradScaler()
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.5)
        loss = (p * 3).sum()
        assert scaler.scale(loss) is loss and not scaler.is_enabled() and scaler.get_scale() == 1.0
        loss.backward()
        scaler.step(opt)
        scaler.update()
        assert p.tolist() == [-0.5, -0.5] and scaler.state_dict() == {}


def test_grad_scaler_on_cpu_scales_skips_and_adjusts_as_torch():
    histories = []
    for lib in (ember, torch):
        scaler = lib.amp.GradScaler("cpu", init_scale=4.0, growth_interval=2)
        p = lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([p], lr=0.1)
        history = []
        for value in [1.0, float("inf"), 1.0, 1.0, 1.0]:
            opt.zero_grad()
            scaled = scaler.scale((p * value).sum())
            history.append(float(scaled))
            scaled.backward()
            scaler.step(opt)
            scaler.update()
            history.append((scaler.get_scale(), [round(v, 6) for v in p.tolist()], scaler.state_dict()))
        opt.zero_grad()
        scaler.scale(p.sum()).backward()
        scaler.unscale_(opt)
        with pytest.raises(RuntimeError, match="already been called"):
            scaler.unscale_(opt)
        histories.append(history)
    assert histories[0] == histories[1]


def tensors(lib, values):
    return [lib.tensor(v, dtype=lib.float64) for v in values]


@pytest.mark.parametrize("name, args", [
    ("_foreach_add", (1.5,)), ("_foreach_add_", ("list",)), ("_foreach_mul", ("list",)), ("_foreach_mul_", (2.0,)),
    ("_foreach_div_", ([2.0, 4.0],)), ("_foreach_sub", ("list",)), ("_foreach_maximum_", ("list",)),
    ("_foreach_neg", ()), ("_foreach_sqrt", ()), ("_foreach_reciprocal_", ()), ("_foreach_zero_", ()),
    ("_foreach_lerp_", ("list", 0.25)), ("_foreach_addcmul_", ("list", "list", 0.5)),
    ("_foreach_addcdiv_", ("list", "list")), ("_foreach_exp", ()), ("_foreach_minimum_", ("list",)),
])
def test_foreach(name, args):
    results = []
    for lib in (ember, torch):
        xs = tensors(lib, [[1.0, 2.0], [3.0, 4.0, 5.0]])
        resolved = [tensors(lib, [[0.5, 3.0], [1.0, 2.0, 8.0]]) if arg == "list" else arg for arg in args]
        out = getattr(lib, name)(xs, *resolved)
        results.append([x.tolist() for x in (xs if name.endswith("_") else out)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_foreach_names_are_torchs():
    for name in ember._foreach.FUNCTIONS:
        assert hasattr(torch, name), name


@pytest.mark.parametrize("shapes", [((2,), (2,)), ((2, 3), (2, 3)), ((), ())])
def test_assert_close_passes_and_fails_as_torch(shapes):
    for dtype in ["float32", "float64", "int64", "float16"]:
        data = np.arange(int(np.prod(shapes[0]))).reshape(shapes[0]) + 1
        for lib in (ember, torch):
            a = lib.tensor(data, dtype=getattr(lib, dtype))
            lib.testing.assert_close(a, a.clone())
            with pytest.raises(AssertionError):
                lib.testing.assert_close(a, a + 1)


def test_assert_close_messages_and_errors_as_torch():
    cases = [
        lambda lib: lib.testing.assert_close(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.1])),
        lambda lib: lib.testing.assert_close(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0], dtype=lib.float64)),
        lambda lib: lib.testing.assert_close(lib.tensor([1.0, 2.0]), lib.tensor([1.0, 2.0, 3.0])),
        lambda lib: lib.testing.assert_close(lib.tensor([1, 2]), lib.tensor([1, 3])),
        lambda lib: lib.testing.assert_close(1.0, 1.1),
    ]
    for case in cases:
        messages = []
        for lib in (ember, torch):
            with pytest.raises(AssertionError) as info:
                case(lib)
            messages.append(str(info.value).replace("torch.", "ember."))
        assert messages[0] == messages[1]
    for lib in (ember, torch):
        lib.testing.assert_close(lib.tensor([1.0, float("nan")]), lib.tensor([1.0, float("nan")]), equal_nan=True)
        lib.testing.assert_close(lib.tensor([1.0]), lib.tensor([1.05]), rtol=0.1, atol=0.0)
        lib.testing.assert_close({"a": [lib.ones(2), 3]}, {"a": [lib.ones(2), 3]})
        with pytest.raises(AssertionError):
            lib.testing.assert_close(lib.tensor([float("nan")]), lib.tensor([float("nan")]))
        with pytest.raises(TypeError):
            lib.testing.assert_close(lib.ones(1), "one")
        with pytest.raises(ValueError):
            lib.testing.assert_close(lib.ones(1), lib.ones(1), rtol=0.1)


Point = collections.namedtuple("Point", "x y")


@pytest.mark.parametrize("tree", [[1, (2, None), {"a": 3, "b": [4]}], Point(1, [2, 3]), None, 5,
                                  collections.OrderedDict(z=1, a=(2,)), ([], {}, ())])
def test_pytree_as_torchs(tree):
    ours, theirs = ember.utils._pytree, torch.utils._pytree
    leaves, spec = ours.tree_flatten(tree)
    assert leaves == theirs.tree_flatten(tree)[0]
    assert ours.tree_unflatten(leaves, spec) == tree
    assert ours.tree_map(lambda v: v if v is None else v * 10, tree) == theirs.tree_map(
        lambda v: v if v is None else v * 10, tree)
    assert ours.tree_leaves(tree) == theirs.tree_leaves(tree)


def test_pytree_tensors_and_errors():
    tree = {"w": ember.ones(2), "b": [ember.zeros(1)]}
    doubled = ember.utils._pytree.tree_map(lambda t: t * 2, tree)
    assert doubled["w"].tolist() == [2.0, 2.0] and doubled["b"][0].tolist() == [0.0]
    summed = ember.utils._pytree.tree_map(lambda a, b: a + b, tree, doubled)
    assert summed["w"].tolist() == [3.0, 3.0]
    _, spec = ember.utils._pytree.tree_flatten([1, 2])
    _, torch_spec = torch.utils._pytree.tree_flatten([1, 2])
    with pytest.raises(ValueError):
        ember.utils._pytree.tree_unflatten([1], spec)
    with pytest.raises(ValueError):
        torch.utils._pytree.tree_unflatten([1], torch_spec)


def test_scale_names_resolve_under_the_shim_as_in_torch():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for path in ["jit.script", "jit.ignore", "jit.is_scripting", "compile", "accelerator.is_available",
                     "amp.autocast", "amp.GradScaler", "autocast", "testing.assert_close", "onnx.export",
                     "backends.cuda.matmul", "set_float32_matmul_precision", "utils._pytree.tree_map",
                     "_foreach_add_", "compiler.is_compiling"]:
            for lib in (ember, torch):
                obj = lib
                for part in path.split("."):
                    obj = getattr(obj, part)


def test_small_top_level_names_as_torch():
    assert ember.vmap is ember.func.vmap and torch.vmap is torch.func.vmap
    x = ember.arange(6.0).reshape(2, 3)
    assert ember.vmap(lambda row: row.sum())(x).tolist() == torch.vmap(lambda row: row.sum())(
        torch.arange(6.0).reshape(2, 3)).tolist()
    for lib in (ember, torch):
        assert lib._assert(True, "fine") is None
        with pytest.raises(AssertionError, match="broken"):
            lib._assert(False, "broken")
        assert lib.get_autocast_cpu_dtype() is lib.bfloat16 and lib.get_autocast_gpu_dtype() is lib.float16
        assert lib.is_autocast_cpu_enabled() is False
