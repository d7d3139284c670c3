"""Graph introspection on both backends: chains, trees, Mermaid/DOT, chain-rule paths, memory.

Every test runs on real torch tensors (the contract's reference) and on gradtrace tensors.
"""
import json

import pytest

from gradtrace.engine.introspect import (
    GraphFreedError, chain, dot, explain, graph_memory, mermaid, tree_text,
)


@pytest.fixture(params=[pytest.param("torch", marks=pytest.mark.torch), "gradtrace"])
def lib(request):
    """The tensor library under test: real torch or gradtrace.engine."""
    if request.param == "torch":
        return request.getfixturevalue("real_torch")
    import gradtrace.engine as gt
    return gt


def named(**tensors):
    """The `names` mapping the report passes: id(tensor) -> variable name."""
    return {id(t): name for name, t in tensors.items()}


def tutorial_loss(lib):
    """L = (w*x + b - 5)**2, the linear-regression example of autograd tutorials."""
    w = lib.tensor(2., requires_grad=True)
    x = lib.tensor(3., requires_grad=True)
    b = lib.tensor(4., requires_grad=True)
    L = (w * x + b - 5) ** 2
    return L, named(w=w, x=x, b=b, L=L)


# -- chain ---------------------------------------------------------------------------------------

def test_chain_of_tutorial_loss_follows_the_longest_path(lib):
    L, names = tutorial_loss(lib)
    result = chain(L, names)
    assert result == {
        "text": "PowBackward0 <- SubBackward0 <- AddBackward0 <- MulBackward0 <- AccumulateGrad(w)"
                " (+2 branches)",
        "nodes": ["PowBackward0", "SubBackward0", "AddBackward0", "MulBackward0", "AccumulateGrad(w)"],
        "branches_omitted": 2,
    }


def test_chain_names_unnamed_leaves_by_shape(lib):
    x = lib.ones(2, 3, requires_grad=True)
    y = ((x + 1) * 2).sum()
    assert chain(y)["text"] == "SumBackward0 <- MulBackward0 <- AddBackward0 <- AccumulateGrad([2, 3])"
    assert chain(y)["branches_omitted"] == 0


def test_chain_first_path_versus_longest_path(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    z = x + (x * 2).exp()
    names = named(x=x)
    assert chain(z, names, path="first")["text"] == "AddBackward0 <- AccumulateGrad(x) (+1 branch)"
    assert chain(z, names)["text"] == \
        "AddBackward0 <- ExpBackward0 <- MulBackward0 <- AccumulateGrad(x) (+1 branch)"
    with pytest.raises(ValueError, match="path must be 'longest' or 'first'"):
        chain(z, names, path="shortest")


def test_chain_of_leaf_and_of_constant(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    assert chain(x, named(x=x)) == {"text": "leaf x", "nodes": [], "branches_omitted": 0}
    assert chain(x)["text"] == "leaf [2]"
    assert chain(lib.tensor([1., 2.])) is None


def test_chain_max_nodes_elides_the_middle(lib):
    x = lib.tensor(1., requires_grad=True)
    y = x
    for _ in range(6):
        y = y * 2
    result = chain(y, named(x=x), max_nodes=3)
    assert result["text"] == "MulBackward0 <- MulBackward0 <- ... (4 more) <- AccumulateGrad(x)"
    assert len(result["nodes"]) == 7


# -- tree, Mermaid, DOT --------------------------------------------------------------------------

def test_tree_text_of_tutorial_loss(lib):
    L, names = tutorial_loss(lib)
    assert tree_text(L, names) == "\n".join([
        "PowBackward0 []",
        "└─ SubBackward0",
        "   └─ AddBackward0",
        "      ├─ MulBackward0",
        "      │  ├─ AccumulateGrad(w) []",
        "      │  └─ AccumulateGrad(x) []",
        "      └─ AccumulateGrad(b) []",
    ])


def test_tree_text_shows_shared_nodes_once(lib):
    a = lib.ones(2, 3, requires_grad=True)
    m = a * 2
    y = (m * m + m).sum()
    assert tree_text(y, named(a=a)) == "\n".join([
        "SumBackward0 []",
        "└─ AddBackward0",
        "   ├─ MulBackward0",
        "   │  ├─ MulBackward0 #1",
        "   │  │  └─ AccumulateGrad(a) [2, 3]",
        "   │  └─ MulBackward0 (see #1)",
        "   └─ MulBackward0 (see #1)",
    ])


def test_tree_text_cuts_branches_below_max_depth(lib):
    L, names = tutorial_loss(lib)
    assert tree_text(L, names, max_depth=2) == "\n".join([
        "PowBackward0 []",
        "└─ SubBackward0",
        "   └─ AddBackward0",
        "      └─ ...",
    ])
    assert tree_text(lib.tensor(1.)) is None


def test_mermaid_of_tutorial_loss(lib):
    L, names = tutorial_loss(lib)
    assert mermaid(L, names) == "\n".join([
        "graph TD",
        '    n0["PowBackward0 []"]',
        '    n1["SubBackward0"]',
        '    n2["AddBackward0"]',
        '    n3["MulBackward0"]',
        '    n4["AccumulateGrad(w) []"]',
        '    n5["AccumulateGrad(x) []"]',
        '    n6["AccumulateGrad(b) []"]',
        "    n1 --> n0",
        "    n2 --> n1",
        "    n3 --> n2",
        "    n6 --> n2",
        "    n4 --> n3",
        "    n5 --> n3",
        "    classDef leaf fill:#dff0d8,stroke:#3c763d",
        "    class n4,n5,n6 leaf",
    ])


def test_dot_of_a_shared_input(lib):
    a = lib.tensor([1., 2.], requires_grad=True)
    y = (a * a).sum()
    assert dot(y, named(a=a)) == "\n".join([
        "digraph grad_fn {",
        "    node [shape=box, fontname=monospace];",
        '    n0 [label="SumBackward0 []"];',
        '    n1 [label="MulBackward0"];',
        '    n2 [label="AccumulateGrad(a) [2]", style=filled, fillcolor="#dff0d8"];',
        "    n1 -> n0;",
        "    n2 -> n1;",
        "    n2 -> n1;",
        "}",
    ])


def test_dot_and_mermaid_escape_quotes_in_names(lib):
    a = lib.tensor(1., requires_grad=True)
    y = a * 2
    names = {id(a): 'say "hi"'}
    assert 'n1 [label="AccumulateGrad(say \\"hi\\") []"' in dot(y, names)
    assert 'n1["AccumulateGrad(say #quot;hi#quot;) []"]' in mermaid(y, names)


# -- explain -------------------------------------------------------------------------------------

def two_power_graph(lib):
    """a = (x*w)**2 + (x*w)**3 at x = 2, w = 1: two paths to each leaf."""
    x = lib.tensor(2., requires_grad=True)
    w = lib.tensor(1., requires_grad=True)
    a = (x * w) ** 2 + (x * w) ** 3
    return a, x, w, named(x=x, w=w, a=a)


def test_explain_sums_the_products_of_two_paths(lib):
    a, x, w, names = two_power_graph(lib)
    to_w = explain(a, w, names)
    assert [path.product for path in to_w.paths] == [8.0, 24.0]
    assert to_w.total == 32.0
    to_x = explain(a, x, names)
    assert [[step.local for step in path.steps] for path in to_x.paths] == [[1., 4., 1.], [1., 12., 1.]]
    assert [path.product for path in to_x.paths] == [4.0, 12.0]
    assert to_x.total == 16.0
    a.backward()
    assert (x.grad.item(), w.grad.item()) == (16.0, 32.0)


def test_explain_text_and_dict(lib):
    a, x, w, names = two_power_graph(lib)
    result = explain(a, w, names)
    assert result.text() == "\n".join([
        "d(a)/d(w): 2 paths; (×d) is the derivative of each node's output with respect to the "
        "input the path takes",
        "path 1: AddBackward0 (×1) -> PowBackward0 (×4) -> MulBackward0 (×2) -> AccumulateGrad(w)",
        "  product = 8",
        "path 2: AddBackward0 (×1) -> PowBackward0 (×12) -> MulBackward0 (×2) -> AccumulateGrad(w)",
        "  product = 24",
        "total = 8 + 24 = 32",
    ])
    data = result.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["paths"][0] == {
        "steps": [
            {"node": "AddBackward0", "local": 1.0, "vjp_shape": []},
            {"node": "PowBackward0", "local": 4.0, "vjp_shape": []},
            {"node": "MulBackward0", "local": 2.0, "vjp_shape": []},
        ],
        "end": "AccumulateGrad(w)",
        "product": 8.0,
    }
    assert (data["scalar"], data["path_count"], data["paths_omitted"], data["total"]) == (True, 2, 0, 32.0)


def test_explain_vector_graph_reports_vjp_shapes_and_contributions(lib):
    v = lib.tensor([1., 2., 3.], requires_grad=True)
    L = (v * v).sum() + (v * 3).sum()
    result = explain(L, v, named(v=v, L=L))
    assert not result.scalar
    assert [[(s.node, s.vjp_shape, s.local) for s in path.steps] for path in result.paths] == [
        [("AddBackward0", (), None), ("SumBackward0", (3,), None), ("MulBackward0", (3,), None)],
        [("AddBackward0", (), None), ("SumBackward0", (3,), None), ("MulBackward0", (3,), None)],
        [("AddBackward0", (), None), ("SumBackward0", (3,), None), ("MulBackward0", (3,), None)],
    ]
    assert [path.product.tolist() for path in result.paths] == [[1., 2., 3.], [1., 2., 3.], [3., 3., 3.]]
    assert result.total.tolist() == [5., 7., 9.]
    assert result.to_dict()["total"] == {"shape": [3], "values": [5., 7., 9.]}
    assert "path 1: AddBackward0 (vjp []) -> SumBackward0 (vjp [3]) -> MulBackward0 (vjp [3]) " \
           "-> AccumulateGrad(v)" in result.text()
    L.backward()
    assert v.grad.tolist() == result.total.tolist()


def test_explain_evaluates_a_shared_node_once(lib):
    calls = []

    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            t, = ctx.saved_tensors
            return 2 * t * grad

    x = lib.tensor(3., requires_grad=True)
    m = Square.apply(x)
    a = m * 2 + m ** 2
    result = explain(a, x, named(x=x, a=a))
    assert len(result.paths) == 2
    assert [path.product for path in result.paths] == [12.0, 108.0]  # 2 * 6, (2*9) * 6
    assert result.total == 120.0
    assert len(calls) == 1
    a.backward()
    assert x.grad.item() == 120.0


def test_explain_leaves_the_graph_usable_and_reports_a_freed_one(lib):
    a, x, w, names = two_power_graph(lib)
    explain(a, x, names)
    a.backward(retain_graph=True)
    assert explain(a, x, names).total == 16.0
    a.backward()
    with pytest.raises(GraphFreedError, match=r"call explain before backward, or call "
                                              r"backward\(retain_graph=True\)"):
        explain(a, x, names)


def test_explain_intermediate_tensor_and_unrelated_leaf(lib):
    x = lib.tensor(2., requires_grad=True)
    u = lib.tensor(5., requires_grad=True)
    m = x * 3
    y = m ** 2
    assert explain(y, m, named(m=m, y=y)).total == 12.0
    none = explain(y, u, named(u=u, y=y))
    assert (none.paths, none.path_count, none.total) == ([], 0, None)
    assert none.text() == "d(y)/d(u): no path from y's grad_fn to u; y does not depend on it " \
                          "through the graph"
    with pytest.raises(ValueError, match="output has no grad_fn"):
        explain(x, x)


def test_explain_lists_at_most_max_paths(lib):
    x = lib.tensor(1., requires_grad=True)
    y = x
    for _ in range(5):  # each level doubles the paths: y + y
        y = y + y
    result = explain(y, x, named(x=x, y=y), max_paths=4)
    assert (len(result.paths), result.path_count, result.paths_omitted) == (4, 32, 28)
    assert result.total == 32.0
    assert "... 28 more paths not listed" in result.text()


def test_explain_and_tree_through_a_multi_output_node(lib):
    a = lib.tensor([1., 2., 3.], requires_grad=True)
    parts = a.unbind()
    s = parts[0] * 2 + parts[2] * parts[2]
    result = explain(s, a, named(a=a, s=s))
    assert [path.product.tolist() for path in result.paths] == [[2., 0., 0.], [0., 0., 3.], [0., 0., 3.]]
    assert result.total.tolist() == [2., 0., 6.]
    assert tree_text(s, named(a=a)).splitlines()[-2:] == [
        "   ├─ UnbindBackward0 [output 2] (see #1)",
        "   └─ UnbindBackward0 [output 2] (see #1)",
    ]
    s.backward()
    assert a.grad.tolist() == [2., 0., 6.]


def test_explain_to_a_non_first_output_of_a_node(lib):
    a = lib.tensor([1., 2., 3.], requires_grad=True)
    third = a.unbind()[2]
    y = third * 5
    assert explain(y, third, named(third=third, y=y)).total == 5.0


# -- memory --------------------------------------------------------------------------------------

def test_graph_memory_counts_saved_tensors(lib):
    a = lib.ones(1000, requires_grad=True)
    b = lib.ones(1000, requires_grad=True)
    y = (a * b).sum()
    assert graph_memory(y) == {"nodes": 4, "saved_tensors": 2, "saved_bytes": 8000}
    assert graph_memory((a * a).sum()) == {"nodes": 3, "saved_tensors": 2, "saved_bytes": 4000}
    y.backward()
    assert graph_memory(y) == {"nodes": 4, "saved_tensors": 0, "saved_bytes": 0}
    assert graph_memory(a) == {"nodes": 0, "saved_tensors": 0, "saved_bytes": 0}


# -- depth ---------------------------------------------------------------------------------------

def test_ten_thousand_deep_chain(lib):
    x = lib.tensor(1., requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y + 1
    names = named(x=x, y=y)
    walked = chain(y, names)
    assert len(walked["nodes"]) == 10_001 and walked["nodes"][-1] == "AccumulateGrad(x)"
    assert chain(y, names, path="first")["nodes"] == walked["nodes"]
    assert len(tree_text(y, names).splitlines()) == 42  # 41 levels shown, then "..."
    assert len(mermaid(y, names).splitlines()) == 1 + 10_001 + 10_000 + 2
    assert dot(y, names).count(" -> ") == 10_000
    assert graph_memory(y)["nodes"] == 10_001
    result = explain(y, x, names)
    assert (len(result.paths), len(result.paths[0].steps), result.total) == (1, 10_000, 1.0)
    assert "-> ... (9989 more) -> AddBackward0 (×1) -> AccumulateGrad(x)" in result.text()
