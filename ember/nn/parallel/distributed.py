"""DistributedDataParallel: each rank trains a replica on its share of the batch, and backward
leaves every replica holding the gradients averaged over all ranks.

How the averaging overlaps backward, as torch's Reducer does: the parameters are put into
buckets of about ``bucket_cap_mb`` in reverse order (the order backward usually reaches them).
A post-accumulate-grad hook on each parameter marks it ready; when every parameter of a bucket
is ready, its gradients are copied into one flat array and a non-blocking MPI all-reduce
(Iallreduce) starts on it while backward goes on with the layers before. Buckets start in
index order on every rank (MPI matches collectives by order). When the last bucket has
started, the hook waits for all of them and writes the averages back into each ``.grad``.

MPI moves a non-blocking collective along only inside MPI calls, so each later hook tests the
pending requests (MPI_Testall) to let them progress; on a machine whose cores all compute,
the overlap is small, but the result is the same.
"""
import contextlib

import numpy as np

from ... import distributed as dist
from ..._grad_state import state as grad_state
from ..._tensor import Tensor, bump_version, make_tensor
from ..modules.module import Module

_MB = 1024 * 1024
_DEFAULT_BUCKET_CAP_MB = 25
_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024  # torch's dist._DEFAULT_FIRST_BUCKET_BYTES

_UNFINISHED = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates "
    "that your module has parameters that were not used in producing loss. You can enable unused parameter "
    "detection by passing the keyword argument `find_unused_parameters=True` to "
    "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs participate "
    "in calculating loss. Parameters that did not receive a gradient: {names}")


def bucket_assignment(params, first_bucket_bytes, bucket_bytes):
    """Lists of parameter indices, one per bucket, in the order they are reduced, as torch's
    compute_bucket_assignment_by_size: the parameters walked from last to first, one open bucket
    per dtype, closed once it holds at least its cap (a dtype's first bucket has the smaller
    cap, so the last layers' gradients start moving early). The buckets still open come last,
    the dtype seen last first (the order torch's hash map of open buckets yields them in)."""
    open_buckets, closed_before, buckets = {}, set(), []
    for index in reversed(range(len(params))):
        param = params[index]
        bucket = open_buckets.setdefault(param.dtype, [[], 0])
        bucket[0].append(index)
        bucket[1] += param.numel() * param.element_size()
        if bucket[1] >= (bucket_bytes if param.dtype in closed_before else first_bucket_bytes):
            buckets.append(bucket[0])
            bucket[:] = [[], 0]
            closed_before.add(param.dtype)
    buckets += [indices for indices, _ in reversed(open_buckets.values()) if indices]
    return buckets


class _Bucket:
    __slots__ = ("flat", "indices", "request", "waiting")

    def __init__(self, indices):
        self.indices, self.waiting, self.flat, self.request = indices, len(indices), None, None


class DistributedDataParallel(Module):
    """torch.nn.parallel.DistributedDataParallel on ember.distributed (MPI)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params=False):
        super().__init__()
        if device_ids is not None or output_device is not None:
            devices = {p.device for p in module.parameters()}
            raise ValueError(f"DistributedDataParallel device_ids and output_device arguments only work with "
                             f"single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                             f"{device_ids}, output_device {output_device}, and module parameters {devices}.")
        named = [(name, p) for name, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        self.module = module
        self.process_group = process_group
        self._world_size = dist.get_world_size(process_group)
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        cap_mb = _DEFAULT_BUCKET_CAP_MB if bucket_cap_mb is None else bucket_cap_mb
        self.bucket_bytes_cap = int(cap_mb * _MB)
        first = _DEFAULT_FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        self._param_names = [name for name, _ in named]
        self._params = [p for _, p in named]
        self._bucket_indices = bucket_assignment(self._params, first, self.bucket_bytes_cap)
        self._bucket_of = {}
        for b, indices in enumerate(self._bucket_indices):
            for index in indices:
                self._bucket_of[index] = b
        self._verify_shapes_and_sync_module_states()
        self._hooks = [p.register_post_accumulate_grad_hook(self._hook(i)) for i, p in enumerate(self._params)]
        self._armed = False  # a forward with grad sync ran, and its backward has not finished

    # -- construction ---------------------------------------------------------------------------
    def _verify_shapes_and_sync_module_states(self):
        shapes = [(tuple(p.shape), str(p.dtype)) for p in self._params]
        every = [None] * self._world_size
        dist.all_gather_object(every, shapes, group=self.process_group)
        for rank, theirs in enumerate(every):
            if theirs != shapes:
                raise RuntimeError(f"DDP expects same model across all ranks, but rank {rank} has parameters "
                                   f"{theirs} where rank {dist.get_rank(self.process_group)} has {shapes}; build the "
                                   "same model on every rank")
        self._broadcast_from_rank0(list(self.module.parameters()) + list(self.module.buffers()))

    def _broadcast_from_rank0(self, tensors):
        """Make every rank's tensors rank 0's: one broadcast of one flat array per dtype."""
        by_dtype = {}
        for tensor in tensors:
            by_dtype.setdefault(tensor._data.dtype, []).append(tensor)
        for dtype, group in by_dtype.items():
            flat = make_tensor(np.concatenate([t._data.reshape(-1) for t in group]) if group else np.empty(0, dtype))
            src = dist.get_global_rank(self.process_group, 0) if self.process_group is not None else 0
            dist.broadcast(flat, src=src, group=self.process_group)
            offset = 0
            for tensor in group:
                size = tensor._data.size
                tensor._data[...] = flat._data[offset:offset + size].reshape(tensor._data.shape)
                offset += size

    # -- forward --------------------------------------------------------------------------------
    def forward(self, *inputs, **kwargs):
        sync = grad_state.enabled and self.require_backward_grad_sync
        if self._armed and sync:
            self._check_finished()
        if self.broadcast_buffers and self.require_forward_param_sync:
            buffers = list(self.module.buffers())
            if buffers:
                self._broadcast_from_rank0(buffers)
        output = self.module(*inputs, **kwargs)
        if sync:
            self._prepare_for_backward(output)
        self.require_forward_param_sync = sync
        return output

    def _check_finished(self):
        """A backward that reached some parameters but not all left buckets unreduced (a forward
        without any backward since is fine: its reduction never began)."""
        if any(self._got_grad):
            missing = [name for name, ready in zip(self._param_names, self._ready) if not ready]
            raise RuntimeError(_UNFINISHED.format(names=", ".join(missing)))

    def _prepare_for_backward(self, output):
        self._buckets = [_Bucket(indices) for indices in self._bucket_indices]
        self._ready = [False] * len(self._params)
        self._got_grad = [False] * len(self._params)
        self._used = np.ones(len(self._params))
        self._next_bucket = 0
        self._armed = True
        if self.find_unused_parameters:
            reached = _parameters_reached(output)
            for index, param in enumerate(self._params):
                if id(param) not in reached:  # no gradient will come: ready now, counted as unused
                    self._used[index] = 0
                    self._mark_ready(index)

    # -- backward -------------------------------------------------------------------------------
    def _hook(self, index):
        def hook(param):
            if not self._armed or not self.require_backward_grad_sync or param is not self._params[index]:
                return  # no_sync(), a backward not through this wrapper's forward, or a deep copy's parameter
            if self._ready[index]:
                raise RuntimeError(f"Expected to mark a variable ready only once. Parameter {self._param_names[index]} "
                                   "received its gradient twice in one backward (e.g. backward twice through the same "
                                   "forward); run forward again before each backward, or use no_sync()")
            self._got_grad[index] = True
            self._mark_ready(index)
        return hook

    def _mark_ready(self, index):
        self._ready[index] = True
        bucket = self._buckets[self._bucket_of[index]]
        bucket.waiting -= 1
        started = [b.request for b in self._buckets[:self._next_bucket]]
        if started:
            dist._mpi.mpi().Request.Testall(started)  # let MPI move the earlier buckets along
        while self._next_bucket < len(self._buckets) and self._buckets[self._next_bucket].waiting == 0:
            self._start(self._buckets[self._next_bucket])
            self._next_bucket += 1
        if self._next_bucket == len(self._buckets):
            self._finish()

    def _start(self, bucket):
        """Copy the bucket's gradients (and, with find_unused_parameters, who used which) into one
        flat array, divided by the world size, and start summing it over the ranks."""
        parts = []
        for index in bucket.indices:
            param = self._params[index]
            grad = param.grad
            parts.append(np.zeros(param.numel(), param._data.dtype) if grad is None else grad._data.reshape(-1))
        if self.find_unused_parameters:
            parts.append(self._used[bucket.indices].astype(parts[0].dtype))
        flat = np.concatenate(parts) / np.asarray(self._world_size, parts[0].dtype)
        comm = dist.distributed_c10d._group(self.process_group, "DistributedDataParallel")._comm
        bucket.flat = flat
        bucket.request = comm.Iallreduce(dist._mpi.mpi().IN_PLACE, flat, op=dist._mpi.mpi().SUM)

    def _finish(self):
        dist._mpi.mpi().Request.Waitall([b.request for b in self._buckets])
        self._armed = False
        for bucket in self._buckets:
            offset = 0
            users = bucket.flat[-len(bucket.indices):] if self.find_unused_parameters else None
            for position, index in enumerate(bucket.indices):
                param = self._params[index]
                size = param.numel()
                averaged = bucket.flat[offset:offset + size].reshape(param._data.shape)
                offset += size
                if users is not None and users[position] == 0:
                    continue  # unused on every rank: its .grad stays as it was, as in torch
                if param.grad is None:
                    param.grad = make_tensor(averaged.copy())
                else:
                    param.grad._data[...] = averaged
                    bump_version(param.grad)

    # -- the public rest ------------------------------------------------------------------------
    @contextlib.contextmanager
    def no_sync(self):
        """Inside, backward accumulates gradients locally without communicating; the first backward
        after it averages the accumulated gradients."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def _parameters_reached(output):
    """ids of the leaves that the autograd graph of `output` (tensors in any nesting) reaches."""
    reached, seen, nodes, stack = set(), set(), [], [output]
    while stack:
        item = stack.pop()
        if isinstance(item, Tensor):
            if item.grad_fn is not None:
                nodes.append(item.grad_fn)
            elif item.requires_grad:
                reached.add(id(item))
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    while nodes:
        node = nodes.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)  # AccumulateGrad: a leaf
        if variable is not None:
            reached.add(id(variable))
        nodes.extend(next_node for next_node, _ in node.next_functions if next_node is not None)
    return reached
