"""ember.utils: data loading (ember.utils.data) and hook handles, as torch.utils."""
from . import _pytree, data, dlpack, hooks  # noqa: F401
