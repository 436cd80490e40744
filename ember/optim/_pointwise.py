"""The in-place updates optimizers are made of: the table's ops, under the names torch's
optimizers use. They run under no_grad on parameter and state tensors."""
from .. import _ops

lerp_ = _ops.lerp_          # torch's two-branch formula (it switches form at weight 0.5)
addcmul_ = _ops.addcmul_
addcdiv_ = _ops.addcdiv_
maximum = _ops.maximum
sqrt = _ops.sqrt
