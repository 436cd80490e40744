"""Stress (issue 8): deep graphs, memory that stays flat, saved tensors released, threads.

The bounds on memory are generous multiples of what one iteration allocates, so they catch a
leak (growth proportional to the number of iterations) without depending on the allocator.
"""
import gc
import os
import sys
import threading
import weakref

import numpy as np
import pytest

import ember


def test_backward_through_a_100000_op_chain():
    x = ember.tensor([0.5, -0.25], requires_grad=True)
    h = x
    for _ in range(100_000):
        h = h * 1.0
    h.sum().backward()  # no RecursionError: the engine walks the graph with a heap, not recursion
    assert x.grad.tolist() == [1.0, 1.0]


def test_freeing_a_150000_op_graph_does_not_overflow_the_stack():
    x = ember.tensor(1.0, requires_grad=True)
    h = x
    for _ in range(150_000):
        h = h + 1.0
    limit = sys.getrecursionlimit()
    del h  # dropping the last reference frees the whole chain of nodes
    gc.collect()
    assert sys.getrecursionlimit() == limit


def test_a_saved_intermediate_dies_after_backward_while_the_output_lives():
    x = ember.randn(4, requires_grad=True)
    hidden = x * 2
    out = (hidden * hidden).sum()  # MulBackward0 saves `hidden` twice
    probe = weakref.ref(hidden)
    del hidden
    assert probe() is not None  # kept alive by the graph, for backward
    out.backward()
    gc.collect()
    assert probe() is None  # released by backward, although `out` is still here
    assert out.grad_fn is not None


def test_retain_graph_keeps_saved_tensors_until_the_last_backward():
    x = ember.randn(4, requires_grad=True)
    hidden = x.exp()
    out = (hidden * hidden).sum()
    probe = weakref.ref(hidden)
    del hidden
    out.backward(retain_graph=True)
    gc.collect()
    assert probe() is not None
    out.backward()
    gc.collect()
    assert probe() is None


def _mlp_step(params, x, y, lr=0.05):
    w1, b1, w2, b2 = params
    hidden = ember.relu(x @ w1 + b1)
    logits = hidden @ w2 + b2
    shifted = logits - logits.max(dim=1, keepdim=True).values.detach()
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    loss = -(log_probs * y).sum() / x.shape[0]
    loss.backward()
    with ember.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return loss


def _rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_10000_training_iterations_keep_memory_flat():
    """Python objects (allocated blocks) and process memory (RSS, which also sees NumPy's buffers)
    stay flat from iteration 1,000 to 10,000. tracemalloc would see the same, ten times slower."""
    ember.manual_seed(0)
    params = [ember.randn(8, 16) * 0.3, ember.zeros(16), ember.randn(16, 3) * 0.3, ember.zeros(3)]
    params = [p.requires_grad_() for p in params]
    x = ember.randn(32, 8)
    y = ember.tensor(np.eye(3, dtype=np.float32)[np.arange(32) % 3])
    for _ in range(1_000):  # warm up caches (save plans, interned objects) before measuring
        _mlp_step(params, x, y)
    gc.collect()
    blocks, rss = sys.getallocatedblocks(), _rss_bytes() if os.path.exists("/proc/self/statm") else 0
    for _ in range(9_000):
        loss = _mlp_step(params, x, y)
    gc.collect()
    # One iteration allocates a few hundred blocks and ~20 KiB of arrays; a leak of even one block
    # or a few bytes per iteration would exceed these bounds over 9,000 iterations.
    assert sys.getallocatedblocks() - blocks < 2_000
    if rss:
        assert _rss_bytes() - rss < 16 * 2 ** 20
    assert float(loss) < 1.1  # and it trained


def _train_in_thread(seed, results, index):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((5, 4))
    b = rng.standard_normal((4, 3))
    x = ember.tensor(a, requires_grad=True)
    w = ember.tensor(b, requires_grad=True)
    for _ in range(50):
        x.grad = w.grad = None
        ((x @ w).tanh() ** 2).sum().backward()
    t = np.tanh(a @ b)
    expected_x = (2 * t * (1 - t ** 2)) @ b.T  # d/dx sum(tanh(xw)^2), by hand
    results[index] = np.allclose(x.grad.numpy(), expected_x, atol=1e-12)


def test_eight_threads_train_their_own_graphs_correctly():
    results = [None] * 8
    threads = [threading.Thread(target=_train_in_thread, args=(seed, results, seed)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 8


def test_no_grad_in_one_thread_leaves_another_recording():
    inside, recorded = threading.Event(), []
    release = threading.Event()

    def holder():
        with ember.no_grad():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=holder)
    thread.start()
    inside.wait(5)
    y = ember.ones(2, requires_grad=True) * 2
    recorded.append(y.requires_grad)
    release.set()
    thread.join()
    assert recorded == [True]
    assert ember.is_grad_enabled()


def test_float32_sum_of_a_million_elements_is_accurate():
    values = np.random.default_rng(0).uniform(0, 1, 1_000_000).astype(np.float32)
    exact = values.astype(np.float64).sum()
    got = ember.tensor(values).sum().item()
    assert abs(got - exact) / exact < 1e-6  # pairwise summation, as torch's float32 reduction


# -- memory held after backward (issue 13): nothing saved outlives its backward, no op keeps user data --
class _Square(ember.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 2 * x * grad


_F = ember.nn.functional
_HOLDERS = {
    "custom_function": lambda x: _Square.apply(x),
    "sort": lambda x: x.sort()[0],
    "log_softmax": lambda x: _F.log_softmax(x.reshape(100, 100), 1),
    "cross_entropy": lambda x: _F.cross_entropy(x.reshape(100, 100), ember.zeros(100, dtype=ember.long)),
    "max_pool2d": lambda x: _F.max_pool2d(x.reshape(1, 1, 100, 100), 2),
    "max_dim": lambda x: x.reshape(100, 100).max(1)[0],
    "conv2d": lambda x: _F.conv2d(x.reshape(1, 1, 100, 100), ember.ones(4, 1, 3, 3)),
}


@pytest.mark.parametrize("name", sorted(_HOLDERS))
def test_saved_values_are_freed_by_backward_while_the_output_lives(name):
    """What an op saved for backward (inputs, indices, a softmax, im2col columns) is freed by a backward
    without retain_graph, as torch frees it: only the leaf, its gradient and the output stay."""
    import tracemalloc
    leaf = ember.randn(10_000, requires_grad=True)
    gc.collect()
    tracemalloc.start()
    try:
        hidden = leaf * 1.0  # an intermediate: only the graph can keep it alive
        out = _HOLDERS[name](hidden)
        del hidden
        out.sum().backward()
        leaf.grad = None
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    output_bytes = out._data.nbytes
    assert held < output_bytes + 0.25 * leaf._data.nbytes + 4096, (name, held, output_bytes)
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        out.sum().backward()


def test_conv_keeps_no_reference_to_its_input():
    x = ember.randn(2, 3, 16, 16)
    probe = weakref.ref(x._data)
    _F.conv2d(x, ember.ones(4, 3, 3, 3))
    del x
    gc.collect()
    assert probe() is None  # no module-level cache holds the last input (or its columns)
