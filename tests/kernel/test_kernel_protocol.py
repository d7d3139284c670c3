"""The gradtrace kernel against jupyter_kernel_test, the reference client-side conformance suite."""
import jupyter_kernel_test

from kernel_harness import KERNEL_NAME, jupyter_env


class GradtraceKernelTests(jupyter_kernel_test.KernelTests):
    """Every message kind a notebook front end relies on, validated against the v5 schemas."""

    kernel_name = KERNEL_NAME
    language_name = "python"
    file_extension = ".py"

    code_hello_world = "print('hello, world')"
    code_stderr = "import sys; print('test', file=sys.stderr)"
    completion_samples = [{"text": "zi", "matches": {"zip"}}]
    complete_code_samples = ["1", "print('hello, world')", "def f(x):\n    return x*2\n\n\n"]
    incomplete_code_samples = ["print('''hello", "def f(x):\n    x*2", "for i in range(3):"]
    invalid_code_samples = ["import = 7q", "1 +* 2"]
    code_page_something = "print?"
    code_generate_error = "raise Exception('boom')"
    code_execute_result = [
        {"code": "1+2+3", "result": "6"},
        {"code": "[n*n for n in range(1, 4)]", "result": "[1, 4, 9]"},
    ]
    code_display_data = [
        {"code": "class Bold:\n    def _repr_html_(self):\n        return '<b>test</b>'\ndisplay(Bold())",
         "mime": "text/html"},
        {"code": "display(5)", "mime": "text/plain"},
    ]
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1?2*"
    code_inspect_sample = "zip"
    code_clear_output = "clear_output()"

    @classmethod
    def setUpClass(cls):
        jupyter_env()
        super().setUpClass()


class GradtraceIopubWelcomeTests(jupyter_kernel_test.IopubWelcomeTests):
    """iopub is an XPUB socket: each new subscriber is greeted with iopub_welcome."""

    kernel_name = KERNEL_NAME
    support_iopub_welcome = True

    @classmethod
    def setUpClass(cls):
        jupyter_env()
        super().setUpClass()
