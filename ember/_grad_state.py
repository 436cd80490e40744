"""The thread-local grad-mode flags, read on every op (ember.autograd.grad_mode sets them).

It lives outside ember.autograd so that the Tensor class can read it without importing the
autograd package, which itself needs Tensor.
"""
import threading


class _GradState(threading.local):
    enabled = True     # record operations on tensors that require grad
    inference = False  # inside inference_mode: new tensors are inference tensors
    profiler = None    # the active ember.profiler Collector: ops hand it their calls (see ember/profiler)


state = _GradState()
