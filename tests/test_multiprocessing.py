"""ember.multiprocessing: the standard library's names, torch's spawn (and its errors), tensors across processes.

Children are real processes (two at a time, CI has two cores); their functions live in mp_workers.py.
"""
import inspect
import multiprocessing
import pickle

import mp_workers
import pytest

import ember
import ember.multiprocessing as mp


def test_the_standard_library_and_torchs_names():
    assert mp.Process is multiprocessing.Process and mp.get_context is multiprocessing.get_context
    for name in ("Queue", "Pool", "set_start_method", "get_start_method", "Pipe", "Lock", "cpu_count"):
        assert getattr(mp, name) is getattr(multiprocessing, name), name
    assert issubclass(mp.ProcessRaisedException, mp.ProcessException)
    assert issubclass(mp.ProcessExitedException, mp.ProcessException)
    tmp = pytest.importorskip("torch.multiprocessing")
    assert inspect.signature(mp.spawn) == inspect.signature(tmp.spawn)
    assert inspect.signature(mp.start_processes) == inspect.signature(tmp.start_processes)
    assert mp.get_all_sharing_strategies() == tmp.get_all_sharing_strategies()
    assert mp.get_sharing_strategy() == tmp.get_sharing_strategy()
    error = mp.ProcessExitedException("process 0 terminated with exit code 3", 0, 12, exit_code=3)
    theirs = tmp.ProcessExitedException("process 0 terminated with exit code 3", 0, 12, exit_code=3)
    for value in (error, theirs):
        copy = pickle.loads(pickle.dumps(value))
        assert (copy.msg, copy.error_index, copy.error_pid, copy.exit_code, copy.signal_name) == (
            "process 0 terminated with exit code 3", 0, 12, 3, None)


def test_tensors_pickle_by_value_as_torchs():
    torch = pytest.importorskip("torch")
    for lib in (ember, torch):
        x = lib.tensor([1.0, 2.5], requires_grad=True)
        x.grad = lib.ones(2)
        copy = pickle.loads(pickle.dumps(x))
        assert copy.tolist() == [1.0, 2.5] and copy.requires_grad and copy.is_leaf and copy.grad is None
        computed = pickle.loads(pickle.dumps(x * 2))  # a plain pickle drops the history, keeping requires_grad
        assert computed.requires_grad and computed.grad_fn is None and computed.tolist() == [2.0, 5.0]
        weight = pickle.loads(pickle.dumps(lib.nn.Parameter(lib.ones(2))))
        assert type(weight).__name__ == "Parameter" and weight.requires_grad
        model = pickle.loads(pickle.dumps(lib.nn.Linear(2, 3)))
        assert type(model.weight).__name__ == "Parameter" and tuple(model(lib.ones(1, 2)).shape) == (1, 3)
        assert pickle.loads(pickle.dumps(lib.ones(2, dtype=lib.bfloat16))).dtype == lib.bfloat16


def test_share_memory_and_is_shared_as_torch():
    x = ember.arange(4.0)
    assert not x.is_shared() and x.share_memory_() is x and x.is_shared() and x.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert x.share_memory_().is_shared()  # a second call keeps the same memory
    model = ember.nn.Linear(2, 2)
    weight = model.weight
    assert model.share_memory() is model and model.weight is weight and weight.is_shared() and model.bias.is_shared()
    assert pickle.loads(pickle.dumps(weight)).is_shared() is False  # a plain pickle copies


def test_spawn_runs_fn_with_its_index_and_shares_memory():
    shared = ember.zeros(2).share_memory_()
    queue = mp.get_context("spawn").Queue()
    assert mp.spawn(mp_workers.add_one, args=(shared, queue), nprocs=2) is None
    results = sorted((queue.get(timeout=60) for _ in range(2)), key=lambda item: item[0])
    assert [rank for rank, _, _ in results] == [0, 1]
    assert [values.tolist() for _, values, _ in results] == [[0.0, 0.0], [1.0, 1.0]]  # tensors back by value
    assert shared.tolist() == [2.0, 2.0]  # each child's add_ wrote into the parent's memory


def test_spawn_raises_torchs_exceptions():
    with pytest.raises(mp.ProcessRaisedException, match="rank one fails") as raised:
        mp.spawn(mp_workers.fail, nprocs=2)
    assert raised.value.error_index == 1 and "-- Process 1 terminated with the following error:" in str(raised.value)
    assert "Traceback" in str(raised.value)
    context = mp.start_processes(mp_workers.exit_code, nprocs=2, join=False, start_method="spawn")
    assert len(context.pids()) == 2
    with pytest.raises(mp.ProcessExitedException, match="process 0 terminated with exit code 3") as exited:
        while not context.join():
            pass
    assert exited.value.exit_code == 3 and exited.value.error_index == 0
    with pytest.warns(FutureWarning, match="only supports start_method=spawn"):
        mp.spawn(mp_workers.fail, nprocs=1, start_method="fork")  # rank 0 succeeds; spawn is used anyway


@pytest.mark.parametrize("method", ["spawn", "fork"])
def test_hogwild_training_updates_the_shared_model(method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    model = ember.nn.Linear(2, 1)
    model.share_memory()
    before = model.weight.detach().clone()
    context = mp.get_context(method)
    processes = [context.Process(target=mp_workers.train, args=(rank, model)) for rank in range(2)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    # each child's 5 SGD steps of lr 0.1 on sum(model(ones(4, 2))) move every weight by -0.1 * 4, in place
    assert ember.allclose(model.weight, before - 2 * 5 * 0.4, atol=1e-5)


def test_a_queue_refuses_a_tensor_with_history():
    y = ember.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="Cowardly refusing to serialize non-leaf tensor which requires_grad"):
        multiprocessing.reduction.ForkingPickler.dumps(y)
    assert pickle.loads(multiprocessing.reduction.ForkingPickler.dumps(y.detach())).tolist() == [2.0, 2.0]
