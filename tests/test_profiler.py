"""ember.profiler (torch.profiler) and torch.autograd.profiler: recorded ops, schedules, tables, traces."""
import glob
import json
import warnings

import pytest

import ember
from ember._grad_state import state
from ember.profiler import ProfilerAction, ProfilerActivity, profile, record_function, schedule


def _model_step(lib, x, w):
    with lib.profiler.record_function("model_inference"):
        y = (x @ w).relu().sum()
    y.backward()
    return y


def test_ops_are_recorded_with_names_shapes_and_parents():
    x, w = ember.randn(4, 5, requires_grad=True), ember.randn(5, 3)
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA], record_shapes=True) as prof:
        _model_step(ember, x, w)
    events = prof.events()
    names = [event.name for event in events]
    assert names == ["model_inference", "aten::mm", "aten::relu", "aten::sum"]
    block = events[0]
    assert [child.name for child in block.cpu_children] == ["aten::mm", "aten::relu", "aten::sum"]
    assert all(child.cpu_parent is block for child in block.cpu_children)
    assert events[1].input_shapes == [[4, 5], [5, 3]]
    # self time is the block's time less its children's, to the nanosecond
    assert block.self_cpu_time_total == pytest.approx(
        block.cpu_time_total - sum(child.cpu_time_total for child in block.cpu_children))
    assert all(event.cpu_time_total > 0 for event in events)
    assert state.profiler is None  # recording stopped with the block


def test_nothing_is_recorded_outside_a_profile():
    assert state.profiler is None
    with profile() as prof:
        pass
    ember.ones(3) + 1
    assert list(prof.events()) == []


def test_shapes_only_when_asked():
    with profile() as prof:
        ember.ones(2, 2) * 2
    assert [event.input_shapes for event in prof.events()] == [[]]


def test_record_function_as_decorator_and_op_pair():
    @record_function("helper")
    def helper(t):
        return t.exp()

    with ember.autograd.profiler.profile() as prof:
        helper(ember.ones(2))
        handle = ember.ops.profiler._record_function_enter("block")
        ember.ones(2).neg()
        ember.ops.profiler._record_function_exit(handle)
    assert [event.name for event in prof.function_events] == ["helper", "aten::exp", "block", "aten::neg"]
    averages = prof.key_averages()
    assert {average.key: average.count for average in averages} == {"helper": 1, "aten::exp": 1, "block": 1,
                                                                    "aten::neg": 1}
    assert prof.self_cpu_time_total == pytest.approx(sum(event.self_cpu_time_total for event in prof.function_events))


def test_a_decorated_function_may_recurse():
    @record_function("step")
    def countdown(n):
        return ember.ones(1) if n == 0 else countdown(n - 1) + 1

    with profile() as prof:
        countdown(2)
    blocks = [event for event in prof.events() if event.name == "step"]
    assert len(blocks) == 3 and blocks[1].cpu_parent is blocks[0] and blocks[2].cpu_parent is blocks[1]


def test_key_averages_add_up_calls():
    with profile(record_shapes=True) as prof:
        for size in (2, 2, 3):
            ember.ones(size) + 1
    by_name = {average.key: average for average in prof.key_averages()}
    assert by_name["aten::add"].count == 3
    total = sum(event.cpu_time_total for event in prof.events())
    assert by_name["aten::add"].cpu_time_total == pytest.approx(total)
    assert by_name["aten::add"].cpu_time == pytest.approx(total / 3)
    shaped = prof.key_averages(group_by_input_shape=True)
    assert sorted((average.input_shapes, average.count) for average in shaped) == [([[2], []], 2), ([[3], []], 1)]


def test_profile_memory_counts_output_bytes():
    with profile(profile_memory=True) as prof:
        with record_function("block"):
            ember.ones(4, dtype=ember.float64) * 2
    mul = next(event for event in prof.events() if event.name == "aten::mul")
    block = next(event for event in prof.events() if event.name == "block")
    assert mul.cpu_memory_usage == 32 and block.cpu_memory_usage == 32 and block.self_cpu_memory_usage == 0
    assert "CPU Mem" in prof.key_averages().table()


def test_with_stack_points_at_the_caller():
    with profile(with_stack=True) as prof:
        ember.ones(2).exp()
    (event,) = prof.events()
    assert event.stack and "test_profiler.py" in event.stack[0]


def test_chrome_trace_and_tensorboard_handler(tmp_path):
    x, w = ember.randn(4, 5, requires_grad=True), ember.randn(5, 3)
    with profile(record_shapes=True) as prof:
        _model_step(ember, x, w)
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(str(path))
    document = json.loads(path.read_text())
    spans = [event for event in document["traceEvents"] if event["ph"] == "X"]
    assert [(span["cat"], span["name"]) for span in spans] == [
        ("user_annotation", "model_inference"), ("cpu_op", "aten::mm"), ("cpu_op", "aten::relu"),
        ("cpu_op", "aten::sum")]
    assert spans[1]["args"]["Input Dims"] == [[4, 5], [5, 3]]
    block, first = spans[0], spans[1]
    assert block["ts"] <= first["ts"] and first["ts"] + first["dur"] <= block["ts"] + block["dur"]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = schedule(wait=0, warmup=1, active=1)
    handler = ember.profiler.tensorboard_trace_handler(str(tmp_path / "tb"), worker_name="worker")
    with profile(schedule=plan, on_trace_ready=handler) as prof:
        for _ in range(3):
            ember.ones(2) + 1
            prof.step()
    files = sorted(glob.glob(str(tmp_path / "tb" / "worker.*.pt.trace.json")))
    assert len(files) == 2  # as torch: steps 1 and 3 record and save
    names = [event["name"] for event in json.loads(open(files[0]).read())["traceEvents"] if event["ph"] == "X"]
    assert names == ["ProfilerStep#1", "aten::add"]


def test_schedule_errors():
    with pytest.raises(AssertionError, match="active=0"):
        schedule(wait=0, warmup=1, active=0)
    with pytest.warns(UserWarning, match="warmup"):
        schedule(wait=1, warmup=0, active=1)


def test_key_averages_table_layout():
    with profile() as prof:
        ember.ones(2) + 1
    lines = prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=5).splitlines()
    assert lines[1].split() == ["Name", "Self", "CPU", "%", "Self", "CPU", "CPU", "total", "%", "CPU", "total",
                                "CPU", "time", "avg", "#", "of", "Calls"]
    assert lines[0] == lines[2] == lines[4] and set(lines[0]) == {"-", " "}
    assert lines[3].split()[0] == "aten::add" and lines[3].split()[1] == "100.00%"
    assert lines[5].startswith("Self CPU time total: ")


# -- against torch ----------------------------------------------------------------------------
def _steps_saved(lib, plan_arguments, steps):
    """(step_num at each on_trace_ready, ProfilerStep ranges in each saved recording) for one schedule."""
    saved = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plan = lib.profiler.schedule(**plan_arguments)

        def handler(prof):
            saved.append((prof.step_num, sum(event.name == "ProfilerStep*" for event in prof.events())))

        with lib.profiler.profile(schedule=plan, on_trace_ready=handler) as prof:
            for _ in range(steps):
                lib.ones(2) + 1
                prof.step()
    return saved


@pytest.mark.parametrize("plan", [dict(wait=1, warmup=1, active=2, repeat=2, skip_first=1),
                                  dict(wait=0, warmup=1, active=1), dict(wait=2, warmup=0, active=3),
                                  dict(wait=1, warmup=2, active=1, skip_first=3, skip_first_wait=1)])
def test_schedule_matches_torch(plan):
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = schedule(**plan), torch.profiler.schedule(**plan)
    assert [ours(step).name for step in range(20)] == [theirs(step).name for step in range(20)]
    assert _steps_saved(ember, plan, 11) == _steps_saved(torch, plan, 11)


def test_enums_match_torch():
    torch = pytest.importorskip("torch")
    assert [action.name for action in ProfilerAction] == [action.name for action in torch.profiler.ProfilerAction]
    assert {"CPU", "CUDA"} <= set(ProfilerActivity.__members__) <= set(torch.profiler.ProfilerActivity.__members__)


@pytest.mark.parametrize("options", [dict(), dict(record_shapes=True), dict(profile_memory=True)])
@pytest.mark.parametrize("group_by_input_shape", [False, True])
def test_table_header_matches_torch(options, group_by_input_shape):
    torch = pytest.importorskip("torch")
    tables = []
    for lib in (ember, torch):
        x, w = lib.ones(4, 5, requires_grad=True), lib.ones(5, 3)
        with lib.profiler.profile(activities=[lib.profiler.ProfilerActivity.CPU], **options) as prof:
            with lib.profiler.record_function("model_inference"):
                (x @ w).sum()
        tables.append(prof.key_averages(group_by_input_shape=group_by_input_shape).table(row_limit=3))
    ours, theirs = (table.splitlines() for table in tables)
    assert ours[1].split() == theirs[1].split()
    assert ours[-1].split(":")[0] == theirs[-1].split(":")[0] == "Self CPU time total"
    assert len(ours) == len(theirs)
    shapes = [line.rstrip().split("  ")[-1].strip() for line in ours[3:-2] if line.split()[0] == "aten::mm"]
    if group_by_input_shape and options.get("record_shapes"):
        assert shapes == ["[[4, 5], [5, 3]]"]


def test_torch_names_resolve_under_the_shim():
    pytest.importorskip("torch")
    import torch
    for name in ("profile", "record_function", "schedule", "tensorboard_trace_handler", "ProfilerActivity"):
        assert hasattr(torch.profiler, name) and hasattr(ember.profiler, name)
    for name in ("profile", "record_function"):
        assert hasattr(torch.autograd.profiler, name) and hasattr(ember.autograd.profiler, name)
