"""ember.compile: a replayed call answers exactly what the eager call answers, or runs eagerly.

Every training pattern runs twice from the same seed, eagerly and compiled, and the losses,
parameters, gradients and buffers must be *equal* (not close) after every step. The other tests
check the guards (a new shape, dtype or training flag traces again), the fall backs and their
reasons, that a replay runs no op code (no Tensor or Node objects), and torch's front doors.
"""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import ember
import ember.nn as nn
from ember._compile import CompiledFunction, OptimizedModule, passes

STEPS = 8


@pytest.fixture(autouse=True, params=[True, False], ids=["passes", "no-passes"])
def kernel_passes(request, monkeypatch):
    """The test switch of passes.py: every test replays with and without the kernel passes."""
    monkeypatch.setattr(passes, "ENABLED", request.param)
    return request.param


def _arrays(values):
    return [np.array(v.detach().numpy() if isinstance(v, ember.Tensor) else v) for v in values]


def run_both(make, steps=STEPS, inputs=None):
    """Run make() -> (step, state) eagerly and compiled; answer the compiled step and both records."""
    records, compiled_step = [], None
    for compiled in (False, True):
        ember.manual_seed(0)
        step, state = make()
        fn = ember.compile(step) if compiled else step
        record = []
        for i in range(steps):
            answer = fn(*(inputs(i) if inputs else ()))
            record.append(_arrays([answer]) + _arrays(state()))
        records.append(record)
        compiled_step = fn if compiled else compiled_step
    return compiled_step, records


def assert_identical(records):
    eager, compiled = records
    for step, (a, b) in enumerate(zip(eager, compiled)):
        assert len(a) == len(b)
        for i, (x, y) in enumerate(zip(a, b)):
            assert x.dtype == y.dtype and np.array_equal(x, y), f"step {step}, value {i} differs"


def replays(fn):
    return sum(trace.replays for trace in fn._traces)


def classifier(optimizer, *, extra=(), zero_grad=None, **settings):
    def make():
        ember.manual_seed(1)
        layers = {"bn": lambda: nn.BatchNorm1d(16), "dropout": lambda: nn.Dropout(0.3)}
        model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), *(layers[name]() for name in extra), nn.Linear(16, 3))
        opt = optimizer(model.parameters(), **settings)
        x, y = ember.randn(10, 6), ember.randint(0, 3, (10,))

        def step():
            opt.zero_grad() if zero_grad is None else opt.zero_grad(set_to_none=zero_grad)
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss
        return step, lambda: [*model.parameters(), *model.buffers(), *(p.grad for p in model.parameters())]
    return make


@pytest.mark.parametrize("zero_grad", [None, True, False])
def test_sgd_training_is_bit_identical_and_replayed(zero_grad):
    fn, records = run_both(classifier(ember.optim.SGD, lr=0.1, zero_grad=zero_grad))
    assert_identical(records)
    assert replays(fn) >= STEPS - 2, fn.explain()


@pytest.mark.parametrize("settings", [dict(momentum=0.9), dict(momentum=0.9, nesterov=True, weight_decay=1e-3)])
def test_sgd_momentum_is_bit_identical_and_replayed(settings):
    fn, records = run_both(classifier(ember.optim.SGD, lr=0.05, **settings))
    assert_identical(records)
    assert replays(fn) >= STEPS - 2, fn.explain()


@pytest.mark.parametrize("optimizer,settings", [
    (ember.optim.Adam, {}), (ember.optim.AdamW, {}), (ember.optim.Adam, dict(amsgrad=True, weight_decay=0.01)),
    (ember.optim.Adamax, {}), (ember.optim.Adagrad, dict(lr_decay=0.1)), (ember.optim.RMSprop, {}),
    (ember.optim.Adadelta, {})])
def test_adaptive_optimizers_replay_their_step_count_bit_identically(optimizer, settings):
    # the bias corrections are Python arithmetic on the step count: each replay recomputes them
    fn, records = run_both(classifier(optimizer, lr=0.01, **settings), steps=10)
    assert_identical(records)
    assert replays(fn) >= 10 - 2, fn.explain()
    assert not any(trace.diverged for trace in fn._traces)


def test_adam_step_factors_follow_a_changed_learning_rate():
    """A new lr fails the guard (a group setting is read by value): the next call traces again,
    and the replayed factors use the new lr; a step count set from outside is the one replayed."""
    records, fn = [], None
    for compiled in (False, True):
        ember.manual_seed(0)
        step, state = classifier(ember.optim.Adam, lr=0.01)()
        optimizer = next(cell.cell_contents for cell in step.__closure__
                         if isinstance(cell.cell_contents, ember.optim.Adam))
        fn = ember.compile(step) if compiled else step
        record = []
        for i in range(10):
            if i == 5:
                optimizer.param_groups[0]["lr"] = 0.002
            if i == 8:  # the factors are read from the step counts at each replay, not baked in
                for param_state in optimizer.state.values():
                    param_state["step"].fill_(1.0)
            record.append(_arrays([fn()]) + _arrays(state()))
        records.append(record)
    assert_identical(records)
    assert len(fn._traces) == 3 and replays(fn) >= 10 - 4, fn.explain()


def test_dropout_draws_fresh_masks_on_each_replay_as_eager_does():
    fn, records = run_both(classifier(ember.optim.SGD, extra=("dropout",), lr=0.1))
    assert_identical(records)
    assert replays(fn) >= STEPS - 2, fn.explain()
    masks = [records[1][i][0] for i in range(3)]
    assert not np.array_equal(masks[1], masks[2])  # the losses differ: new masks were drawn


def test_batchnorm_running_stats_are_bit_identical():
    fn, records = run_both(classifier(ember.optim.SGD, extra=("bn",), lr=0.1))
    assert_identical(records)
    assert replays(fn) >= STEPS - 2, fn.explain()


def test_gradient_accumulation_across_calls():
    """The compiled function does forward and backward only; grads accumulate over two calls."""
    def make():
        model = nn.Linear(4, 2)
        opt = ember.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
        x = ember.randn(5, 4)
        calls = [0]

        def accumulate():
            loss = model(x).pow(2).mean()
            loss.backward()
            return loss

        def step():  # the optimizer runs outside the compiled part, every second call
            loss = compiled_or_not(accumulate)()
            calls[0] += 1
            if calls[0] % 2 == 0:
                opt.step()
                opt.zero_grad()
            return loss
        return step, lambda: [*model.parameters(), *(p.grad if p.grad is not None else 0 for p in model.parameters())]

    records = []
    for compiled in (False, True):
        ember.manual_seed(0)
        cache = {}

        def compiled_or_not(fn, compiled=compiled, cache=cache):
            if not compiled:
                return fn
            return cache.setdefault("fn", ember.compile(fn))
        step, state = make()
        records.append([_arrays([step()]) + _arrays(state()) for _ in range(STEPS)])
    assert_identical(records)
    assert replays(cache["fn"]) >= 2, cache["fn"].explain()


def test_step_lr_changing_lr_traces_again_and_stays_identical():
    def make():
        make_step, state = classifier(ember.optim.SGD, lr=0.1, momentum=0.9)()
        opt = make_step.__closure__[[c.cell_contents.__class__.__name__ for c in make_step.__closure__].index("SGD")]
        scheduler = ember.optim.lr_scheduler.StepLR(opt.cell_contents, step_size=3, gamma=0.5)

        def step():
            loss = make_step()
            return loss
        return step, state, scheduler

    records = []
    for compiled in (False, True):
        ember.manual_seed(0)
        step, state, scheduler = make()
        fn = ember.compile(step) if compiled else step
        record = []
        for _ in range(10):
            record.append(_arrays([fn()]) + _arrays(state()))
            scheduler.step()
        records.append(record)
    assert_identical(records)
    assert len(fn._traces) >= 3 and replays(fn) >= 4, fn.explain()


def seed_loop():
    x = ember.tensor(0.0, requires_grad=True)

    def step():
        y = (x - 5) ** 2
        y.backward()
        with ember.no_grad():
            x.sub_(0.1 * x.grad)
        x.grad.zero_()
        return y
    return step, lambda: [x, x.grad]


def test_seed_loop_is_bit_identical():
    fn, records = run_both(seed_loop, steps=30)
    assert_identical(records)
    assert replays(fn) >= 28


def test_seed_loop_forwards_its_scalar_copies(kernel_passes):
    fn, records = run_both(seed_loop, steps=5)
    assert_identical(records)
    trace = fn._traces[-1]
    assert (trace.copies_forwarded > 0) is kernel_passes, fn.explain()


def test_a_buffer_read_by_a_value_check_or_handed_out_is_not_shared():
    """share_buffers leaves alone what a closure kernel reads (a value check) and what the call
    answers: the answer of the first op is checked and returned, later same-shape values must not
    overwrite it."""
    def make():
        w = ember.tensor([1.0, -2.0, 3.0], requires_grad=True)

        def step():
            first = w * 2.0
            if bool((first > 5).any()):  # read into Python: a value check on `first`'s buffer
                scale = 1.0
            else:
                scale = 3.0
            second = (w + 1.0) * scale
            third = second * second
            w.grad = None
            third.sum().backward()
            with ember.no_grad():
                w.sub_(0.01 * w.grad)
            return first.detach(), third.detach()
        return step, lambda: [w, w.grad]
    fn, records = run_both(make)
    assert_identical(records)
    assert replays(fn) >= STEPS - 3, fn.explain()


def test_a_copy_of_an_array_changed_afterwards_is_not_forwarded():
    """clone, then change the original in place, then read the clone: the copy must stay a copy
    (and a .grad rebound after the call must not share memory with what changes later)."""
    def make():
        w = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
        s = ember.tensor(2.0)

        def step():
            snapshot = s.clone()
            with ember.no_grad():
                s.add_(1.0)
            loss = (w * snapshot).sum() + (w * s).sum()
            w.grad = None
            loss.backward()
            kept = w.grad.clone()
            with ember.no_grad():
                w.grad.mul_(2.0)
            return loss + kept.sum()
        return step, lambda: [w, w.grad, s]
    fn, records = run_both(make)
    assert_identical(records)
    assert replays(fn) >= STEPS - 2, fn.explain()


def test_a_forwarded_trace_still_fails_its_guard_on_a_new_shape():
    def f(x):
        y = (x - 5) ** 2
        return y.sum() * x[0]
    fn = ember.compile(f)
    for i, shape in enumerate([(3,), (3,), (4,), (3,), (4,)]):
        x = (ember.arange(float(shape[0])) + 1) * (i + 1)
        assert np.array_equal(fn(x).numpy(), f(x).numpy())
    with pytest.raises(IndexError):  # a 0-d x: the trace raises as eager does and leaves no trace
        fn(ember.tensor(2.0))
    assert len(fn._traces) == 2 and replays(fn) == 3, fn.explain()


def test_broadcast_reduction_workload_with_inputs_is_bit_identical():
    rng = np.random.default_rng(4)
    a0, w0 = rng.standard_normal((8, 5)).astype(np.float32), rng.standard_normal((8, 5)).astype(np.float32)

    def make():
        a = ember.tensor(a0, requires_grad=True)
        b = ember.ones(5, requires_grad=True)

        def step(c, w):
            a.grad = b.grad = None
            z = a * b + c
            centred = z - z.mean(dim=1, keepdim=True)
            loss = (nn.functional.log_softmax(z, dim=1) * w).sum() / 8 + ember.exp(centred * 0.1).sum(dim=0).mean()
            loss.backward()
            return loss
        return step, lambda: [a.grad, b.grad]

    def inputs(i):  # fresh argument tensors each call, with new values
        return ember.full((8, 1), 0.1 * i), ember.tensor(w0 * (i + 1))
    fn, records = run_both(make, inputs=inputs)
    assert_identical(records)
    assert replays(fn) >= STEPS - 2, fn.explain()
    # passes.share_buffers: dead intermediates of the same shape hand their memory on
    assert (fn._traces[-1].buffers_shared > 0) is passes.ENABLED, fn.explain()


# -- guards ---------------------------------------------------------------------------------
def test_new_shape_dtype_or_training_flag_traces_again():
    model = nn.Sequential(nn.Linear(3, 4), nn.Dropout(0.5))
    fn = ember.compile(model)
    with ember.no_grad():
        for _ in range(3):
            fn(ember.ones(2, 3))
        assert len(fn._compiled_call._traces) == 1
        fn(ember.ones(5, 3))
        assert len(fn._compiled_call._traces) == 2
        model.eval()
        out = fn(ember.ones(5, 3))
        assert len(fn._compiled_call._traces) == 3
        assert ember.equal(out, model(ember.ones(5, 3)))  # eval: no dropout


def test_new_dtype_traces_again():
    fn = ember.compile(lambda x: x * 2 + 1)
    a = fn(ember.ones(3))
    b = fn(ember.ones(3, dtype=ember.float64))
    assert a.dtype == ember.float32 and b.dtype == ember.float64 and len(fn._traces) == 2


def test_python_scalars_in_closures_are_guarded():
    scale = [2.0]

    def fn(x):
        return x * factor

    factor = 2.0
    compiled = ember.compile(fn)
    for _ in range(3):
        assert compiled(ember.ones(2)).tolist() == [2.0, 2.0]
    factor = 3.0
    assert compiled(ember.ones(2)).tolist() == [3.0, 3.0]
    assert scale


def test_value_branch_is_checked_on_replay_and_falls_back_when_it_differs():
    def fn(x):
        if (x > 0).all():
            return x * 2
        return x - 1

    compiled = ember.compile(fn)
    positive, mixed = ember.tensor([1.0, 2.0]), ember.tensor([1.0, -2.0])
    assert compiled(positive).tolist() == [2.0, 4.0]
    assert compiled(positive).tolist() == [2.0, 4.0]
    assert compiled(mixed).tolist() == [0.0, -3.0]  # the trace branched the other way: eager answers
    trace = compiled._traces[0]
    assert trace.replays >= 1 and trace.diverged == 1


# -- fall backs, with the reason --------------------------------------------------------------
def test_item_is_a_checked_value_and_a_changing_one_runs_eagerly_with_the_reason():
    def fn(x):
        total = (x * 2).sum()
        return x * total.item() if total.item() > 0 else x - 1

    compiled = ember.compile(fn)
    for values in ([1.0, 2.0], [1.0, 2.0], [-5.0, 1.0], [1.0, 2.0]):  # the same value replays, another not
        x = ember.tensor(values)
        assert ember.equal(compiled(x), fn(x))
    assert compiled._traces[0].replays == 2 and compiled._traces[0].diverged == 1
    for i in range(6):  # a value that changes at every call: eager, and explain() says why
        x = ember.tensor([float(i), 1.0])
        assert ember.equal(compiled(x), fn(x))
    assert "changes from call to call" in compiled.explain()
    assert not compiled._traces[0].replayable


def test_unsupported_conversion_runs_eagerly_with_the_reason():
    def fn(x):
        return ember.tensor(np.asarray(x.detach().numpy()) * 2)

    compiled = ember.compile(fn)
    for v in (1.0, 2.0):
        assert compiled(ember.tensor([v])).tolist() == [2 * v]
    assert "plain NumPy array" in compiled.explain()


def test_output_that_needs_backward_outside_runs_eagerly_and_backward_works():
    model = nn.Linear(3, 2)
    compiled = ember.compile(model)
    x = ember.ones(4, 3)
    for _ in range(3):
        model.zero_grad()
        compiled(x).sum().backward()
    assert ember.equal(model.bias.grad, ember.full((2,), 4.0))
    assert "backward happens outside" in compiled.explain()


# -- a replay runs kernels only ---------------------------------------------------------------
def test_replay_runs_no_op_code_and_makes_only_the_output_tensor():
    step, _ = classifier(ember.optim.SGD, lr=0.1, momentum=0.9)()
    fn = ember.compile(step)
    fn(), fn()
    calls = []

    def profile(frame, event, arg):
        if event == "call":
            calls.append((frame.f_code.co_filename, frame.f_code.co_name))
    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    assert replays(fn) == 1
    ember_code = {(f.replace("\\", "/").split("/ember/")[-1], name) for f, name in calls if "/ember/" in f}
    # the compiled function's own bookkeeping, the guard's grad-mode/default-dtype reads, the kernels,
    # and the output tensor: no op, Node or engine code
    assert ember_code <= {("_compile/function.py", name) for name in ("__call__", "replay", "rebuild", "flatten",
                                                                      "before_kernels", "<listcomp>", "<genexpr>")} | {
        ("_dtype.py", "get_default_dtype"), ("_tensor.py", "make_tensor"), ("_compile/traced.py", "kernel")}, ember_code
    assert sum(1 for f, name in calls if name == "make_tensor") == 1


def test_returned_tensors_are_fresh_not_the_replay_buffers():
    fn = ember.compile(lambda x: x * 3)
    a = fn(ember.ones(2))
    b = fn(ember.full((2,), 2.0))
    c = fn(ember.full((2,), 5.0))
    assert a.tolist() == [3.0, 3.0] and b.tolist() == [6.0, 6.0] and c.tolist() == [15.0, 15.0]


def test_in_place_change_of_an_argument_is_kept():
    fn = ember.compile(lambda x: x.mul_(2))
    for _ in range(3):
        x = ember.ones(3)
        out = fn(x)
        assert x.tolist() == [2.0, 2.0, 2.0] and out is x


# -- torch's front doors ------------------------------------------------------------------------
def test_signature_decorators_and_disable():
    def f(x):
        return x + 1

    assert isinstance(ember.compile(f, fullgraph=True, dynamic=False, backend="eager", mode="reduce-overhead",
                                    options={}), CompiledFunction)
    assert ember.compile(f, disable=True) is f

    @ember.compile
    def g(x):
        return x * 2

    @ember.compile(mode="max-autotune")
    def h(x):
        return x * 3
    assert g(ember.ones(1)).tolist() == [2.0] and h(ember.ones(1)).tolist() == [3.0]
    with pytest.raises(AssertionError):
        ember.compile(3)


def test_compiled_module_is_an_optimized_module_with_torch_state_dict_keys():
    model = nn.Linear(2, 3)
    compiled = ember.compile(model)
    assert isinstance(compiled, OptimizedModule) and compiled._orig_mod is model
    assert list(compiled.state_dict()) == ["_orig_mod.weight", "_orig_mod.bias"]
    assert [p is q for p, q in zip(compiled.parameters(), model.parameters())] == [True, True]
    assert compiled.in_features == 2
    compiled.eval()
    assert not model.training
    with ember.no_grad():
        x = ember.ones(4, 2)
        assert ember.equal(compiled(x), model(x)) and ember.equal(compiled(x), model(x))


def test_module_compile_in_place():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    assert model.compile() is None
    assert isinstance(model, nn.Sequential) and type(model).__name__ == "Sequential"
    with ember.no_grad():
        x = ember.ones(4, 2)
        outs = [model(x) for _ in range(3)]
    assert all(ember.equal(o, outs[0]) for o in outs)
    assert "replayed 2 time(s)" in model.explain()


def test_torch_compile_under_ember_run_is_embers(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent("""
        import torch
        model = torch.nn.Linear(2, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)

        @torch.compile
        def step(x):
            opt.zero_grad()
            loss = model(x).pow(2).mean()
            loss.backward()
            opt.step()
            return loss

        for _ in range(4):
            step(torch.ones(3, 2))
        print(type(step).__module__, type(torch.compile(model)).__name__)
    """))
    import os
    import pathlib
    root = pathlib.Path(__file__).resolve().parent.parent
    result = subprocess.run([sys.executable, "-m", "ember.run", str(script)], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=str(root)), timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ember._compile.function", "OptimizedModule"]


def test_autocast_state_is_guarded():
    layer = nn.Linear(3, 2)
    fn = ember.compile(lambda x: layer(x))
    x = ember.ones(4, 3)
    with ember.no_grad():
        plain = [fn(x) for _ in range(3)]
        with ember.autocast("cpu", dtype=ember.bfloat16):
            cast = fn(x)
            eager = layer(x)
    assert plain[-1].dtype == ember.float32 and cast.dtype == eager.dtype == ember.bfloat16


def test_module_hooks_run_eagerly_with_the_reason():
    layer = nn.Linear(3, 2)
    seen = []
    layer.register_forward_hook(lambda module, args, out: seen.append(1))
    fn = ember.compile(layer)
    with ember.no_grad():
        for _ in range(3):
            fn(ember.ones(1, 3))
    assert seen == [1, 1, 1] and "hooks" in fn.explain()


def test_a_call_that_raises_leaves_no_trace_and_aliased_arguments_are_guarded():
    fail = [True]

    def fn(x, y):
        if fail[0]:
            raise ValueError("first call fails")
        return x * 2 + y

    compiled = ember.compile(fn)
    with pytest.raises(ValueError):
        compiled(ember.ones(2), ember.ones(2))
    assert compiled._traces == []
    fail[0] = False
    a, b = ember.ones(2), ember.full((2,), 3.0)
    for _ in range(3):
        assert compiled(a, b).tolist() == [5.0, 5.0]
    assert compiled(a, a).tolist() == [3.0, 3.0]  # the same tensor twice: not the (a, b) trace
