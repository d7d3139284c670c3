"""The `%` commands of gradtrace's language service: %lens, %graph, %explain, %profile, %torch, %history."""
import shlex



class UsageError(Exception):
    """A magic used wrongly: shown as one line, without a traceback."""


LENS_PARTS = ("chains", "grads", "profile")


class MagicCommands:
    """Runs `%name args` lines against a LanguageService (its namespace, lens, display and history)."""

    def __init__(self, service):
        self._service = service
        self._table = {
            "lens": self.lens,
            "graph": self.graph,
            "explain": self.explain,
            "backward": self.backward,
            "profile": self.profile,
            "torch": self.torch,
            "matplotlib": self.matplotlib,
            "history": self.history,
        }

    def names(self):
        """The magic names, for completion and help."""
        return sorted(self._table)

    def __call__(self, name, args):
        command = self._table.get(name)
        if command is None:
            raise UsageError(f"Line magic function `%{name}` not found (gradtrace knows "
                             + ", ".join("%" + n for n in self.names()) + ").")
        return command(args)

    # -- the commands ----------------------------------------------------------------------------
    def lens(self, args):
        """%lens [chains] [grads] [profile] | all | off | statements | cell: what the report shows."""
        words = args.split()
        lens = self._service.lens
        if not words:
            print(lens.describe())
            return
        parts = set()
        for word in words:
            if word == "all":
                parts.update(LENS_PARTS)
            elif word == "off":
                parts.clear()
                lens.statements = False
            elif word == "statements":
                lens.statements = True
            elif word == "cell":
                lens.statements = False
            elif word in LENS_PARTS:
                parts.add(word)
            else:
                raise UsageError(f"%lens: unknown part {word!r}; use chains, grads, profile, all, off, "
                                 "statements or cell.")
        if parts or "off" in words:
            for part in LENS_PARTS:
                setattr(lens, part, part in parts)
        print(lens.describe())

    def _tensor(self, magic, expression):
        value = self._service.evaluate(expression)
        tensor_types = self._service.tensor_types()
        if not isinstance(value, tensor_types):
            raise UsageError(f"%{magic}: {expression} is a {type(value).__name__}, not a tensor.")
        return value

    def _introspect(self, magic):
        try:
            from gradtrace.engine import introspect
        except ImportError as error:
            raise UsageError(f"%{magic} needs gradtrace.engine.introspect, which failed to import: {error}")
        return introspect

    def graph(self, args):
        """%graph NAME: the autograd graph of a tensor, as a tree and as a Mermaid diagram."""
        if not args.strip():
            raise UsageError("%graph needs a tensor, e.g. %graph loss")
        tensor = self._tensor("graph", args.strip())
        introspect = self._introspect("graph")
        names = self._service.graph_names()
        tree = introspect.tree_text(tensor, names)
        if tree is None:
            why = "it is a leaf" if tensor.requires_grad else "it does not require grad"
            raise UsageError(f"%graph: {args.strip()} has no autograd graph ({why}).")
        data = {"text/plain": tree}
        diagram = introspect.mermaid(tensor, names)
        if diagram:
            data["text/vnd.mermaid"] = diagram
        self._service.display_data(data)

    def explain(self, args):
        """%explain OUT LEAF: the chain-rule paths from OUT to LEAF with their local derivatives."""
        words = shlex.split(args)
        if len(words) != 2:
            raise UsageError("%explain needs an output and a leaf, e.g. %explain loss w")
        output, leaf = (self._tensor("explain", word) for word in words)
        introspect = self._introspect("explain")
        try:
            derivation = introspect.explain(output, leaf, self._service.graph_names())
        except (ValueError, RuntimeError, introspect.GraphFreedError) as error:
            raise UsageError(f"%explain: {error}") from None
        self._service.display_data({"text/plain": derivation.text(),
                                    "application/vnd.gradtrace.explain+json": derivation.to_dict()})

    def backward(self, args):
        """%backward OUT [--inputs A B] [--apply] [--steps N]: replay OUT.backward() step by step."""
        from .backward_magic import run

        run(self._service, self._tensor, args)

    def profile(self, args):
        """%profile table | limit [N|none]: the full torch-format profiler table of the last input that
        ran ops; or how many events an input's profile keeps before it stops (shown, or set)."""
        words = args.split()
        if words[:1] == ["limit"] and len(words) <= 2:
            self._profile_limit(words[1] if len(words) == 2 else None)
            return
        if words != ["table"]:
            raise UsageError("%profile takes 'table' or 'limit [N|none]'")
        events = self._service.last_profile_events
        if events is None:
            print("No profile yet: no earlier input ran engine operations.")
            return
        averages = events.key_averages()
        print(averages.table(sort_by="self_cpu_time_total", row_limit=max(len(averages), 1)), end="")

    def _profile_limit(self, value):
        service = self._service
        if value is not None:
            if value == "none":
                service.profile_max_records = None
            elif value.isdigit() and int(value) > 0:
                service.profile_max_records = int(value)
            else:
                raise UsageError(f"%profile limit: {value!r} is not a positive whole number or 'none'")
        limit = service.profile_max_records
        print("profile limit: " + ("none (every event of an input is kept)" if limit is None
                                   else f"{limit:,} events per input"))

    def torch(self, args):
        """%torch real|gradtrace: which module `import torch` gives from now on."""
        mode = args.strip()
        if not mode:
            print(self._service.torch_description())
            return
        if mode not in ("real", "gradtrace"):
            raise UsageError("%torch takes 'real' or 'gradtrace'")
        self._service.set_torch_mode(mode)
        print(self._service.torch_description())

    def matplotlib(self, args):
        """%matplotlib [inline | widget]: figures as PNGs after each input, or live ipympl widgets."""
        mode = args.strip() or "inline"
        if mode not in ("inline", "widget", "ipympl"):
            raise UsageError("%matplotlib takes 'inline' or 'widget' (ipympl)")
        import matplotlib
        if mode == "inline":
            matplotlib.use("agg")
        else:
            try:
                matplotlib.use("module://ipympl.backend_nbagg")
            except ImportError:
                raise UsageError("%matplotlib widget needs ipympl (pip install ipympl)") from None
        import matplotlib.pyplot as pyplot
        pyplot.interactive(mode != "inline")  # as IPython's %matplotlib: new figures show themselves
        print(f"matplotlib: {mode}")

    def history(self, args):
        """%history [-n N]: the inputs of this session (or the last N across sessions)."""
        words = args.split()
        if words[:1] == ["-n"] and len(words) == 2 and words[1].isdigit():
            entries = self._service.history("tail", n=int(words[1]))
        elif not words:
            entries = self._service.history("range")
        else:
            raise UsageError("%history takes no argument or -n N")
        for session, line, source in entries:
            print(f"{line:>4}: {source}")
