"""The session's variable names on graph nodes, in %explain's derivation and in the graph pictures."""
import pytest

from gradtrace.engine.introspect import explain, mermaid, tree_text
from gradtrace.engine.introspect_names import forward_text, variable_names


def session(**tensors):
    """The names a session passes: leaves and outputs by id, nodes by the tensors they made."""
    return variable_names({id(t): name for name, t in tensors.items()}, tensors)


def seed_001(lib):
    """c = a + b; d = b + 1; e = c * d at a = 2, b = 1 (de/db = 2·1 + 3·1 = 5)."""
    a = lib.tensor(2., requires_grad=True)
    b = lib.tensor(1., requires_grad=True)
    c = a + b
    d = b + 1
    e = c * d
    return e, b, session(a=a, b=b, c=c, d=d, e=e)


def test_explain_writes_the_chain_rule_with_the_session_names(lib):
    e, b, names = seed_001(lib)
    result = explain(e, b, names)
    assert result.text().splitlines()[1:] == [
        "path 1: e = MulBackward0 (×2) -> c = AddBackward0 (×1) -> AccumulateGrad(b)",
        "  product = 2",
        "path 2: e = MulBackward0 (×3) -> d = AddBackward0 (×1) -> AccumulateGrad(b)",
        "  product = 3",
        "total = 2 + 3 = 5",
        "∂e/∂b = ∂e/∂c · ∂c/∂b + ∂e/∂d · ∂d/∂b = 2·1 + 3·1 = 5",
    ]
    data = result.to_dict()
    assert [s["name"] for s in data["paths"][0]["steps"]] == ["e", "c"]
    assert data["chain_rule"].endswith("= 5")
    e.backward()
    assert b.grad.item() == 5.0


def test_unnamed_intermediates_are_named_by_their_node(lib):
    x = lib.tensor(2., requires_grad=True)
    w = lib.tensor(1., requires_grad=True)
    u1 = x * w
    u2 = x * w
    a = u1 ** 2 + u2 ** 3
    result = explain(a, w, session(x=x, w=w, u1=u1, u2=u2, a=a))
    assert result.chain_rule == ("∂a/∂w = ∂a/∂[PowBackward0] · ∂[PowBackward0]/∂u1 · ∂u1/∂w + "
                                 "∂a/∂[PowBackward0] · ∂[PowBackward0]/∂u2 · ∂u2/∂w = 1·4·2 + 1·12·2 = 32")


def test_graph_pictures_label_nodes_with_the_forward_step(lib):
    e, _, names = seed_001(lib)
    assert tree_text(e, names).splitlines()[:3] == [
        "MulBackward0 (e = c * d) []",
        "├─ AddBackward0 (c = a + b)",
        "│  ├─ AccumulateGrad(a) []",
    ]
    assert 'n1["AddBackward0 (c = a + b)"]' in mermaid(e, names)
    assert "AddBackward0 (d = b + …)" in mermaid(e, names)  # the constant 1 is not in the graph


def test_forward_text_reads_calls_and_stays_silent_without_a_name(lib):
    x = lib.tensor([1., 2.], requires_grad=True)
    t = x.exp().sum()
    hidden = x * 2
    names = session(x=x, t=t)
    assert forward_text(t.grad_fn, names) == "t = sum(…)"
    assert forward_text(hidden.grad_fn, names) is None
    assert tree_text(t, {id(x): "x", id(t): "t"}).splitlines()[0] == "SumBackward0 []"  # plain names: as before
