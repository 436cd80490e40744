"""The workloads written for ember's peers: mygrad, HIPS autograd and micrograd (optional adapters).

Each peer has its own API, so each workload is re-written here in that API, computing the same
numbers from the same seeded data (workloads.data) so the harness can check that all agree. A
workload a peer cannot express (micrograd has no log and no tensors; HIPS autograd has no
convolution op) is simply absent, and the table shows n/a. Optimisers are plain SGD, written
out: none of the peers ships one.
"""
import math

import numpy as np

from bench.workloads import MLP_LARGE, MLP_SMALL, data, labels, linear_layers

PEERS = {}  # peer name -> {workload key: fn(module, n) -> list of arrays to compare}


def peer(name, key):
    def register(fn):
        PEERS.setdefault(name, {})[key] = fn
        return fn
    return register


def _one_hot(y, classes):
    return np.eye(classes, dtype=np.float32)[y]


def _cnn_arrays():
    shapes = [(8, 1, 3, 3), (8,), (16, 8, 3, 3), (16,), (10, 784), (10,)]
    arrays = data(*shapes, seed=5)
    fan_ins = [int(np.prod(shape[1:])) if len(shape) > 1 else 0 for shape in shapes]
    return [a / math.sqrt(fan_in) if fan_in else a * 0.1 for a, fan_in in zip(arrays, fan_ins)]


# -- micrograd: scalar Values only -------------------------------------------------------------
@peer("micrograd", "W1")
def micrograd_w1(micrograd, n):
    from micrograd.engine import Value
    x = Value(0.0)
    for _ in range(n):
        y = (x - 5) ** 2
        y.backward()
        x.data -= 0.1 * x.grad
        x.grad = 0.0
    return [np.float64(x.data), np.float64(y.data)]


# -- mygrad: NumPy-like tensors with backward() ---------------------------------------------------
@peer("mygrad", "W1")
def mygrad_w1(mg, n):
    x = mg.tensor(0.0)
    for _ in range(n):
        y = (x - 5) ** 2
        y.backward()
        x.data -= 0.1 * x.grad  # mygrad clears .grad on the next backward
    return [x.data, y.data]


@peer("mygrad", "W2")
def mygrad_w2(mg, n):
    leaves = [mg.tensor(np.float32(v)) for v in (0.3, -0.7, 1.1, 0.5)]
    h = leaves[0]
    for i in range(max(1, n // 10)):
        t = mg.tanh(h * leaves[i % 4] + 0.5)
        u = mg.log(t * t + 1.0)
        h = mg.exp(u) * 0.5 + t ** 3
    h.backward()
    return [h.data, *[leaf.grad for leaf in leaves]]


def _mygrad_train(mg, forward, params, x, y, n, lr=0.01):
    params = [mg.tensor(p) for p in params]
    for _ in range(n):
        loss = mg.nnet.softmax_crossentropy(forward(mg, params, x), y)
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
    return [loss.data, *[p.data for p in params]]


def _mygrad_mlp(mg, params, x):
    h = x
    for i in range(0, len(params), 2):
        h = mg.matmul(h, params[i].T) + params[i + 1]
        if i + 2 < len(params):
            h = mg.nnet.relu(h)
    return h


@peer("mygrad", "W3")
def mygrad_w3(mg, n):
    (x,) = data((64, 64), seed=2)
    params = [a for pair in linear_layers(MLP_SMALL) for a in pair]
    return _mygrad_train(mg, _mygrad_mlp, params, x, labels(64, 10), n)


@peer("mygrad", "W4")
def mygrad_w4(mg, n):
    (x,) = data((256, 784), seed=2)
    params = [a for pair in linear_layers(MLP_LARGE) for a in pair]
    return _mygrad_train(mg, _mygrad_mlp, params, x, labels(256, 10), n)


@peer("mygrad", "W5")
def mygrad_w5(mg, n):
    (start,) = data((16,), seed=3)
    x = mg.tensor(start)
    h = x
    for _ in range(max(1, n // 3)):
        h = mg.sin(h * 0.9 + 0.1)
    h.sum().backward()
    return [h.data, x.grad]


@peer("mygrad", "W6")
def mygrad_w6(mg, n):
    a_, b_, c_, w = data((256, 512), (512,), (256, 1), (256, 512), seed=4)
    a, b, c = mg.tensor(a_), mg.tensor(b_), mg.tensor(c_)
    for _ in range(n):
        z = a * b + c
        centred = z - z.mean(axis=1, keepdims=True)
        spread = mg.exp(centred * 0.1).sum(axis=0)
        loss = (mg.nnet.logsoftmax(z, axis=1) * w).sum() / 256 + spread.mean()
        loss.backward()
    return [loss.data, a.grad, b.grad, c.grad]


def _mygrad_cnn(mg, params, x):
    w1, b1, w2, b2, w3, b3 = params
    h = mg.nnet.relu(mg.nnet.conv_nd(x, w1, stride=1, padding=1) + b1[:, None, None])
    h = mg.nnet.max_pool(h, (2, 2), 2)
    h = mg.nnet.relu(mg.nnet.conv_nd(h, w2, stride=1, padding=1) + b2[:, None, None])
    h = mg.nnet.max_pool(h, (2, 2), 2)
    return mg.matmul(h.reshape(h.shape[0], -1), w3.T) + b3


@peer("mygrad", "W7")
def mygrad_w7(mg, n):
    (x,) = data((32, 1, 28, 28), seed=6)
    return _mygrad_train(mg, _mygrad_cnn, _cnn_arrays(), x, labels(32, 10), n)


# -- HIPS autograd: grad() of a Python function over autograd.numpy --------------------------------
@peer("autograd", "W1")
def autograd_w1(autograd, n):
    gradient = autograd.grad(lambda x: (x - 5.0) ** 2)
    x = np.float32(0.0)
    for _ in range(n):
        y = (x - 5.0) ** 2
        x = x - np.float32(0.1) * gradient(x)
    return [x, y]


@peer("autograd", "W2")
def autograd_w2(autograd, n):
    import autograd.numpy as anp

    def chain(leaves):
        h = leaves[0]
        for i in range(max(1, n // 10)):
            t = anp.tanh(h * leaves[i % 4] + 0.5)
            u = anp.log(t * t + 1.0)
            h = anp.exp(u) * 0.5 + t ** 3
        return h
    leaves = [np.float32(v) for v in (0.3, -0.7, 1.1, 0.5)]
    value, grads = autograd.value_and_grad(chain)(leaves)
    return [value, *grads]


def _autograd_train(autograd, forward, params, x, y, n, lr=0.01):
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp
    targets = _one_hot(y, 10)

    def loss_of(params):
        logits = forward(anp, params, x)
        return -anp.mean(anp.sum((logits - logsumexp(logits, axis=1, keepdims=True)) * targets, axis=1))
    step = autograd.value_and_grad(loss_of)
    for _ in range(n):
        loss, grads = step(params)
        params = [p - lr * g for p, g in zip(params, grads)]
    return [loss, *params]


def _autograd_mlp(anp, params, x):
    h = x
    for i in range(0, len(params), 2):
        h = anp.dot(h, params[i].T) + params[i + 1]
        if i + 2 < len(params):
            h = anp.maximum(h, 0.0)
    return h


@peer("autograd", "W3")
def autograd_w3(autograd, n):
    (x,) = data((64, 64), seed=2)
    params = [a for pair in linear_layers(MLP_SMALL) for a in pair]
    return _autograd_train(autograd, _autograd_mlp, params, x, labels(64, 10), n)


@peer("autograd", "W4")
def autograd_w4(autograd, n):
    (x,) = data((256, 784), seed=2)
    params = [a for pair in linear_layers(MLP_LARGE) for a in pair]
    return _autograd_train(autograd, _autograd_mlp, params, x, labels(256, 10), n)


@peer("autograd", "W5")
def autograd_w5(autograd, n):
    import autograd.numpy as anp

    def chain(x):
        h = x
        for _ in range(max(1, n // 3)):
            h = anp.sin(h * 0.9 + 0.1)
        return h
    (start,) = data((16,), seed=3)
    value, gradient = autograd.value_and_grad(lambda x: anp.sum(chain(x)))(start)
    return [chain(start), gradient]


@peer("autograd", "W6")
def autograd_w6(autograd, n):
    import autograd.numpy as anp
    from autograd.scipy.special import logsumexp
    a, b, c, w = data((256, 512), (512,), (256, 1), (256, 512), seed=4)

    def loss_of(a, b, c):
        z = a * b + c
        centred = z - anp.mean(z, axis=1, keepdims=True)
        spread = anp.sum(anp.exp(centred * 0.1), axis=0)
        log_probs = z - logsumexp(z, axis=1, keepdims=True)
        return anp.sum(log_probs * w) / 256 + anp.mean(spread)
    step = autograd.value_and_grad(loss_of, argnum=[0, 1, 2])
    grads = (0, 0, 0)
    for _ in range(n):
        loss, grads = step(a, b, c)
    return [loss, *grads]
