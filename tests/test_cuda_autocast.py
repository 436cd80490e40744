"""autocast("cuda") on a GPU (or under the CuPy stand-in, in tests/test_cuda.py's subprocess): GPU tensors
of torch's lower-precision ops run in float16, the losses in float32, CPU tensors are left alone; the
values against torch's CPU autocast in float16 (the same lower-precision list: matmul, linear, conv ...)."""
import numpy as np
import pytest

import ember

pytestmark = pytest.mark.skipif(not ember.cuda.is_available(), reason="needs CuPy with a GPU, or the stand-in")


def _inputs(lib, device):
    rng = np.random.default_rng(5)
    make = lambda *shape: lib.tensor(rng.standard_normal(shape), dtype=lib.float32, device=device,  # noqa: E731
                                     requires_grad=True)
    return {"x": make(4, 3), "w": make(5, 3), "b": make(5), "m": make(3, 3), "batch": make(2, 3, 3),
            "image": make(1, 2, 5, 5), "kernel": make(3, 2, 3, 3)}


LOWER = {
    "linear": lambda lib, v: lib.nn.functional.linear(v["x"], v["w"], v["b"]),
    "matmul": lambda lib, v: v["x"] @ v["m"],
    "mm": lambda lib, v: lib.mm(v["x"], v["m"]),
    "bmm": lambda lib, v: lib.bmm(v["batch"], v["batch"]),
    "addmm": lambda lib, v: lib.addmm(v["x"], v["x"], v["m"]),
    "baddbmm": lambda lib, v: lib.baddbmm(v["batch"], v["batch"], v["batch"]),
    "conv2d": lambda lib, v: lib.nn.functional.conv2d(v["image"], v["kernel"], padding=1),
    "linear_then_relu": lambda lib, v: lib.nn.functional.linear(v["x"], v["w"]).relu(),
    "add_stays": lambda lib, v: v["x"] + v["x"],
    "mse_of_half": lambda lib, v: lib.nn.functional.mse_loss(v["x"] @ v["m"], v["x"]),  # on both lists: float32
}


@pytest.mark.parametrize("name", sorted(LOWER))
def test_cuda_autocast_casts_gpu_tensors_as_torchs_autocast(name):
    torch = pytest.importorskip("torch")
    inputs = _inputs(ember, "cuda")
    with ember.autocast("cuda"):
        assert ember.is_autocast_enabled("cuda") and ember.get_autocast_dtype("cuda") == ember.float16
        assert ember.is_autocast_enabled() and not ember.is_autocast_enabled("cpu")
        mine = LOWER[name](ember, inputs)
    assert not ember.is_autocast_enabled("cuda")
    theirs_inputs = _inputs(torch, "cpu")
    with torch.autocast("cpu", dtype=torch.float16):
        theirs = LOWER[name](torch, theirs_inputs)
    assert mine.is_cuda and str(mine.dtype)[6:] == str(theirs.dtype)[6:]
    want = theirs.detach().double().numpy()
    scale = max(1.0, float(np.abs(want).max()))
    np.testing.assert_allclose(mine.detach().cpu().double().numpy(), want, rtol=0, atol=4e-3 * scale)
    mine.float().sum().backward()
    theirs.float().sum().backward()
    for key, value in inputs.items():  # gradients come back in each parameter's own dtype, on its device
        if theirs_inputs[key].grad is None:
            assert value.grad is None
            continue
        assert value.grad.dtype is ember.float32 and value.grad.is_cuda
        want = theirs_inputs[key].grad.double().numpy()
        scale = max(1.0, float(np.abs(want).max()))
        np.testing.assert_allclose(value.grad.cpu().double().numpy(), want, rtol=0, atol=1e-2 * scale)


def test_each_device_type_keeps_its_own_autocast():
    gpu, cpu = ember.ones(2, 2, device="cuda"), ember.ones(2, 2, device="cpu")
    with ember.autocast("cuda"):
        assert (gpu @ gpu).dtype == ember.float16 and (cpu @ cpu).dtype == ember.float32  # CPU tensors: as they are
        assert (gpu.double() @ gpu.double()).dtype == ember.float64  # float64 is never cast
        with ember.autocast("cuda", enabled=False):
            assert (gpu @ gpu).dtype == ember.float32
        with ember.autocast("cpu"):
            assert (cpu @ cpu).dtype == ember.bfloat16 and (gpu @ gpu).dtype == ember.float16
        assert (cpu @ cpu).dtype == ember.float32
    with ember.autocast("cpu"):
        assert (gpu @ gpu).dtype == ember.float32 and (cpu @ cpu).dtype == ember.bfloat16
    with ember.amp.autocast("cuda", dtype=ember.float16):
        assert ember.nn.functional.linear(gpu, gpu).dtype == ember.float16
    with pytest.raises(RuntimeError, match="does not support bfloat16"):
        ember.autocast("cuda", dtype=ember.bfloat16)


def test_a_mixed_precision_training_step_on_the_gpu():
    ember.manual_seed(0)
    model = ember.nn.Sequential(ember.nn.Linear(6, 8), ember.nn.ReLU(), ember.nn.Linear(8, 3)).to("cuda")
    optimizer = ember.optim.SGD(model.parameters(), lr=0.1)
    scaler = ember.amp.GradScaler("cuda")
    assert scaler.is_enabled()
    x, target = ember.randn(16, 6, device="cuda"), ember.randint(0, 3, (16,), device="cuda")
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        with ember.autocast("cuda"):
            logits = model(x)
            loss = ember.nn.functional.cross_entropy(logits, target)
        assert logits.dtype == ember.float16 and loss.dtype == ember.float32
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        losses.append(loss.item())
    assert all(p.dtype == ember.float32 and p.is_cuda for p in model.parameters())
    assert losses[-1] < losses[0]


def test_custom_fwd_casts_the_inputs_under_cuda_autocast():
    class Square(ember.autograd.Function):
        @staticmethod
        @ember.cuda.amp.custom_fwd(cast_inputs=ember.float32)
        def forward(ctx, x):
            ctx.save_for_backward(x)
            assert not ember.is_autocast_enabled("cuda")
            return x @ x

        @staticmethod
        @ember.cuda.amp.custom_bwd
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad @ x.T + x.T @ grad

    x = ember.ones(2, 2, device="cuda", dtype=ember.float16, requires_grad=True)
    with ember.autocast("cuda"):
        y = Square.apply(x)
    assert y.dtype == ember.float32 and y.is_cuda
    y.sum().backward()
    assert x.grad.dtype == ember.float16 and x.grad.tolist() == [[4.0, 4.0], [4.0, 4.0]]
