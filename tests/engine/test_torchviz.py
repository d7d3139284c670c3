"""torchviz, a graph walker written for torch, draws gradtrace's graphs exactly as it draws torch's:
the same DOT source (node labels, saved-tensor nodes with show_saved/show_attrs, edges) once the
node ids (id() of each node and tensor) are renamed in order of first appearance."""
import json
import os
import re
import subprocess
import sys

import pytest

from torchviz_graphs import GRAPHS, dot_sources, options_of

# torchviz 0.0.3 compares versions with distutils' LooseVersion, deprecated since Python 3.10
pytestmark = [pytest.mark.torch, pytest.mark.filterwarnings("ignore:distutils Version classes are deprecated")]

_HERE = os.path.dirname(os.path.abspath(__file__))
# In the kernel, `import torch` gives the engine process-wide, so torchviz's own `import torch` gets it.
_ENGINE_SIDE = f"""
import json, sys
sys.path.insert(0, {_HERE!r})
from gradtrace.engine import _torch_names
assert _torch_names.expose_as_torch()
import torch, torchviz
from torchviz_graphs import GRAPHS, dot_sources, options_of
print(json.dumps(dot_sources(torch, torchviz.make_dot)))
"""


def _canonical(source):
    """Node ids renamed n0, n1, ... in order of first appearance (ids are addresses, not facts)."""
    names = {}

    def rename(match):
        return match.group(1) + names.setdefault(match.group(2), f"n{len(names)}")

    return re.sub(r"(^\t|-> )(\d+)", rename, source, flags=re.MULTILINE)


@pytest.fixture(scope="module")
def both_sides(real_torch):
    torchviz = pytest.importorskip("torchviz")
    done = subprocess.run([sys.executable, "-c", _ENGINE_SIDE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), dot_sources(real_torch, torchviz.make_dot)


@pytest.mark.parametrize("key", [f"{g.__name__}/{a}/{s}" for g in GRAPHS for a, s in options_of(g)])
def test_make_dot_source_is_torchs(both_sides, key):
    ours, theirs = both_sides
    assert _canonical(ours[key]) == _canonical(theirs[key])
