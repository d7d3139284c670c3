"""torch.return_types: named tuples returned by max/min/sort/topk/... that print like torch's."""
import collections


def _make(name, fields):
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"torch.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__str__": __repr__})
    cls.__module__ = "torch.return_types"
    return cls


max = _make("max", ("values", "indices"))
min = _make("min", ("values", "indices"))
sort = _make("sort", ("values", "indices"))
topk = _make("topk", ("values", "indices"))
median = _make("median", ("values", "indices"))
mode = _make("mode", ("values", "indices"))
kthvalue = _make("kthvalue", ("values", "indices"))
aminmax = _make("aminmax", ("min", "max"))
