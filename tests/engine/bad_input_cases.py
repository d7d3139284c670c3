"""The bad-input sweep's calls, generated: each family of ops crossed with the kinds of bad argument it can get.

Every case is (id, source). The source runs with `T` bound to torch or gradtrace.engine, `F` to its
nn.functional, `nn` to its nn, and these tensors (made afresh for every case):
    a: float (3,) leaf that requires grad      m: float (2, 3)        i: long (3,)      b: bool (3,)
    x4: float (1, 1, 4, 4) image               h: float (2, 3) non-leaf that requires grad
The sweep (test_bad_input.py) runs each in both and compares what they raise.
"""
import itertools

SETUP = """
a = T.tensor([1., 2., 3.], requires_grad=True)
m = T.arange(6.).reshape(2, 3)
i = T.tensor([0, 1, 2])
b = T.tensor([True, False, True])
x4 = T.arange(16.).reshape(1, 1, 4, 4)
h = T.ones(2, 3, requires_grad=True) * 2
"""

UNARY = ["abs", "neg", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "floor", "ceil", "round",
         "sign", "reciprocal", "square", "log1p", "expm1", "rsqrt", "erf", "trunc", "frac", "exp2", "log2", "asin"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "atan2", "remainder", "fmod", "eq", "lt", "ge",
          "matmul", "logical_and", "floor_divide", "hypot"]
OPERATORS = ["+", "-", "*", "/", "**", "@", "<", "==", "//", "%"]
# op(tensor, dim) forms (torch.* functions; the tensor `m` has 2 dims, so the range is [-2, 1])
DIM_CALLS = {
    "sum": "T.sum(m, {d})", "mean": "T.mean(m, {d})", "prod": "T.prod(m, {d})", "std": "T.std(m, {d})",
    "var": "T.var(m, {d})", "amax": "T.amax(m, {d})", "amin": "T.amin(m, {d})", "argmax": "T.argmax(m, {d})",
    "argmin": "T.argmin(m, {d})", "max": "T.max(m, {d})", "min": "T.min(m, {d})", "softmax": "T.softmax(m, {d})",
    "log_softmax": "T.log_softmax(m, {d})", "F.softmax": "F.softmax(m, dim={d})", "cumsum": "T.cumsum(m, {d})",
    "cumprod": "T.cumprod(m, {d})", "logsumexp": "T.logsumexp(m, {d})", "all": "T.all(b, {d})",
    "any": "T.any(b, {d})", "squeeze": "T.squeeze(m, {d})", "unsqueeze": "T.unsqueeze(m, {d})",
    "flip": "T.flip(m, ({d},))", "flip_method": "m.flip({d})", "median": "T.median(m, {d})",
    "sort": "T.sort(m, {d})", "argsort": "T.argsort(m, {d})", "topk": "T.topk(m, 1, {d})",
    "unbind": "T.unbind(m, {d})", "chunk": "T.chunk(m, 2, {d})", "split": "T.split(m, 1, {d})",
    "select": "T.select(m, {d}, 0)", "narrow": "T.narrow(m, {d}, 0, 1)", "roll": "T.roll(m, 1, {d})",
    "transpose": "T.transpose(m, {d}, 0)", "movedim": "T.movedim(m, {d}, 0)", "flatten": "T.flatten(m, {d})",
    "gather": "T.gather(m, {d}, T.zeros(1, 1, dtype=T.long))", "index_select": "T.index_select(m, {d}, i[:1])",
    "cat": "T.cat([m, m], {d})", "stack": "T.stack([m, m], {d})", "size": "m.size({d})", "stride": "m.stride({d})",
    "count_nonzero": "T.count_nonzero(m, {d})", "diff": "T.diff(m, dim={d})", "kthvalue": "T.kthvalue(m, 1, {d})",
    "cummax": "T.cummax(m, {d})", "norm": "T.norm(m, dim={d})", "nn.Softmax": "nn.Softmax({d})(m)",
    "permute": "m.permute({d}, 0)", "aminmax": "T.aminmax(m, dim={d})", "var_mean": "T.var_mean(m, {d})",
    "unflatten": "m.unflatten({d}, (1, -1))", "sum_list": "T.sum(m, [0, {d}])", "scatter": "m.scatter({d}, i[:1].reshape(1, 1), 1.)",
}
BAD_DIMS = {"dim_big": "5", "dim_neg": "-3", "dim_str": "'x'", "dim_float": "1.5"}
# (name, call with {v} for a bad size): creation and reshaping sizes
SIZE_CALLS = {
    "zeros": "T.zeros({v})", "ones": "T.ones({v})", "empty": "T.empty({v})", "rand": "T.rand({v})",
    "randn": "T.randn({v})", "full": "T.full(({v},), 1.)", "zeros_tuple": "T.zeros((2, {v}))",
    "eye": "T.eye({v})", "randperm": "T.randperm({v})", "randint": "T.randint(0, 5, ({v},))",
    "view": "m.view({v})", "reshape": "m.reshape({v})", "expand": "a.expand({v})", "repeat": "m.repeat({v}, 1)",
    "new_zeros": "m.new_zeros({v})", "linspace": "T.linspace(0, 1, {v})", "zeros_like_size": "T.zeros({v}, 2)",
    "arange": "T.arange({v})", "tensor_rand_": "T.empty(2).uniform_({v})",
}
BAD_SIZES = {"neg": "-1", "neg2": "-5", "huge": "10**12", "huge2": "2**62", "str": "'x'", "float": "2.5",
             "none": "None", "nan": "float('nan')"}
# dtype support: each op on tensors of dtypes its kernel may not handle
DTYPE_OPS = {
    "softmax": "T.softmax({t}, 0)", "log_softmax": "T.log_softmax({t}, 0)", "F.softmax": "F.softmax({t}, 0)",
    "mean": "T.mean({t})", "std": "T.std({t})", "var": "T.var({t})", "sigmoid": "T.sigmoid({t})",
    "tanh": "T.tanh({t})", "exp": "T.exp({t})", "sqrt": "T.sqrt({t})", "neg": "T.neg({t})", "abs": "T.abs({t})",
    "sum": "T.sum({t})", "prod": "T.prod({t})", "cumsum": "T.cumsum({t}, 0)", "argmax": "T.argmax({t})",
    "norm": "T.norm({t})", "relu": "T.relu({t})", "F.gelu": "F.gelu({t})", "F.silu": "F.silu({t})",
    "F.elu": "F.elu({t})", "F.leaky_relu": "F.leaky_relu({t})", "F.dropout": "F.dropout({t}, 0.5)",
    "sort": "T.sort({t})", "topk": "T.topk({t}, 1)", "max": "T.max({t})", "floor": "T.floor({t})",
    "round": "T.round({t})", "sign": "T.sign({t})", "erf": "T.erf({t})", "clamp": "T.clamp({t}, 0, 1)",
    "matmul": "T.matmul({t}, {t})", "dot": "T.dot({t}, {t})", "logsumexp": "T.logsumexp({t}, 0)",
    "F.mse_loss": "F.mse_loss({t}, {t})", "F.l1_loss": "F.l1_loss({t}, {t})", "median": "T.median({t})",
    "bitwise_not": "T.bitwise_not({t})", "logical_not": "T.logical_not({t})", "sub": "T.sub({t}, {t})",
    "F.layer_norm": "F.layer_norm({t}, (3,))", "F.normalize": "F.normalize({t}, dim=0)", "trunc": "T.trunc({t})",
    "F.softplus": "F.softplus({t})", "F.hardtanh": "F.hardtanh({t})", "cumprod": "T.cumprod({t}, 0)",
    "rsqrt": "T.rsqrt({t})", "reciprocal": "T.reciprocal({t})", "frac": "T.frac({t})",
}
DTYPES = {"long": "i", "bool": "b", "int32": "i.int()", "uint8": "i.byte()"}


def _unary_cases():
    bad = {"none": "None", "str": "'x'", "list": "[1., 2.]", "number": "3"}
    for op, (kind, v) in itertools.product(UNARY, bad.items()):
        yield f"unary-{op}-{kind}", f"T.{op}({v})"


def _binary_cases():
    bad = {"none": "None", "str": "'x'", "shape": "T.ones(4)", "shape2d": "T.ones(2, 2)"}
    for op, (kind, v) in itertools.product(BINARY, bad.items()):
        if op == "matmul" and kind.startswith("shape"):
            yield f"binary-{op}-{kind}", f"T.{op}(m, {v})"
        else:
            yield f"binary-{op}-{kind}", f"T.{op}(a, {v})"
    for op, (kind, v) in itertools.product(OPERATORS, {"none": "None", "str": "'x'", "shape": "T.ones(4)"}.items()):
        yield f"operator-{op}-{kind}", f"a {op} {v}"
        yield f"roperator-{op}-{kind}", f"{v} {op} a"


def _dim_cases():
    for (op, call), (kind, d) in itertools.product(DIM_CALLS.items(), BAD_DIMS.items()):
        yield f"dim-{op}-{kind}", call.format(d=d)


def _size_cases():
    for (op, call), (kind, v) in itertools.product(SIZE_CALLS.items(), BAD_SIZES.items()):
        yield f"size-{op}-{kind}", call.format(v=v)
    yield "size-zeros-huge-2d", "T.zeros(10**6, 10**6)"
    yield "size-ones-huge-double", "T.ones(10**11, dtype=T.float64)"
    yield "size-arange-zero-step", "T.arange(0, 10, 0)"
    yield "size-arange-wrong-sign", "T.arange(10, 0, 1)"
    yield "size-arange-inf", "T.arange(0, float('inf'))"
    yield "size-arange-end-nan", "T.arange(0, float('nan'))"
    yield "size-randint-empty-range", "T.randint(5, 2, (3,))"
    yield "size-view-two-minus-one", "m.view(-1, -1)"
    yield "size-view-mismatch", "m.view(4, 2)"
    yield "size-expand-smaller", "m.expand(3, 2)"
    yield "size-expand-minus-one-new", "a.expand(-1, 3)"
    yield "size-chunk-zero", "T.chunk(a, 0)"
    yield "size-chunk-negative", "T.chunk(a, -1)"
    yield "size-split-zero", "T.split(a, 0)"
    yield "size-split-sizes-sum", "T.split(a, [1, 1])"
    yield "size-narrow-too-long", "T.narrow(a, 0, 1, 5)"
    yield "size-narrow-negative-length", "T.narrow(a, 0, 0, -1)"
    yield "size-topk-too-many", "T.topk(a, 5)"
    yield "size-kthvalue-zero", "T.kthvalue(a, 0)"
    yield "size-unflatten-mismatch", "m.unflatten(1, (2, 2))"
    yield "size-multinomial-too-many", "T.multinomial(T.ones(3), 5)"
    yield "size-multinomial-negative", "T.multinomial(T.tensor([1., -1.]), 1)"
    yield "size-multinomial-nan", "T.multinomial(T.tensor([1., float('nan')]), 1)"
    yield "size-tile-negative", "a.tile(-1)"
    yield "size-new-tensor-ragged", "T.tensor([[1, 2], [3]])"


def _index_cases():
    keys = {"int": "5", "neg": "-3", "pair": "0, 5", "column": ":, 5", "too_many": "0, 0, 0",
            "tensor": "T.tensor([5])", "tensor_neg": "T.tensor([-3])", "float_tensor": "T.tensor([0.5])",
            "bool_mismatch": "T.tensor([True])", "column_tensor": ":, T.tensor([3])", "str": "'x'",
            "float": "1.5", "list": "[0, 5]", "none_tensor": "None, 5"}
    for kind, key in keys.items():
        yield f"getitem-{kind}", f"m[{key}]"
        yield f"setitem-{kind}", f"m[{key}] = 1."
    yield "index-index_select-out", "T.index_select(m, 0, T.tensor([5]))"
    yield "index-index_select-float", "T.index_select(m, 0, T.tensor([0.]))"
    yield "index-index_select-2d", "T.index_select(m, 0, T.zeros(1, 1, dtype=T.long))"
    yield "index-gather-out", "T.gather(m, 1, T.tensor([[5]]))"
    yield "index-gather-float", "T.gather(m, 1, T.tensor([[0.]]))"
    yield "index-gather-ndim", "T.gather(m, 1, T.tensor([0]))"
    yield "index-scatter-out", "T.zeros(3).scatter(0, T.tensor([5]), 1.)"
    yield "index-scatter_add-out", "T.zeros(3).scatter_add(0, T.tensor([5]), T.ones(1))"
    yield "index-select-out", "T.select(m, 0, 5)"
    yield "index-select-neg", "T.select(m, 1, -4)"
    yield "index-embedding-out", "F.embedding(T.tensor([5]), T.ones(3, 2))"
    yield "index-embedding-float", "F.embedding(T.tensor([0.]), T.ones(3, 2))"
    yield "index-embedding-module-out", "nn.Embedding(3, 2)(T.tensor([3]))"
    yield "index-one_hot-out", "F.one_hot(T.tensor([5]), 3)"
    yield "index-one_hot-float", "F.one_hot(T.tensor([1.]), 3)"
    yield "index-one_hot-negative", "F.one_hot(T.tensor([-1]))"
    yield "index-masked_fill-float-mask", "m.masked_fill(T.ones(2, 3), 0.)"
    yield "index-masked_fill-shape", "m.masked_fill(T.ones(4, dtype=T.bool), 0.)"
    yield "index-masked_select-shape", "T.masked_select(m, T.ones(4, dtype=T.bool))"
    yield "index-where-float-cond", "T.where(m, m, m)"
    yield "index-where-shape", "T.where(m > 0, m, T.ones(4))"


def _dtype_cases():
    for (op, call), (kind, t) in itertools.product(DTYPE_OPS.items(), DTYPES.items()):
        yield f"dtype-{op}-{kind}", call.format(t=t)
    yield "dtype-mm-mixed", "T.mm(m, m.t().double())"
    yield "dtype-matmul-long-float", "T.matmul(i, a.detach())"
    yield "dtype-linear-long", "nn.Linear(3, 2)(i)"
    yield "dtype-linear-double", "nn.Linear(3, 2)(m.double())"
    yield "dtype-conv-long", "nn.Conv2d(1, 1, 3)(x4.long())"
    yield "dtype-conv-double", "nn.Conv2d(1, 1, 3)(x4.double())"
    yield "dtype-inplace-float-into-long", "i.add_(1.5)"
    yield "dtype-inplace-float-into-bool", "b.mul_(2)"
    yield "dtype-inplace-div-long", "i.div_(2)"
    yield "dtype-requires-grad-long", "T.tensor([1, 2], requires_grad=True)"
    yield "dtype-requires-grad-bool", "T.tensor([True], requires_grad=True)"
    yield "dtype-bool-sub", "b - b"
    yield "dtype-bool-neg", "-b"
    yield "dtype-float-bitwise", "m & m"
    yield "dtype-float-invert", "~m"
    yield "dtype-float-shift", "T.bitwise_and(m, 1)"
    yield "dtype-cross_entropy-long-input", "F.cross_entropy(i.reshape(1, 3), T.tensor([0]))"
    yield "dtype-cross_entropy-int-target", "F.cross_entropy(m, T.tensor([0, 1], dtype=T.int32))"
    yield "dtype-nll_loss-float-target", "F.nll_loss(m, T.tensor([0., 1.]))"
    yield "dtype-embedding-weight-long", "F.embedding(i, i.reshape(3, 1))"
    yield "dtype-to-str", "m.to('x')"
    yield "dtype-tensor-bad-dtype", "T.tensor([1.], dtype='float')"
    yield "dtype-zeros-bad-dtype", "T.zeros(2, dtype=int)"
    yield "dtype-arange-bool", "T.arange(3, dtype=T.bool)"
    yield "dtype-randn-long", "T.randn(3, dtype=T.long)"
    yield "dtype-rand-int", "T.rand(3, dtype=T.int32)"
    yield "dtype-normal_-long", "i.normal_()"
    yield "dtype-uniform_-bool", "b.uniform_()"
    yield "dtype-item-long-nan", "int(T.tensor(float('nan')))"
    yield "dtype-item-long-inf", "int(T.tensor(float('inf')))"
    yield "dtype-mean-dtype-long", "m.mean(dtype=T.long)"
    yield "dtype-sum-dtype-str", "m.sum(dtype='x')"


def _autograd_cases():
    ops = {"mul": "y = a * a", "exp": "y = a.exp()", "sigmoid": "y = a.sigmoid()", "tanh": "y = a.tanh()",
           "pow": "y = a ** 2", "div": "y = a / (a + 1)", "sin": "y = a.sin()", "log": "y = a.log()",
           "relu": "y = a.relu()", "softmax": "y = a.softmax(0)", "matmul": "y = a @ a", "sqrt": "y = a.sqrt()",
           "mean_sq": "y = (a * a).mean()", "linear": "y = F.linear(a, T.ones(2, 3))", "norm": "y = a.norm()"}
    for op, make in ops.items():
        yield f"backward-twice-{op}", f"{make}\ny.sum().backward()\ny.sum().backward()"
        yield f"grad-twice-{op}", f"{make}\nT.autograd.grad(y.sum(), a)\nT.autograd.grad(y.sum(), a)"
    saved = {"mul_input": ("c = a * 1\ny = c * c", "c"), "exp_output": ("y = a.exp()", "y"),
             "sigmoid_output": ("y = a.sigmoid()", "y"), "tanh_output": ("y = a.tanh()", "y"),
             "pow_input": ("c = a * 1\ny = c ** 2", "c"), "sin_input": ("c = a * 1\ny = c.sin()", "c"),
             "log_input": ("c = a * 1\ny = c.log()", "c"), "div_other": ("c = a * 1\ny = a / c", "c"),
             "sqrt_output": ("y = a.sqrt()", "y"), "relu_output": ("y = a.relu()", "y"),
             "softmax_output": ("y = a.softmax(0)", "y"), "matmul_input": ("c = a * 1\ny = c @ c", "c"),
             "view_of_saved": ("c = a * 1\ny = c * c", "c[:1]")}
    for op, (make, victim) in saved.items():
        yield f"saved-modified-{op}", f"{make}\n{victim}.add_(1)\ny.sum().backward()"
    for method in ["add_(1)", "mul_(2)", "sub_(1)", "div_(2)", "zero_()", "fill_(1.)", "clamp_(0, 1)", "exp_()",
                   "sigmoid_()", "relu_()", "copy_(T.ones(3))", "normal_()", "uniform_()", "pow_(2)",
                   "masked_fill_(b, 0.)", "t_()", "unsqueeze_(0)", "__setitem__(0, 1.)", "__iadd__(1)",
                   "neg_()", "abs_()", "index_put_((T.tensor([0]),), T.tensor(1.))"]:
        yield f"inplace-leaf-{method.split('(')[0]}", f"a.{method}"
    yield "inplace-leaf-view", "a[:2].mul_(2)"
    yield "inplace-leaf-expand-view", "a.expand(2, 3).add_(1)"
    yield "inplace-leaf-out-of-place-ok-nograd", "with T.no_grad():\n    a.mul_(2)\na.sum().backward()"
    cases = {
        "backward-nonscalar": "(a * 2).backward()",
        "backward-no-grad": "m.sum().backward()",
        "backward-wrong-gradient-shape": "(a * 2).backward(T.ones(2))",
        "backward-gradient-str": "(a * 2).backward('x')",
        "backward-gradient-list": "(a * 2).backward([1., 2., 3.])",
        "backward-gradient-long": "(a * 2).backward(T.ones(3, dtype=T.long))",
        "backward-inputs-str": "(a * 2).sum().backward(inputs='x')",
        "backward-inputs-not-leaf-used": "(a * 2).sum().backward(inputs=[m])",
        "grad-outputs-nonscalar": "T.autograd.grad(a * 2, a)",
        "grad-input-str": "T.autograd.grad((a * 2).sum(), 'x')",
        "grad-unused": "T.autograd.grad((a * 2).sum(), [a, T.ones(1, requires_grad=True)])",
        "grad-output-not-requiring": "T.autograd.grad(m.sum(), a)",
        "grad-grad_outputs-shape": "T.autograd.grad(a * 2, a, T.ones(2))",
        "requires-grad-str": "a.detach().requires_grad_('x')",
        "requires-grad-int-tensor": "i.requires_grad_()",
        "requires-grad-nonleaf-false": "h.requires_grad_(False)",
        "requires-grad-attr-str": "m.requires_grad = 'x'",
        "requires-grad-attr-none": "m.requires_grad = None",
        "grad-assign-str": "a.grad = 'x'",
        "grad-assign-shape": "a.grad = T.ones(2)",
        "grad-assign-dtype": "a.grad = T.ones(3, dtype=T.double)",
        "grad-assign-int": "a.grad = 3",
        "retain-grad-no-grad": "m.retain_grad()",
        "detach-inplace-view": "a[:2].detach_()",
        "numpy-requires-grad": "a.numpy()",
        "item-many": "a.item()",
        "item-empty": "T.tensor([]).item()",
        "float-many": "float(m)",
        "bool-many": "bool(a)",
        "len-0d": "len(T.tensor(1.))",
        "iter-0d": "list(T.tensor(1.))",
        "no-grad-backward": "with T.no_grad():\n    y = a * 2\ny.sum().backward()",
        "set-data-shape": "a.data = 'x'",
        "function-bad-return": ("class G(T.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
                                "        return x * 2\n    @staticmethod\n    def backward(ctx, g):\n"
                                "        return 'x'\nG.apply(a).sum().backward()"),
        "function-too-many-grads": ("class G(T.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
                                    "        return x * 2\n    @staticmethod\n    def backward(ctx, g):\n"
                                    "        return g, g\nG.apply(a).sum().backward()"),
        "function-wrong-grad-shape": ("class G(T.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
                                      "        return x * 2\n    @staticmethod\n    def backward(ctx, g):\n"
                                      "        return T.ones(2)\nG.apply(a).sum().backward()"),
    }
    yield from cases.items()


def _hook_cases():
    returns = {"str": "'x'", "int": "1", "shape": "T.ones(2)", "dtype": "T.ones(3, dtype=T.long)",
               "list": "[1., 2., 3.]", "tuple": "(g,)", "double": "g.double()", "raises": "1 / 0"}
    for kind, value in returns.items():
        yield f"hook-tensor-{kind}", f"a.register_hook(lambda g: {value})\n(a * 2).sum().backward()"
        yield f"hook-nonleaf-{kind}", f"y = a * 2\ny.register_hook(lambda g: {value})\ny.sum().backward()"
        yield f"hook-node-{kind}", (f"y = a * 2\ny.grad_fn.register_hook(lambda gi, go: ({value},))\n"
                                    "y.sum().backward()")
    yield "hook-not-callable", "a.register_hook('x')"
    yield "hook-no-grad-tensor", "m.register_hook(lambda g: g)"
    yield "hook-prehook-node-str", "y = a * 2\ny.grad_fn.register_prehook(lambda go: ('x',))\ny.sum().backward()"


def _module_cases():
    ctors = {
        "Linear-neg-in": "nn.Linear(-1, 2)", "Linear-neg-out": "nn.Linear(2, -1)", "Linear-str": "nn.Linear('a', 2)",
        "Linear-float": "nn.Linear(2.5, 3)", "Linear-none": "nn.Linear(None, 3)", "Linear-zero-ok": "nn.Linear(0, 2)",
        "Dropout-big": "nn.Dropout(1.5)", "Dropout-neg": "nn.Dropout(-0.1)", "Dropout-str": "nn.Dropout('x')",
        "Dropout-nan": "nn.Dropout(float('nan'))", "Dropout2d-big": "nn.Dropout2d(2)",
        "Dropout1d-neg": "nn.Dropout1d(-1)",
        "Sequential-ints": "nn.Sequential(1, 2)", "Sequential-str": "nn.Sequential(nn.ReLU(), 'x')",
        "Sequential-none": "nn.Sequential(None)", "Sequential-function": "nn.Sequential(T.relu)",
        "ModuleList-int": "nn.ModuleList([1])",
        "ModuleList-append-str": "nn.ModuleList().append('x')",
        "Conv2d-zero-in": "nn.Conv2d(0, 1, 3)", "Conv2d-zero-kernel": "nn.Conv2d(1, 1, 0)",
        "Conv2d-zero-stride": "nn.Conv2d(1, 1, 3, stride=0)", "Conv2d-groups": "nn.Conv2d(2, 2, 3, groups=3)",
        "Conv2d-groups-out": "nn.Conv2d(2, 3, 3, groups=2)", "Conv2d-neg-padding": "nn.Conv2d(1, 1, 3, padding=-1)",
        "Conv2d-padding-str": "nn.Conv2d(1, 1, 3, padding='x')", "Conv2d-same-stride": "nn.Conv2d(1, 1, 3, stride=2, padding='same')",
        "Conv2d-padding-mode": "nn.Conv2d(1, 1, 3, padding_mode='x')", "Conv1d-neg-out": "nn.Conv1d(1, -1, 3)",
        "Embedding-neg": "nn.Embedding(-1, 3)", "Embedding-padding-out": "nn.Embedding(3, 2, padding_idx=5)",
        "BatchNorm1d-zero": "nn.BatchNorm1d(0)", "BatchNorm1d-neg": "nn.BatchNorm1d(-1)",
        "LayerNorm-neg": "nn.LayerNorm(-1)", "LayerNorm-str": "nn.LayerNorm('x')",
        "GroupNorm-indivisible": "nn.GroupNorm(3, 4)", "LSTM-zero-hidden": "nn.LSTM(2, 0)",
        "LSTM-neg-input": "nn.LSTM(-1, 2)", "LSTM-float-hidden": "nn.LSTM(2, 2.5)", "RNN-zero-layers": "nn.RNN(2, 2, 0)",
        "RNN-nonlinearity": "nn.RNN(2, 2, nonlinearity='x')", "GRU-dropout-big": "nn.GRU(2, 2, dropout=2)",
        "LSTMCell-neg": "nn.LSTMCell(2, -1)", "MaxPool2d-zero": "nn.MaxPool2d(0)(x4)",
        "AvgPool2d-zero": "nn.AvgPool2d(0)(x4)", "MaxPool2d-padding-big": "nn.MaxPool2d(2, padding=2)(x4)",
        "Softmax-dim-str": "nn.Softmax(dim='x')(m)", "LeakyReLU-str": "nn.LeakyReLU('x')(m)",
        "Flatten-dim-big": "nn.Flatten(5)(m)", "Unflatten-bad": "nn.Unflatten(1, (2, 2))(m)",
        "Parameter-str": "nn.Parameter('x')", "Parameter-list": "nn.Parameter([1.])",
        "Identity-args-ok": "nn.Identity(1, 2)(m)", "ReLU-inplace-leaf": "nn.ReLU(inplace=True)(a)",
        "add_module-str": "nn.Module().add_module('a', 'x')", "add_module-dot": "nn.Module().add_module('a.b', nn.ReLU())",
        "register_buffer-str": "nn.Module().register_buffer('a', 'x')",
        "register_parameter-tensor": "nn.Module().register_parameter('a', T.ones(1))",
        "setattr-param-tensor": "lin = nn.Linear(2, 2)\nlin.weight = T.ones(2, 2)",
        "load_state_dict-missing": "nn.Linear(2, 2).load_state_dict({})",
        "load_state_dict-shape": "nn.Linear(2, 2).load_state_dict({'weight': T.ones(3, 3), 'bias': T.ones(2)})",
        "optim-lr-neg": "T.optim.SGD([a], lr=-1)", "optim-momentum-neg": "T.optim.SGD([a], lr=0.1, momentum=-1)",
        "optim-params-tensor": "T.optim.SGD(a, lr=0.1)", "optim-params-empty": "T.optim.SGD([], lr=0.1)",
        "optim-adam-betas": "T.optim.Adam([a], betas=(1.5, 0.9))", "optim-adam-eps": "T.optim.Adam([a], eps=-1)",
        "optim-nonleaf": "T.optim.SGD([h], lr=0.1)", "optim-str-param": "T.optim.SGD(['x'], lr=0.1)",
    }
    for name, src in ctors.items():
        yield f"module-{name}", src
    calls = {
        "linear-none": "nn.Linear(3, 2)(None)", "linear-str": "nn.Linear(3, 2)('x')",
        "linear-number": "nn.Linear(3, 2)(3)", "linear-list": "nn.Linear(3, 2)([1., 2., 3.])",
        "linear-shape": "nn.Linear(3, 2)(T.ones(2, 4))", "linear-1d-shape": "nn.Linear(3, 2)(T.ones(2))",
        "linear-0d": "nn.Linear(3, 2)(T.tensor(1.))", "linear-two-args": "nn.Linear(3, 2)(a, a)",
        "F.linear-weight-shape": "F.linear(a, T.ones(3, 2))", "F.linear-bias-shape": "F.linear(a, T.ones(2, 3), T.ones(3))",
        "conv-channels": "nn.Conv2d(2, 1, 3)(x4)", "conv-ndim": "nn.Conv2d(1, 1, 3)(T.ones(4, 4))",
        "conv-small": "nn.Conv2d(1, 1, 5)(x4)", "conv-none": "nn.Conv2d(1, 1, 3)(None)",
        "conv1d-ndim": "nn.Conv1d(1, 1, 3)(x4)", "F.conv2d-weight-ndim": "F.conv2d(x4, T.ones(3, 3))",
        "maxpool-big": "nn.MaxPool2d(5)(x4)", "maxpool-ndim": "nn.MaxPool2d(2)(T.ones(4))",
        "avgpool-big": "nn.AvgPool2d(5)(x4)", "adaptive-zero": "nn.AdaptiveAvgPool2d(0)(x4)",
        "batchnorm-channels": "nn.BatchNorm1d(4)(m)", "batchnorm-ndim": "nn.BatchNorm2d(1)(m)",
        "batchnorm-one-value": "nn.BatchNorm1d(3)(T.ones(1, 3))", "layernorm-shape": "nn.LayerNorm(4)(m)",
        "groupnorm-channels": "nn.GroupNorm(1, 4)(x4)", "embedding-float": "nn.Embedding(3, 2)(m)",
        "lstm-input-size": "nn.LSTM(4, 2)(T.ones(5, 1, 3))", "lstm-ndim": "nn.LSTM(3, 2)(T.ones(5, 1, 1, 3))",
        "lstm-hidden-shape": "nn.LSTM(3, 2)(T.ones(5, 1, 3), (T.zeros(1, 1, 3), T.zeros(1, 1, 2)))",
        "lstmcell-input": "nn.LSTMCell(3, 2)(T.ones(1, 4))", "rnn-none": "nn.RNN(3, 2)(None)",
        "gru-batch-first-shape": "nn.GRU(3, 2, batch_first=True)(T.ones(2, 5, 4))",
        "sequential-shape": "nn.Sequential(nn.Linear(3, 4), nn.Linear(3, 2))(a)",
        "dropout-p-call": "F.dropout(a, p=1.5)", "dropout-p-neg-call": "F.dropout(a, p=-1)",
        "flatten-ndim": "nn.Flatten()(T.ones(3)).shape", "softmax-no-dim": "F.softmax(m)",
        "pad-negative-too-much": "F.pad(m, (-4, 0))", "pad-odd": "F.pad(m, (1,))",
        "pad-reflect-too-big": "F.pad(x4, (5, 5), mode='reflect')", "pad-mode": "F.pad(m, (1, 1), mode='x')",
        "one_hot-classes-small": "F.one_hot(T.tensor([3]), 2)",
        "module-call-missing": "nn.Module()(a)", "module-getattr": "nn.Linear(2, 2).nonexistent",
        "relu-str": "F.relu('x')", "sigmoid-none": "T.sigmoid(None)", "F.gelu-approx": "F.gelu(m, approximate='x')",
        "optim-step-none-grad": "o = T.optim.SGD([a], lr=0.1)\no.step()\na.grad",
        "clip-grad-norm-type": "nn.utils.clip_grad_norm_([a], 1., norm_type='x')",
    }
    for name, src in calls.items():
        yield f"call-{name}", src


def _loss_cases():
    pairs = {
        "CrossEntropyLoss-batch": "nn.CrossEntropyLoss()(T.ones(3, 5), T.tensor([0, 1]))",
        "CrossEntropyLoss-target-out": "nn.CrossEntropyLoss()(T.ones(2, 3), T.tensor([0, 5]))",
        "CrossEntropyLoss-target-neg": "nn.CrossEntropyLoss()(T.ones(2, 3), T.tensor([0, -2]))",
        "CrossEntropyLoss-float-target-shape": "nn.CrossEntropyLoss()(T.ones(2, 3), T.ones(2, 4))",
        "CrossEntropyLoss-target-2d": "nn.CrossEntropyLoss()(T.ones(2, 3), T.zeros(2, 1, dtype=T.long))",
        "CrossEntropyLoss-0d-input": "nn.CrossEntropyLoss()(T.tensor(1.), T.tensor(0))",
        "CrossEntropyLoss-weight-size": "nn.CrossEntropyLoss(weight=T.ones(2))(T.ones(2, 3), T.tensor([0, 1]))",
        "CrossEntropyLoss-reduction": "nn.CrossEntropyLoss(reduction='x')(T.ones(2, 3), T.tensor([0, 1]))",
        "CrossEntropyLoss-smoothing": "nn.CrossEntropyLoss(label_smoothing=2.)(T.ones(2, 3), T.tensor([0, 1]))",
        "NLLLoss-batch": "nn.NLLLoss()(T.ones(3, 5), T.tensor([0, 1]))",
        "NLLLoss-target-out": "nn.NLLLoss()(T.ones(2, 3), T.tensor([0, 3]))",
        "NLLLoss-1d-target-0d": "nn.NLLLoss()(T.ones(2, 3), T.tensor(0))",
        "MSELoss-shape": "nn.MSELoss()(T.ones(3), T.ones(4))",
        "MSELoss-broadcast": "nn.MSELoss()(T.ones(3, 1), T.ones(3))",
        "MSELoss-reduction": "nn.MSELoss(reduction='x')(a, a)",
        "MSELoss-str-target": "nn.MSELoss()(a, 'x')",
        "MSELoss-none-target": "nn.MSELoss()(a, None)",
        "MSELoss-long-target": "nn.MSELoss()(a, i)",
        "L1Loss-shape": "nn.L1Loss()(T.ones(3), T.ones(4))",
        "L1Loss-broadcast": "nn.L1Loss()(T.ones(3, 1), T.ones(3))",
        "SmoothL1Loss-shape": "nn.SmoothL1Loss()(T.ones(3), T.ones(4))",
        "HuberLoss-delta": "nn.HuberLoss(delta=-1.)(a, a)",
        "BCELoss-range": "nn.BCELoss()(T.tensor([1.5]), T.tensor([1.]))",
        "BCELoss-shape": "nn.BCELoss()(T.tensor([0.5, 0.5, 0.5]), T.ones(4))",
        "BCELoss-target-range-ok": "nn.BCELoss()(T.tensor([0.5]), T.tensor([2.]))",
        "BCELoss-long-target": "nn.BCELoss()(T.tensor([0.5]), T.tensor([1]))",
        "BCEWithLogitsLoss-shape": "nn.BCEWithLogitsLoss()(T.ones(3), T.ones(4))",
        "BCEWithLogitsLoss-long-target": "nn.BCEWithLogitsLoss()(T.ones(3), T.ones(3, dtype=T.long))",
        "KLDivLoss-shape": "nn.KLDivLoss(reduction='batchmean')(T.ones(2, 3), T.ones(2, 4))",
        "F.cross_entropy-3d-target": "F.cross_entropy(T.ones(2, 3, 4), T.zeros(2, 5, dtype=T.long))",
        "F.nll_loss-ignore-index-ok": "F.nll_loss(T.ones(2, 3), T.tensor([0, -100]))",
        "F.mse_loss-size-average": "F.mse_loss(a, a, size_average='x')",
        "F.binary_cross_entropy-weight": "F.binary_cross_entropy(T.full((3,), 0.5), T.ones(3), weight=T.ones(4))",
    }
    for name, src in pairs.items():
        yield f"loss-{name}", src


def _misc_cases():
    cases = {
        "clamp-min-str": "T.clamp(a, min='x')", "clamp-max-none-both": "T.clamp(a)", "clamp-min-list": "T.clamp(a, min=[1])",
        "clamp-min-tensor-shape": "T.clamp(m, min=T.ones(4))", "clamp-min-gt-max": "T.clamp(a, 2, 1)",
        "tensor-str": "T.tensor('x')", "tensor-mixed": "T.tensor([1, 'x'])", "tensor-none": "T.tensor(None)",
        "tensor-dict": "T.tensor({'a': 1})", "tensor-set": "T.tensor({1, 2})", "tensor-nested-tensors": "T.tensor([a, a])",
        "cat-empty": "T.cat([])", "cat-none": "T.cat([a, None])", "cat-tensor": "T.cat(a)",
        "cat-ndim": "T.cat([a, m])", "cat-0d": "T.cat([T.tensor(1.), T.tensor(2.)])", "stack-empty": "T.stack([])",
        "stack-shapes": "T.stack([a, m])", "cat-dtype-mix-ok": "T.cat([a, i])",
        "view-str": "m.view('x')", "reshape-none": "m.reshape(None)", "permute-wrong-len": "m.permute(0)",
        "permute-repeated": "m.permute(0, 0)", "transpose-1d-ok": "a.t()", "t-3d": "x4.t()",
        "squeeze-tuple-repeat": "m.squeeze((0, 0))", "flip-repeated": "m.flip((0, 0))", "sum-repeated": "m.sum((0, 0))",
        "movedim-repeated": "m.movedim((0, 0), (0, 1))", "einsum-bad": "T.einsum('ij,jk->ik', m, m)",
        "einsum-str": "T.einsum('i?', a)", "mm-1d": "T.mm(a, a)", "mv-shape": "m.mv(T.ones(4))",
        "bmm-2d": "T.bmm(m, m)", "dot-2d": "T.dot(m, m)", "outer-2d": "T.outer(m, m)",
        "matmul-0d": "T.matmul(T.tensor(1.), a)", "addmm-shape": "T.addmm(T.ones(2), m, T.ones(4, 2))",
        "lerp-weight-str": "T.lerp(a, a, 'x')", "pow-str": "a ** 'x'", "pow-int-neg": "i ** -1",
        "where-int-other-ok": "T.where(b, a, 0)", "full-str-value": "T.full((2,), 'x')",
        "arange-str": "T.arange('x')", "linspace-str": "T.linspace(0, 'x', 3)", "eye-float": "T.eye(2.5)",
        "manual-seed-str": "T.manual_seed('x')", "manual-seed-neg-ok": "T.manual_seed(-1)",
        "manual-seed-float": "T.manual_seed(1.5)", "randint-float-high": "T.randint(0, 2.5, (2,))",
        "randint-no-size": "T.randint(5)", "normal-neg-std": "T.normal(0., -1., (2,))",
        "normal-std-tensor-neg": "T.normal(T.zeros(2), -T.ones(2))", "bernoulli-big-p": "T.bernoulli(T.tensor([1.5]))",
        "bernoulli-nan-p": "T.bernoulli(T.tensor([float('nan')]))", "multinomial-0d": "T.multinomial(T.tensor(1.), 1)",
        "uniform-from-gt-to": "T.empty(2).uniform_(1, 0)", "randperm-float": "T.randperm(2.5)",
        "sort-descending-str": "T.sort(a, descending='x')", "topk-k-neg": "T.topk(a, -1)",
        "topk-k-float": "T.topk(a, 1.5)", "roll-shifts-dims-mismatch": "T.roll(m, (1, 2), (0,))",
        "tile-str": "a.tile('x')", "repeat-fewer-dims": "m.repeat(2)", "expand-str": "m.expand('x')",
        "diff-n-neg": "T.diff(a, n=-1)", "tril-1d": "T.tril(a)", "trace-1d": "T.trace(a)",
        "nonzero-0d-ok": "T.nonzero(T.tensor(1.))", "to-bad-device": "a.to('tpu')",
        "to-cuda-index": "a.to('cuda:x')", "device-str": "T.device('x')", "device-neg": "T.device('cpu', -2)",
        "tensor-device-bad": "T.tensor([1.], device='x')", "zeros-device-bad": "T.zeros(2, device='gpu')",
        "sum-dim-none-keepdim-ok": "m.sum(None, keepdim=True)", "std-unbiased-str": "m.std(unbiased='x')",
        "norm-p-str": "T.norm(m, p='x')", "norm-p-nuc-1d": "T.norm(a.detach(), p='nuc')",
        "softmax-dtype-bad": "T.softmax(m, 0, dtype=T.long)", "cumsum-dtype-str": "T.cumsum(m, 0, dtype='x')",
        "nan-to-int-ok": "T.tensor([float('nan')]).long()", "inf-arange-step": "T.arange(0, 1, float('inf'))",
        "nan-linspace-ok": "T.linspace(0, float('nan'), 3)", "nan-full-ok": "T.full((2,), float('nan'))",
        "nan-randint": "T.randint(0, float('nan'), (2,))", "nan-zeros-size": "T.zeros(float('nan'))",
        "inf-dropout": "F.dropout(a, p=float('inf'))", "nan-clamp-ok": "T.clamp(a, min=float('nan'))",
        "nan-item-int": "T.tensor(float('nan')).int().item()",
        "allclose-shape": "T.allclose(a, T.ones(4))", "equal-shape-ok": "T.equal(a, T.ones(4))",
        "isclose-tol-neg": "T.isclose(a, a, rtol=-1)", "format-spec-1d": "f'{a:.2f}'",
        "index-put-shape": "m[0] = T.ones(4)", "setitem-value-str": "m[0] = 'x'", "setitem-list-shape": "m[0] = [1., 2.]",
        "masked-fill-value-tensor-1d": "m.masked_fill(m > 0, T.ones(2))", "fill-tensor-1d": "m.fill_(T.ones(2))",
        "copy-shape": "m.clone().copy_(T.ones(4))", "copy-str": "m.clone().copy_('x')",
        "zero-dim-index-ok": "T.tensor(1.)[()]", "0d-index-int": "T.tensor(1.)[0]",
        "numpy-str-from": "T.from_numpy('x')", "from-numpy-object": "import numpy\nT.from_numpy(numpy.array(['a']))",
        "as-tensor-str": "T.as_tensor('x')", "save-bad-path": "T.save(a, '/nonexistent/dir/x.pt')",
        "load-missing": "T.load('/nonexistent/x.pt')",
        "data-loader-batch-size": "T.utils.data.DataLoader([1, 2], batch_size=0)",
        "data-loader-batch-size-neg": "T.utils.data.DataLoader([1, 2], batch_size=-1)",
        "tensor-dataset-size": "T.utils.data.TensorDataset(T.ones(2), T.ones(3))",
        "random-split-lengths": "T.utils.data.random_split([1, 2, 3], [1, 1])",
        "set-printoptions-profile": "T.set_printoptions(profile='x')",
        "set-default-dtype-long": "T.set_default_dtype(T.long)",
        "no-grad-call-arg": "T.no_grad(1)", "set-grad-enabled-str": "T.set_grad_enabled('x')",
    }
    yield from cases.items()


def cases():
    """Every case, in a stable order."""
    families = (_unary_cases, _binary_cases, _dim_cases, _size_cases, _index_cases, _dtype_cases,
                _autograd_cases, _hook_cases, _module_cases, _loss_cases, _misc_cases)
    every = [case for family in families for case in family()]
    names = [name for name, _ in every]
    assert len(set(names)) == len(names), "two cases share a name"
    return every
