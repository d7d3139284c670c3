"""torch.utils for gradtrace: the data-loading helpers training loops use (`utils.data`)."""
from . import data

__all__ = ["data"]
