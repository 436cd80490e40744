"""nn.DataParallel and nn.parallel.data_parallel as torch runs them without GPUs: DataParallel wraps
the module (its state_dict keys gain the "module." prefix) and calls it as it is; the function form
finds no device type and says so, as torch's does."""
from ..modules.module import Module

__all__ = ["DataParallel", "data_parallel"]


class DataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module = module
        self.device_ids = []  # torch's answer on a machine without CUDA: nothing to replicate onto

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


def data_parallel(module, inputs, device_ids=None, output_device=None, dim=0, module_kwargs=None):
    raise RuntimeError("device type could not be determined (data_parallel needs GPUs; call the module itself, "
                       "or wrap it in nn.DataParallel, which runs it on the CPU)")
