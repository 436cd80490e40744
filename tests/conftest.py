"""EMBER_TEST_DEVICE=cuda (with EMBER_CUDA_STANDIN=1, or a real GPU) runs the tests with "cuda" as
the default device, so every tensor the cases make lives there (tests/test_cuda.py does this for the
op-case, nn and optim suites inside the plain `python -m pytest` run)."""
import os

import pytest

import ember

TEST_DEVICE = os.environ.get("EMBER_TEST_DEVICE", "cpu")
if TEST_DEVICE != "cpu":
    ember.set_default_device(TEST_DEVICE)


@pytest.fixture
def device():
    """The device the tests run on ("cpu" unless EMBER_TEST_DEVICE says otherwise)."""
    return TEST_DEVICE


@pytest.fixture
def cpu_by_default():
    """The cuda test files name "cuda" where they mean it: new tensors start on the CPU, whatever the run's
    default (tests/test_cuda.py reruns suites with "cuda" as the default device)."""
    previous = ember.get_default_device()
    ember.set_default_device("cpu")
    yield
    ember.set_default_device(previous)
