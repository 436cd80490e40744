"""device="cuda" as torch has it: moving, printing, converting, mixing, training, saving.

These run wherever ember.cuda.is_available(): on a real GPU with CuPy, and under the CuPy stand-in
(EMBER_CUDA_STANDIN=1), which tests/test_cuda.py switches on in a subprocess of the plain
`python -m pytest` run. Without either, they skip.
"""
import io

import numpy as np
import pytest

import ember
from ember import _backend

pytestmark = [pytest.mark.skipif(not ember.cuda.is_available(), reason="needs CuPy with a GPU, or the stand-in"),
              pytest.mark.usefixtures("cpu_by_default")]



def test_tensors_move_between_devices_and_say_where_they_are():
    x = ember.tensor([1.0, 2.0])
    y = x.cuda()
    assert y.device == ember.device("cuda", 0) and str(y.device) == "cuda:0" and y.is_cuda and not x.is_cuda
    assert _backend.on_device(y._data) and not _backend.on_device(x._data)
    assert x.to("cuda").device == y.device and y.to("cuda") is y and y.cpu().device == ember.device("cpu")
    assert ember.zeros(2, device="cuda").is_cuda and ember.ones_like(y).is_cuda and y.new_zeros(3).is_cuda
    assert y.to(ember.float64).dtype is ember.float64 and y.to(ember.float64).is_cuda
    assert x.to(y).is_cuda and y.type() == "ember.cuda.FloatTensor"
    np.testing.assert_array_equal(y.cpu().numpy(), [1.0, 2.0])


def test_gradients_flow_back_across_a_move():
    x = ember.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x.to("cuda", ember.float64)
    assert type(y.grad_fn).__name__ == "ToCopyBackward0"
    (y * y).sum().backward()
    assert not x.grad.is_cuda and x.grad.dtype is ember.float32
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 4.0, 6.0])


def test_printing_and_python_conversions_as_torch():
    y = ember.tensor([1.5, 2.0], device="cuda")
    assert repr(y) == "tensor([1.5000, 2.0000], device='cuda:0')"
    assert repr(ember.tensor([1, 2], device="cuda", dtype=ember.int32)) == \
        "tensor([1, 2], device='cuda:0', dtype=ember.int32)"
    w = ember.ones(2, device="cuda", requires_grad=True)
    assert repr(w * 2) == "tensor([2., 2.], device='cuda:0', grad_fn=<MulBackward0>)"
    assert y.tolist() == [1.5, 2.0] and y[0].item() == 1.5 and float(y[1]) == 2.0 and bool(y[0] > 1)
    assert (y > 1.7).tolist() == [False, True]
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu()"):
        y.numpy()
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        np.asarray(y)


def test_mixing_devices_raises_torchs_error():
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device, but found at least "
                                           "two devices, cuda:0 and cpu!"):
        ember.ones(2, device="cuda") + ember.ones(2)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        ember.ones(2, 2) @ ember.ones(2, 2, device="cuda")


def test_random_numbers_are_drawn_on_the_host_so_devices_agree():
    ember.manual_seed(3)
    on_cpu = [ember.rand(3), ember.randn(2, 2), ember.randint(0, 9, (4,)), ember.randperm(5)]
    ember.manual_seed(3)
    on_gpu = [ember.rand(3, device="cuda"), ember.randn(2, 2, device="cuda"),
              ember.randint(0, 9, (4,), device="cuda"), ember.randperm(5, device="cuda")]
    for a, b in zip(on_cpu, on_gpu):
        assert b.is_cuda
        np.testing.assert_array_equal(a.numpy(), b.cpu().numpy())
    ember.manual_seed(4)
    drop_cpu = ember.nn.functional.dropout(ember.ones(50), 0.5)
    ember.manual_seed(4)
    drop_gpu = ember.nn.functional.dropout(ember.ones(50, device="cuda"), 0.5)
    assert drop_gpu.is_cuda
    np.testing.assert_array_equal(drop_cpu.numpy(), drop_gpu.cpu().numpy())


def test_a_model_trains_on_the_gpu_as_on_the_cpu():
    def train(device):
        ember.manual_seed(0)
        model = ember.nn.Sequential(ember.nn.Linear(4, 8), ember.nn.ReLU(), ember.nn.Linear(8, 3)).to(device)
        optimizer = ember.optim.Adam(model.parameters(), lr=0.01)
        x, y = ember.randn(16, 4).to(device), ember.randint(0, 3, (16,)).to(device)
        for _ in range(3):
            optimizer.zero_grad()
            loss = ember.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
        state = next(iter(optimizer.state.values()))
        assert state["exp_avg"].device == model[0].weight.device == ember.device(device if device == "cpu" else
                                                                                 "cuda", None if device == "cpu"
                                                                                 else 0)
        return loss.item(), [p.detach().cpu().numpy() for p in model.parameters()]
    cpu_loss, cpu_params = train("cpu")
    gpu_loss, gpu_params = train("cuda")
    assert gpu_loss == pytest.approx(cpu_loss, rel=1e-5)
    for a, b in zip(cpu_params, gpu_params):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    model = ember.nn.Linear(2, 2).cuda()
    assert model.weight.is_cuda and model.cpu().weight.device == ember.device("cpu")


def test_save_and_load_keep_or_map_the_device():
    buffer = io.BytesIO()
    ember.save({"gpu": ember.arange(4.0, device="cuda"), "cpu": ember.ones(2)}, buffer)
    for map_location, gpu, cpu in [(None, "cuda:0", "cpu"), ("cpu", "cpu", "cpu"), ("cuda", "cuda:0", "cuda:0"),
                                   (ember.device("cpu"), "cpu", "cpu"), ({"cuda:0": "cpu"}, "cpu", "cpu")]:
        buffer.seek(0)
        loaded = ember.load(buffer, map_location=map_location)
        assert (str(loaded["gpu"].device), str(loaded["cpu"].device)) == (gpu, cpu)
        assert loaded["gpu"].tolist() == [0.0, 1.0, 2.0, 3.0]


def test_ember_cuda_answers_from_cupy():
    assert ember.cuda.is_available() and ember.cuda.device_count() >= 1 and ember.cuda.current_device() == 0
    assert isinstance(ember.cuda.get_device_name(), str) and ember.cuda.get_device_name(0)
    assert len(ember.cuda.get_device_capability()) == 2
    ember.cuda.synchronize()
    ember.cuda.empty_cache()
    assert ember.cuda.memory_allocated() >= 0 and ember.cuda.max_memory_allocated() >= ember.cuda.memory_allocated()
    ember.cuda.manual_seed_all(0)
    assert ember.cuda.is_initialized()


def test_pin_memory_and_the_default_device():
    x = ember.ones(2)
    assert x.pin_memory() is x and not x.is_pinned()
    loader = ember.utils.data.DataLoader(ember.utils.data.TensorDataset(ember.ones(4, 2)), batch_size=2,
                                         pin_memory=True)
    assert [batch.shape for (batch,) in loader] == [ember.Size([2, 2])] * 2
    previous = ember.get_default_device()
    try:
        ember.set_default_device("cuda")
        assert ember.zeros(1).is_cuda and ember.get_default_device() == ember.device("cuda", 0)
    finally:
        ember.set_default_device(previous)
