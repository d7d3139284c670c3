"""`python -m gradtrace.engine`: a worked example of what autograd did, the way the report shows it."""
import gradtrace.engine as torch
from gradtrace.engine.autograd.profiler import start_capture
from gradtrace.engine.introspect import chain, explain, tree_text


def main():
    x = torch.tensor(2.0, requires_grad=True)
    w = torch.tensor(1.0, requires_grad=True)
    names = {id(x): "x", id(w): "w"}

    capture = start_capture()
    a = (x * w) ** 2 + (x * w) ** 3
    names[id(a)] = "a"
    print(">>> a = (x*w)**2 + (x*w)**3")
    print(a)
    print("\ngrad_fn chain:", chain(a, names)["text"])
    print("\nthe graph:")
    print(tree_text(a, names))
    print("\nthe chain rule, path by path, for da/dw:")
    print(explain(a, w, names).text())
    a.backward()
    events = capture.stop()
    print("\n>>> a.backward()")
    print("x.grad =", x.grad, "  w.grad =", w.grad)
    print("\nwhat ran (forward and backward):")
    print(events.key_averages().table(sort_by="self_cpu_time_total", row_limit=12))


if __name__ == "__main__":
    main()
