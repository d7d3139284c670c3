"""The backward pass: runs graph nodes in dependency order, iteratively (deep graphs are fine)."""
import gc
import sys
from operator import attrgetter
from sys import getrefcount
from threading import get_ident

import numpy as np

from .._grad_mode import GRAD
from .._numpy_quiet import enter as _enter_quiet, leave as _leave_quiet
from .._profiler_recorder import EVALUATE_FUNCTION_PREFIX, SEQ, clock
from .._profiler_state import PROFILER
from .node import AccumulateGrad
from . import anomaly
from ..ops.validate import hook_result, hook_results


def _wrap_array(data, dtype):
    from .._tensor import Tensor

    return Tensor._make(data, dtype)


def _tensor_cls():
    from .._tensor import Tensor

    return Tensor


def _seed_gradient(out, grad):
    from ..ops import creation_ops

    if grad is None:
        if out._data.size != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        return creation_ops.ones_like_array(out)
    Tensor = _tensor_cls()
    if not isinstance(grad, Tensor):
        from .._creation import tensor as make_tensor

        grad = make_tensor(grad, dtype=out.dtype, device=out.device)
    if grad.shape != out.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {grad.shape} and output[0] has a shape of {out.shape}."
        )
    return grad


def _edge_of(t):
    if t.grad_fn is not None:
        return t.grad_fn, t._output_nr
    return t._accumulator(), 0


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """torch.autograd.backward: accumulate gradients of `tensors` into the leaves' `.grad`."""
    Tensor = _tensor_cls()
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    grad_tensors = _gradient_sequence(grad_tensors, len(tensors))
    if retain_graph is None:
        retain_graph = create_graph
    only = None
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else _check_inputs(tuple(inputs))
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        for t in inputs:
            if not t._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        only = {_edge_of(t): t for t in inputs}
    roots = _roots(tensors, grad_tensors)
    _run(roots, retain_graph, create_graph, capture=None, accumulate_only=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """torch.autograd.grad: the gradients of `outputs` with respect to `inputs`, without touching `.grad`."""
    Tensor = _tensor_cls()
    single_input = isinstance(inputs, Tensor)
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs = (inputs,) if single_input else _check_inputs(tuple(inputs))
    grad_outputs = _gradient_sequence(grad_outputs, len(outputs))
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    capture = {}
    for i, t in enumerate(inputs):
        capture.setdefault(_edge_of(t), []).append(i)
    roots = _roots(outputs, grad_outputs)
    results = [None] * len(inputs)
    _run(roots, retain_graph, create_graph, capture=(capture, results), accumulate_only=None)
    for i, r in enumerate(results):
        if r is None:
            if materialize_grads:
                from ..ops.creation_ops import zeros_like

                results[i] = zeros_like(inputs[i])
            elif not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
    return tuple(results)


def _gradient_sequence(grad_tensors, count):
    """backward's/grad's gradients argument as a tuple: None, one tensor, or a sequence of tensors or Nones."""
    Tensor = _tensor_cls()
    if grad_tensors is None:
        return (None,) * count
    if isinstance(grad_tensors, Tensor):
        return (grad_tensors,)
    grads = tuple(grad_tensors)
    for g in grads:
        if g is not None and not isinstance(g, Tensor):
            raise TypeError(f"gradients can be either Tensors or None, but got {type(g).__name__}")
    return grads


def _check_inputs(inputs):
    """backward's and grad's inputs, as torch refuses them."""
    Tensor = _tensor_cls()
    for t in inputs:
        if not isinstance(t, Tensor):
            raise RuntimeError(f"all inputs have to be Tensors or GradientEdges, but got {type(t).__name__}")
    return inputs


def _roots(tensors, grad_tensors):
    roots = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not t._requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        roots.append((_edge_of(t), _seed_gradient(t, g)))
    return roots


def _reachable(start_nodes):
    """Every node reachable from the roots (iterative DFS: deep graphs are fine)."""
    seen = set(start_nodes)
    stack = list(start_nodes)
    add, push, pop = seen.add, stack.append, stack.pop  # bound once: this visits every node of the graph
    while stack:
        for nxt, _ in pop().next_functions:
            if nxt is not None and nxt not in seen:
                add(nxt)
                push(nxt)
    return seen


def _execution_order(nodes):
    """Newest node first. A node is always made after the nodes of its inputs, so creation order reversed
    is a dependency order; AccumulateGrad sinks (made lazily) go last."""
    ops, sinks = [], []
    for n in nodes:
        (sinks if n.__class__ is AccumulateGrad else ops).append(n)
    ops.sort(key=_seq_of, reverse=True)
    ops.extend(sinks)
    return ops


_seq_of = attrgetter("_seq")


def _needed_nodes(nodes, capture_nodes):
    """Nodes from which some captured node is reachable (autograd.grad runs only those)."""
    needed = {}
    for root in nodes:
        if root in needed:
            continue
        stack = [(root, iter(root.next_functions))]
        needed[root] = root in capture_nodes
        while stack:
            node, it = stack[-1]
            advanced = False
            for nxt, _ in it:
                if nxt is None:
                    continue
                if nxt not in needed:
                    needed[nxt] = nxt in capture_nodes
                    stack.append((nxt, iter(nxt.next_functions)))
                    advanced = True
                    break
                if needed[nxt]:
                    needed[node] = True
            if not advanced:
                stack.pop()
                if stack and needed[node]:
                    needed[stack[-1][0]] = True
    return {n for n, v in needed.items() if v}


def _add(a, b):
    return b if a is None else (a + b)


def _run(roots, retain_graph, create_graph, capture, accumulate_only):
    """One backward pass, with numpy quiet for all of it (the ops inside then skip their own scopes)."""
    token = _enter_quiet()
    try:
        _run_graph(roots, retain_graph, create_graph, capture, accumulate_only)
    finally:
        if token is not None:
            _leave_quiet(token)


def _run_graph(roots, retain_graph, create_graph, capture, accumulate_only, _now=clock):
    root_nodes = []
    buffers = {}
    for (node, nr), g in roots:
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.num_outputs
            root_nodes.append(node)
        buf[nr] = _add(buf[nr], g)
    reachable = _reachable(root_nodes)
    if capture is not None:
        reachable &= _needed_nodes(root_nodes, {n for n, _ in capture[0]})
    elif accumulate_only is not None:
        reachable &= _needed_nodes(root_nodes, {n for n, _ in accumulate_only})
    order = _execution_order(reachable)
    # arrays the caller owns (explicit seed gradients) must never become a leaf's .grad storage
    handed_out = {id(g._data) for _, g in roots}
    prev_mode = GRAD.enabled
    GRAD.enabled = create_graph
    profiling = PROFILER.active
    thread = get_ident() if profiling else None  # the thread every backward record names
    # The graph holds no reference cycles, and backward makes none: the cyclic GC has nothing to find here
    # and would only walk the live graph over and over.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        if not (create_graph or profiling or anomaly.STATE.enabled):
            # Nobody will see the backward's own ops (no graph of it, no profiler rows, no anomaly
            # traces): gradients can travel as bare arrays.
            for buf in buffers.values():
                buf[:] = [None if g is None else g._data for g in buf]
            # as the ops run numpy: a 1/0 in a gradient is torch's inf, not a numpy warning
            with np.errstate(all="ignore"):
                _run_on_arrays(order, buffers, retain_graph, capture, accumulate_only, handed_out)
            return
        for node in order:
            grads = buffers.pop(node, None)
            if grads is None:
                continue
            if capture is not None and _capture(node, grads, capture, create_graph):
                continue
            if isinstance(node, AccumulateGrad):
                if accumulate_only is not None and (node, 0) not in accumulate_only:
                    continue
                if capture is None and grads[0] is not None:
                    _accumulate(node, grads[0], create_graph, profiling, handed_out)
                continue
            if profiling:
                log = PROFILER.log
                if log is None:
                    _evaluate_in_detail(node, grads, buffers, retain_graph)
                    continue
                # The profiler's hottest backward path, written out here (a call per node is
                # measurable): the records torch shows, "autograd::engine::evaluate_function:
                # MulBackward0" around the node and the buffer additions after it (the aten::add_
                # rows), "MulBackward0" around the node's own backward. One tuple holds both (see
                # _profiler_recorder.WRAPPER_NAME); they share a start, as only this line lies between.
                names = _RECORD_NAMES.get(node.__class__) or _record_names(node)
                start = _now()
                try:
                    try:
                        outs = _evaluate_node(node, grads)
                    finally:
                        end = _now()
                    _release_and_pass_on(node, outs, buffers, retain_graph)
                finally:
                    log.append((names[0], start, end, thread, node._seq, names[1], _now()))
                continue
            _release_and_pass_on(node, _evaluate_node(node, grads), buffers, retain_graph)
    finally:
        GRAD.enabled = prev_mode
        if gc_was_enabled:
            gc.enable()


def _capture(node, grads, capture, create_graph):
    """Hand autograd.grad the gradients flowing into the node's captured outputs; True when the node is a
    captured leaf's AccumulateGrad (which then has nothing more to do)."""
    targets, results = capture
    hit = False
    for nr in range(node.num_outputs):
        idxs = targets.get((node, nr))
        if idxs is not None:
            hit = True
            g = _run_prehooks(node, grads)[nr] if node._extra else grads[nr]
            for i in idxs:
                results[i] = g if create_graph else (g.detach() if g is not None else None)
    return hit and isinstance(node, AccumulateGrad)


def _run_on_arrays(order, buffers, retain_graph, capture, accumulate_only, handed_out):
    """`_run`'s loop for a pass that records nothing: the buffers hold bare arrays, a node with a
    `backward_raw` computes on them directly (one numpy expression, no tensors, no ops, no nodes) and
    any other node, or one with hooks, runs its tensor formula on them wrapped."""
    pop = buffers.pop
    get = buffers.get
    for node in order:
        grads = pop(node, None)
        if grads is None:
            continue
        if capture is not None and _capture_arrays(node, grads, capture):
            continue
        if node.__class__ is AccumulateGrad:
            if (accumulate_only is None or (node, 0) in accumulate_only) and capture is None:
                g = grads[0]
                if g is not None:
                    leaf = node.variable
                    _accumulate_into(leaf, _wrap_array(g, leaf.dtype if g.dtype == leaf.dtype.np else None),
                                     False, handed_out)
            continue
        outs = None
        raw = node.backward_raw
        if raw is not None and not node._extra:
            if node.num_outputs == 1:
                outs = () if grads[0] is None else raw(grads[0])
            else:
                outs = raw(*grads)
            if outs is not None and not retain_graph and node._stored:
                node._stored = None  # Node.release written out (no class with a raw formula overrides it)
        if outs is None:
            outs = _backward_on_wrapped(node, grads)
            if not retain_graph:
                node.release()
        for (nxt, nr), g in zip(node.next_functions, outs):
            if nxt is None or g is None:
                continue
            buf = get(nxt)
            if buf is None:
                buf = buffers[nxt] = [None] * nxt.num_outputs
            prev = buf[nr]
            if prev is None:
                buf[nr] = g
            # in place when the buffer's slot, `prev` and getrefcount's argument are all that hold it
            elif (_EXACT_REFCOUNTS and getrefcount(prev) == 3 and type(prev) is np.ndarray
                  and prev.flags.owndata and prev.flags.writeable and prev.dtype == g.dtype
                  and prev.shape == g.shape):
                prev += g
            else:
                buf[nr] = prev + g


def _capture_arrays(node, grads, capture):
    """_capture for the array pass: the node's gradients as tensors, when some are captured."""
    targets = capture[0]
    for nr in range(node.num_outputs):
        if (node, nr) in targets:
            return _capture(node, _wrapped(grads), capture, False)
    return False


def _wrapped(arrays):
    return [None if a is None else _wrap_array(a, None) for a in arrays]


def _backward_on_wrapped(node, grads):
    """A node's tensor formula (with its hooks) on the array pass's gradients, and its results as arrays."""
    outs = _evaluate_node(node, _wrapped(grads))
    return [None if o is None else o._data for o in outs]


def _run_prehooks(node, grads):
    grads = list(grads)
    for key, (which, fn) in list((node._prehooks or {}).items()):
        if which == "node":
            res = fn(tuple(grads))
            if res is not None:
                grads = list(hook_results(fn, res, grads))
        elif grads[which] is not None:
            res = fn(grads[which])
            if res is not None:
                grads[which] = hook_result(fn, res, grads[which])
    return grads


def _release_and_pass_on(node, outs, buffers, retain_graph):
    """Free what the node saved (unless the graph is retained), then add its backward outputs to
    the input buffers of the nodes it feeds."""
    if not retain_graph:
        node.release()
    for (nxt, nr), g in zip(node.next_functions, outs):
        if nxt is None or g is None:
            continue
        buf = buffers.get(nxt)
        if buf is None:
            buf = buffers[nxt] = [None] * nxt.num_outputs
        prev = buf[nr]
        if prev is None:
            buf[nr] = g
        # As torch's InputBuffer::accumulate: in place (aten::add_) when no graph is being built and
        # nothing but this buffer holds the tensor (references: the buffer's slot, `prev`, and
        # getrefcount's argument) or its memory; otherwise a new sum (aten::add).
        elif (_EXACT_REFCOUNTS and not GRAD.enabled and getrefcount(prev) == 3
              and _sole_memory_of(prev, g)):
            _add_in_place(prev, g)
        else:
            buf[nr] = prev + g


# Up to 3.13, CPython counts every reference a frame holds; later versions may borrow some, and an
# undercount would let the engine write into a tensor someone else holds.
_EXACT_REFCOUNTS = sys.implementation.name == "cpython" and sys.version_info < (3, 14)


def _sole_memory_of(t, g):
    """Whether t's array is its own memory, held by t alone, and can take g's values in place."""
    data = t._data
    # references to data: t's slot, the local `data`, getrefcount's argument
    return (type(data) is np.ndarray and getrefcount(data) == 3 and data.flags.owndata
            and data.flags.writeable and data.dtype == g._data.dtype and data.shape == g._data.shape)


def _add_in_place(buffer, grad):
    # ops import this module, so the op is fetched on first use (and replaces this function).
    global _add_in_place
    from ..ops.arith import accumulate_in_place

    _add_in_place = accumulate_in_place
    return accumulate_in_place(buffer, grad)


_RECORD_NAMES = {}  # node class -> (its record's name, the name of the record wrapped around it)


def _record_names(node):
    name = node.name()
    names = _RECORD_NAMES[node.__class__] = (name, EVALUATE_FUNCTION_PREFIX + name)
    return names


def _evaluate_in_detail(node, grads, buffers, retain_graph):
    """`_run`'s profiled step for a session that wants details (shapes, memory, stacks, CUDA time):
    the same two records, through the recorder's begin and end."""
    names = _RECORD_NAMES.get(node.__class__) or _record_names(node)
    recorder = PROFILER.recorder
    outer = recorder.begin(names[1], grads)
    inner = recorder.begin(names[0], grads)
    inner[SEQ] = node._seq
    try:
        try:
            outs = _evaluate_node(node, grads)
        finally:
            recorder.end(inner)
        _release_and_pass_on(node, outs, buffers, retain_graph)
    finally:
        recorder.end(outer)


def _evaluate_node(node, grads):
    extra = node._extra
    if extra:
        if "prehooks" in extra:
            grads = _run_prehooks(node, grads)
        for nr, ref in extra.get("retained", {}).items():
            t = ref()
            if t is not None and grads[nr] is not None:
                g = grads[nr] if GRAD.enabled else grads[nr].detach()
                t._grad = g.clone() if t._grad is None else t._grad + g
    if node.num_outputs == 1:
        if grads[0] is None:
            return ()
        outs = node.backward(grads[0])
    else:
        outs = node.backward(*grads)
    if anomaly.STATE.enabled:
        anomaly.check(node, outs)
    if extra and "hooks" in extra:
        for fn in list(extra["hooks"].values()):
            res = fn(tuple(outs), tuple(grads))
            if res is not None:
                outs = hook_results(fn, res, outs)
    return outs


def call_node(node, grads):
    """`grad_fn(grad)` as torch allows it: run one node's backward formula directly."""
    if isinstance(node, AccumulateGrad):
        return ()
    grads = list(grads) + [None] * (node.num_outputs - len(grads))
    return tuple(_evaluate_node(node, grads))


def _accumulate(node, grad, create_graph, profiling, handed_out):
    if profiling:
        rec = PROFILER.recorder
        outer = rec.begin(EVALUATE_FUNCTION_PREFIX + "torch::autograd::AccumulateGrad", ())
        inner = rec.begin("torch::autograd::AccumulateGrad", ())
        try:
            _accumulate_into(node.variable, grad, create_graph, handed_out)
        finally:
            rec.end(inner)
            rec.end(outer)
    else:
        _accumulate_into(node.variable, grad, create_graph, handed_out)


def _accumulate_into(leaf, grad, create_graph, handed_out):
    if leaf._hooks:
        for fn in list(leaf._hooks.values()):
            res = fn(grad)
            if res is not None:
                grad = hook_result(fn, res, grad)
    old = leaf._grad
    if old is None:
        if create_graph:
            # torch copies into a fresh tensor of the leaf's layout (`clone_obey_contract`): with
            # the gradient's history that is a CopyBackwards node, which `.grad.grad_fn` shows.
            from ..ops.creation_ops import empty_like

            leaf._grad = empty_like(leaf).copy_(grad)
        else:
            # Take the gradient's memory when this pass made it and nobody else got it (torch "steals" the
            # same way); copy views, user-supplied seeds and arrays already given to another leaf.
            data = grad._data
            key = id(data)
            if key in handed_out or not data.flags.owndata or not data.flags.writeable:
                data = data.copy()
            handed_out.add(id(data))
            leaf._grad = _wrap_array(data, grad.dtype)
    elif create_graph or old._requires_grad:
        leaf._grad = old + grad
    else:
        old._data += grad._data
        old._bump_version()
