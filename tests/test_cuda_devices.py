"""Two devices in one program, as torch has them: 0-d CPU tensors beside cuda tensors, cuda:0 and
cuda:1, streams and events, checkpoints mapped onto a GPU.

Run wherever ember.cuda.is_available(): on a GPU with CuPy, and under the CuPy stand-in in the
subprocess of tests/test_cuda.py, which pretends two GPUs (EMBER_CUDA_STANDIN_DEVICES=2). torch's
rules here come from its source (TensorIterator's allow_cpu_scalars, where's and index_put_'s 0-d
moves); the values, dtypes and gradients are compared with the same expression on the CPU.
"""
import io
import time

import numpy as np
import pytest

import ember

pytestmark = [pytest.mark.skipif(not ember.cuda.is_available(), reason="needs CuPy with a GPU, or the stand-in"),
              pytest.mark.usefixtures("cpu_by_default")]
two_gpus = pytest.mark.skipif(ember.cuda.is_available() and ember.cuda.device_count() < 2, reason="needs two GPUs")



# -- a 0-d CPU tensor beside cuda tensors counts as a number ------------------------------------------------------
SCALAR_CASES = [
    ("mul", lambda x, s: x * s), ("rmul", lambda x, s: s * x), ("sub", lambda x, s: s - x),
    ("div", lambda x, s: x / s), ("pow", lambda x, s: x ** s), ("rpow", lambda x, s: s ** x),
    ("maximum", lambda x, s: ember.maximum(x, s)), ("atan2", lambda x, s: ember.atan2(s, x)),
    ("where", lambda x, s: ember.where(x > 0.5, x, s)), ("masked_fill", lambda x, s: x.masked_fill(x > 0.5, s)),
    ("lerp", lambda x, s: ember.lerp(x, x * 2, s)), ("addcmul", lambda x, s: ember.addcmul(x, x, s)),
    ("xlogy", lambda x, s: ember.xlogy(x, s)),
]


@pytest.mark.parametrize("name,expression", SCALAR_CASES, ids=[case[0] for case in SCALAR_CASES])
def test_a_cpu_scalar_beside_cuda_tensors_gives_a_cuda_result_and_a_cpu_gradient(name, expression):
    def run(device):
        x = ember.tensor([0.25, 0.75, 1.5], dtype=ember.float64, device=device, requires_grad=True)
        s = ember.tensor(1.75, dtype=ember.float64, requires_grad=True)  # always on the CPU
        result = expression(x, s)
        result.sum().backward()
        return result, x.grad, s.grad
    on_cpu, on_gpu = run("cpu"), run("cuda")
    result, x_grad, s_grad = on_gpu
    assert result.device == ember.device("cuda", 0) and result.dtype == on_cpu[0].dtype
    assert x_grad.is_cuda and s_grad.device == ember.device("cpu")  # each leaf's gradient on its own device
    np.testing.assert_allclose(result.detach().cpu().numpy(), on_cpu[0].detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x_grad.cpu().numpy(), on_cpu[1].numpy(), rtol=1e-12)
    np.testing.assert_allclose(s_grad.numpy(), on_cpu[2].numpy(), rtol=1e-12)


def test_dtype_promotion_is_the_cpu_one():
    # a 0-d tensor ranks below a dimensioned one of the same category, above a Python number
    for x, s in [(ember.arange(3, dtype=ember.int32), ember.tensor(2.5, dtype=ember.float64)),
                 (ember.ones(3, dtype=ember.float32), ember.tensor(2.0, dtype=ember.float64)),
                 (ember.ones(3, dtype=ember.float16), ember.tensor(3, dtype=ember.int64))]:
        expected = (x * s).dtype
        for result in (x.cuda() * s, s * x.cuda(), ember.add(x.cuda(), s), x.cuda() == s):
            assert result.is_cuda
        assert (x.cuda() * s).dtype == expected and (x.cuda() == s).dtype == ember.bool
    assert (ember.tensor(3.0, device="cuda") * ember.tensor(2.0)).device == ember.device("cuda", 0)


def test_in_place_updates_of_a_cuda_tensor_take_a_cpu_scalar():
    x = ember.ones(3, device="cuda")
    x.mul_(ember.tensor(3.0))
    x += ember.tensor(1.0)
    x.sub_(ember.tensor(0.5), alpha=2)
    assert x.is_cuda and x.tolist() == [3.0, 3.0, 3.0]
    w = ember.ones(2, device="cuda", requires_grad=True)
    s = ember.tensor(4.0, requires_grad=True)
    y = w * 1.0
    y.mul_(s)
    y.sum().backward()
    assert s.grad.device == ember.device("cpu") and s.grad.item() == 2.0 and w.grad.tolist() == [4.0, 4.0]


def test_assigning_cpu_values_into_a_cuda_tensor():
    x = ember.zeros(4, device="cuda")
    x[0] = ember.tensor(5.0)                      # basic index: copied from anywhere (copy_)
    x[1:3] = ember.tensor([1.0, 2.0])
    x[x == 0] = ember.tensor(7.0)                 # mask: a 0-d value moves (index_put_)
    assert x.is_cuda and x.tolist() == [5.0, 1.0, 2.0, 7.0]
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        x[x > 1] = ember.tensor([1.0, 2.0, 3.0])


@pytest.mark.parametrize("call", [
    lambda x, s: x * ember.ones(3),                       # a CPU tensor with dimensions
    lambda x, s: ember.ones(3) * x.sum(),                 # a 0-d cuda tensor does not make a CPU one welcome
    lambda x, s: ember.clamp(x, min=s),                   # clamp(Tensor) is not an allow_cpu_scalars op
    lambda x, s: ember.mm(x.reshape(3, 1), ember.ones(1, 2)),
    lambda x, s: ember.cat([x, ember.ones(1)]),
    lambda x, s: s.clone().mul_(x.sum()),                 # the output stays on the CPU: refused
], ids=["vector", "gpu-scalar-beside-cpu", "clamp", "mm", "cat", "cpu-output"])
def test_what_still_raises_torchs_error(call):
    x, s = ember.ones(3, device="cuda"), ember.tensor(2.0)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, but found at least two "
                                           "devices, cuda:0 and cpu!"):
        call(x, s)


def test_at_most_one_cpu_scalar_per_elementwise_op():
    x = ember.ones(3, device="cuda")
    with pytest.raises(RuntimeError, match="Trying to pass too many CPU scalars to non-CPU kernel!"):
        ember.addcmul(x, ember.tensor(2.0), ember.tensor(3.0))
    # where moves every 0-d CPU tensor itself
    assert ember.where(x > 0, x, ember.tensor(2.0)).is_cuda


# -- cuda:0, cuda:1 ----------------------------------------------------------------------------------------------
@two_gpus
def test_tensors_on_a_second_gpu_compute_and_differentiate_there():
    x = ember.tensor([1.0, 2.0], requires_grad=True)
    y = x.to("cuda:1")
    assert y.device == ember.device("cuda", 1) and str(y.device) == "cuda:1" and y.get_device() == 1
    assert repr(y.detach()) == "tensor([1., 2.], device='cuda:1')"
    z = (y.exp() * 2).sum()
    assert z.device == y.device
    z.backward()
    assert x.grad.device == ember.device("cpu")
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0]), rtol=1e-6)
    assert ember.zeros(2, device="cuda:1").get_device() == 1 and ember.zeros_like(y).get_device() == 1
    assert y.to("cuda:1") is y and y.to("cuda:0").get_device() == 0 and ember.ones(1).get_device() == -1


@two_gpus
def test_mixing_two_gpus_raises_torchs_error():
    a, b = ember.ones(2, device="cuda:1"), ember.ones(2, device="cuda:0")
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, but found at least two "
                                           "devices, cuda:1 and cuda:0!"):
        a + b
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        ember.ones(1, device=f"cuda:{ember.cuda.device_count()}")
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        ember.cuda.set_device(ember.cuda.device_count())


@two_gpus
def test_the_current_gpu_is_where_cuda_tensors_go():
    assert ember.cuda.current_device() == 0
    with ember.cuda.device(1):
        assert ember.cuda.current_device() == 1 and ember.zeros(1, device="cuda").get_device() == 1
        assert ember.ones(1).cuda().get_device() == 1
    assert ember.cuda.current_device() == 0
    try:
        ember.cuda.set_device("cuda:1")
        assert ember.cuda.current_device() == 1 and ember.tensor([1.0], device="cuda").get_device() == 1
        with ember.cuda.device_of(ember.ones(1, device="cuda:0")):
            assert ember.cuda.current_device() == 0
    finally:
        ember.cuda.set_device(0)
    ember.cuda.set_device(-1)  # torch: a negative index changes nothing
    assert ember.cuda.current_device() == 0


@two_gpus
def test_a_model_trains_on_the_second_gpu_as_on_the_cpu():
    def train(device):
        ember.manual_seed(0)
        model = ember.nn.Sequential(ember.nn.Linear(3, 4), ember.nn.Tanh(), ember.nn.Linear(4, 1)).to(device)
        optimizer = ember.optim.Adam(model.parameters(), lr=0.05)
        x, y = ember.randn(8, 3, device=device), ember.randn(8, 1, device=device)
        for _ in range(3):
            optimizer.zero_grad()
            loss = ember.nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
        assert optimizer.state[model[0].weight]["exp_avg"].device == model[0].weight.device
        return [p.detach().cpu().numpy() for p in model.parameters()], model[0].weight.device
    cpu_params, _ = train("cpu")
    gpu_params, where = train("cuda:1")
    assert where == ember.device("cuda", 1)
    for a, b in zip(cpu_params, gpu_params):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@two_gpus
def test_checkpoints_keep_or_map_the_gpu():
    buffer = io.BytesIO()
    ember.save({"w": ember.arange(3.0, device="cuda:1")}, buffer)
    for map_location, expected in [(None, "cuda:1"), ("cpu", "cpu"), ("cuda:0", "cuda:0"),
                                   ({"cuda:1": "cuda:0"}, "cuda:0"), (lambda storage, loc: storage.cuda(0), "cuda:0"),
                                   (lambda storage, loc: storage, "cpu")]:
        buffer.seek(0)
        loaded = ember.load(buffer, map_location=map_location)["w"]
        assert str(loaded.device) == expected and loaded.tolist() == [0.0, 1.0, 2.0]


def test_safetensors_files_load_onto_the_gpu(tmp_path):
    path = tmp_path / "model.safetensors"
    ember.save({"w": ember.arange(3.0, device="cuda"), "b": ember.ones(2)}, path)  # saved from host copies
    last = f"cuda:{ember.cuda.device_count() - 1}"
    for map_location, expected in [(None, "cpu"), ("cuda", "cuda:0"), (ember.device("cuda", 0), "cuda:0"),
                                   (last, last), ({"cpu": last}, last),
                                   (lambda storage, loc: storage.cuda(), "cuda:0")]:
        loaded = ember.load(path, map_location=map_location)
        assert {str(t.device) for t in loaded.values()} == {expected}
        assert loaded["w"].tolist() == [0.0, 1.0, 2.0]


# -- streams and events -----------------------------------------------------------------------------------------
def test_events_time_work_and_streams_hold_it():
    start, end = ember.cuda.Event(enable_timing=True), ember.cuda.Event(enable_timing=True)
    start.record()
    x = ember.randn(64, 64, device="cuda")
    for _ in range(3):
        x = x @ x.T / 64
    time.sleep(0.002)
    end.record()
    end.synchronize()
    assert end.query() and start.elapsed_time(end) > 0
    with pytest.raises(RuntimeError, match="enable_timing=True"):
        ember.cuda.Event().elapsed_time(end)
    stream = ember.cuda.Stream()
    assert stream.device == ember.device("cuda", ember.cuda.current_device())
    with ember.cuda.stream(stream):
        assert ember.cuda.current_stream() == stream
        y = ember.ones(3, device="cuda") * 2
    assert ember.cuda.current_stream() == ember.cuda.default_stream()
    stream.synchronize()
    assert stream.query() and y.tolist() == [2.0, 2.0, 2.0]
    stream.wait_stream(ember.cuda.current_stream())
    stream.record_event().synchronize()
    ember.cuda.synchronize()


def test_memory_allocated_follows_the_arrays_alive():
    before = ember.cuda.memory_allocated()
    big = ember.zeros(1 << 16, device="cuda")
    during = ember.cuda.memory_allocated()
    assert during - before >= big.numel() * 4 and ember.cuda.max_memory_allocated() >= during
    del big
    assert ember.cuda.memory_allocated() < during


def test_grad_scaler_scales_on_the_gpu():
    model = ember.nn.Linear(3, 1).cuda()
    optimizer = ember.optim.SGD(model.parameters(), lr=0.1)
    scaler = ember.amp.GradScaler("cuda")
    assert scaler.is_enabled()
    loss = model(ember.ones(2, 3, device="cuda")).sum()
    assert scaler.scale(loss).item() == pytest.approx(loss.item() * 65536.0)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    assert model.weight.grad.tolist() == [[2.0, 2.0, 2.0]]  # unscaled before the step


def test_clamp_min_max_take_a_cpu_scalar_and_factories_honour_device():
    x = ember.tensor([0.5, 1.5, 2.5], device="cuda")
    s = ember.tensor(1.0)
    assert ember.clamp_min(x, s).is_cuda and ember.clamp_min(x, s).tolist() == [1.0, 1.5, 2.5]
    assert ember.clamp_max(x, s).tolist() == [0.5, 1.0, 1.0]
    with pytest.warns(UserWarning):
        assert ember.range(0, 2, device="cuda").is_cuda
    assert ember.asarray([1.0, 2.0], device="cuda").is_cuda and ember.asarray(x, device="cpu").tolist() == x.tolist()
    model, extra = ember.nn.Linear(2, 1).cuda(), ember.nn.Parameter(ember.ones(2, device="cuda"))
    optimizer = ember.optim.LBFGS(list(model.parameters()) + [extra], max_iter=2)  # extra never gets a gradient

    def closure():
        optimizer.zero_grad()
        loss = model(ember.ones(1, 2, device="cuda")).sum()
        loss.backward()
        return loss
    optimizer.step(closure)
    assert model.weight.is_cuda and extra.tolist() == [1.0, 1.0]


# -- the graph of a 0-d CPU operand is torch's: no copy node ------------------------------------------------------
def graph_names(node):
    """The nested names of a grad_fn graph, as next_functions lists them."""
    if node is None:
        return None
    return (type(node).__name__, tuple(graph_names(next_node) for next_node, _ in node.next_functions))


GRAPH_CASES = [
    ("mul", lambda lib, x, s: x * s), ("rpow", lambda lib, x, s: s ** x),
    ("non-leaf", lambda lib, x, s: x / (s * 3)), ("where", lambda lib, x, s: lib.where(x > 0.5, x, s.exp())),
    ("addcmul", lambda lib, x, s: lib.addcmul(x, x, s)), ("in-place", lambda lib, x, s: (x * 1.0).mul_(s)),
    ("twice", lambda lib, x, s: x * s + s),
]


@pytest.mark.parametrize("name,expression", GRAPH_CASES, ids=[case[0] for case in GRAPH_CASES])
def test_a_cpu_scalars_graph_and_gradient_are_torchs(name, expression):
    torch = pytest.importorskip("torch")

    def run(lib, device):
        x = lib.tensor([0.25, 0.75, 1.5], dtype=lib.float64, device=device, requires_grad=True)
        s = lib.tensor(1.75, dtype=lib.float64, requires_grad=True)  # always on the CPU
        result = expression(lib, x, s)
        (first,) = lib.autograd.grad(result.sum(), s, create_graph=True)
        second = lib.autograd.grad(first, x, retain_graph=True, allow_unused=True)[0] if first.requires_grad else None
        result.sum().backward()
        return graph_names(result.grad_fn), s.grad, first, second

    names, s_grad, first, second = run(ember, "cuda")
    expected_names, expected_grad, expected_first, expected_second = run(torch, "cpu")  # torch on cuda: the same graph
    assert names == run(ember, "cpu")[0]
    if name != "where":  # ember's WhereBackward0 lists the condition's edge (None), on the CPU too
        assert names == expected_names
    assert s_grad.device == ember.device("cpu") and first.device == ember.device("cpu")
    np.testing.assert_allclose(s_grad.numpy(), expected_grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(first.detach().numpy(), expected_first.detach().numpy(), rtol=1e-12)
    if expected_second is None:
        assert second is None
    else:
        assert second.is_cuda
        np.testing.assert_allclose(second.cpu().numpy(), expected_second.numpy(), rtol=1e-12)
