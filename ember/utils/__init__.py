"""ember.utils: data loading (ember.utils.data) and hook handles, as torch.utils."""
from . import data, dlpack, hooks  # noqa: F401
