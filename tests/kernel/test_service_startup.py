"""The language service loads the engine only when an input needs it, and still profiles that input."""
import subprocess
import sys
import textwrap


def test_an_input_without_torch_leaves_the_engine_unloaded_and_the_first_import_is_profiled():
    script = textwrap.dedent("""
        import sys
        from gradtrace.kernel.service import LanguageService

        class Events:
            reports = []
            def stream(self, name, text): pass
            def display(self, data, metadata, transient=None, update=False): pass
            def clear_output(self, wait): pass
            def execute_result(self, count, data, metadata): pass
            def report(self, data, metadata): self.reports.append(data)
            def input(self, prompt, password): return ""

        service = LanguageService(history_path=":memory:")
        events = Events()
        assert service.execute("1 + 1", events).status == "ok"
        print("engine after 1 + 1:", "gradtrace.engine" in sys.modules)
        code = "import torch\\nx = torch.ones(2, requires_grad=True)\\n(x * 3).sum().backward()"
        assert service.execute(code, events).status == "ok"
        report = events.reports[-1]["application/vnd.gradtrace.report+json"]
        print("profiled:", sorted({row["name"] for row in report["profile"]["rows"]}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "engine after 1 + 1: False"
    assert lines[1].startswith("profiled: ") and "'aten::mul'" in lines[1] and "'MulBackward0'" in lines[1]
