"""torch.UntypedStorage: the block of bytes behind a tensor and every view of it.

A tensor that is not a view owns its storage: the memory its array spans. Views (`_base` set)
share their base's storage, so `data_ptr()`, `storage_offset()` and `untyped_storage().data_ptr()`
relate as torch's do (a slice `x[2:]` of a float32 `x` starts 8 bytes into `x`'s storage).
"""
import numpy as np

from ._device import device_of_array


def array_address(arr):
    """The address of an array's first element (numpy or cupy)."""
    return arr.__array_interface__["data"][0] if type(arr) is np.ndarray else arr.data.ptr


def _span(arr):
    """(lowest address, bytes from there to one past the highest) of the memory an array reaches."""
    start = array_address(arr)
    if arr.size == 0:
        return start, 0
    low = high = 0
    for n, step in zip(arr.shape, arr.strides):
        reach = (n - 1) * step
        if reach < 0:
            low += reach
        else:
            high += reach
    return start + low, high - low + arr.itemsize


class UntypedStorage:
    """The bytes behind a tensor (torch.UntypedStorage): `data_ptr()`, `nbytes()`, indexing by byte."""

    __slots__ = ("_array", "_address", "_nbytes")

    def __init__(self, array):
        self._array = array  # keeps the memory alive, as a storage does
        self._address, self._nbytes = _span(array)

    def data_ptr(self):
        return self._address

    def nbytes(self):
        return self._nbytes

    def size(self):
        return self._nbytes

    def __len__(self):
        return self._nbytes

    def element_size(self):
        return 1

    @property
    def device(self):
        return device_of_array(self._array)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def is_shared(self):
        return False

    def is_pinned(self, device="cuda"):
        return False

    def _bytes(self):
        """The storage's bytes as a uint8 numpy array, read from the allocation that holds them."""
        arr = self._array
        if type(arr) is not np.ndarray:
            arr = arr.get()  # a host copy of a CUDA array: same bytes, new addresses
            owner, offset = arr, 0
        else:
            owner = arr
            while isinstance(owner.base, np.ndarray):
                owner = owner.base
            offset = self._address - array_address(owner)
        if not owner.flags.c_contiguous:
            owner, offset = np.ascontiguousarray(arr), 0
        return owner.reshape(-1).view(np.uint8)[offset:offset + self._nbytes]

    def tolist(self):
        return self._bytes().tolist()

    def __getitem__(self, index):
        if not isinstance(index, int):
            raise TypeError(f"can't index a {type(self).__module__}.{type(self).__qualname__} with "
                            f"{type(index).__name__}")
        if not -self._nbytes <= index < self._nbytes:
            raise IndexError(f"index {index} out of range for storage of size {self._nbytes}")
        return int(self._bytes()[index])

    def __repr__(self):
        info = f"[{type(self).__module__}.{type(self).__qualname__}(device={self.device}) of size {self._nbytes}]"
        return " " + "\n ".join(str(b) for b in self.tolist()) + "\n" + info
