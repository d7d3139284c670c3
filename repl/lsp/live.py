"""Questions about live objects, asked of the service by evaluating small expressions in its namespace.

Only dotted names the user wrote are evaluated (attribute lookups, as inspect_request does); the
answers come back as the repr of plain literals and are read with ast.literal_eval. Each function
here runs on the backend's thread (see backend.py).
"""
import ast
import re

from gradtrace.kernel.report import REPR_LIMIT

_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_NAME_BEFORE = re.compile(r"[\w.]*$")
_WORD_AFTER = re.compile(r"^\w*")
MODULE_REPR_LIMIT = 4000  # characters of a module's or optimizer's repr a hover shows
# (the names of the object's classes, the start of its repr): enough to tell a tensor, module or optimizer apart
_KIND = ("(lambda o: ([c.__module__ + '.' + c.__qualname__ for c in type(o).__mro__], "
         f"repr(o)[:{MODULE_REPR_LIMIT + 1}]))({{}})")
_SIGNATURE = ("(lambda f, i=__import__('inspect'): (str(i.signature(f)), "
              "[str(p) for p in i.signature(f).parameters.values()], i.getdoc(f) or ''))({})")
# the types of attributes (found statically: no property runs) or of bound names, for completion kinds
_ATTRIBUTE_TYPES = ("(lambda o, i=__import__('inspect'): {{n: type(i.getattr_static(o, n, None)).__name__ "
                    "for n in {names!r}}})({receiver})")
_NAME_TYPES = "(lambda g: {{n: type(g[n]).__name__ for n in {names!r} if n in g}})(globals())"
_RECEIVER = re.compile(r"([A-Za-z_][\w.]*)\.\w*$")
_FAMILIES = {"tensor": ("Tensor", ("torch", "gradtrace.engine")),
             "module": ("Module", ("torch.nn", "gradtrace.engine.nn")),
             "optimizer": ("Optimizer", ("torch.optim", "gradtrace.engine.optim"))}


def dotted_name_at(line, column):
    """The dotted name ending with the word under the cursor (`w.gr|ad` -> `w.grad`, `|w.grad` -> `w`)."""
    name = (_NAME_BEFORE.search(line[:column]).group() + _WORD_AFTER.match(line[column:]).group()).strip(".")
    return name if _DOTTED.fullmatch(name) else None


def receiver_of(before):
    """The dotted name before the last dot of the text before the cursor (`w.requires_gr` -> `w`), or None."""
    match = _RECEIVER.search(before)
    return match.group(1) if match and _DOTTED.fullmatch(match.group(1)) else None


def _family(class_names):
    for family, (qualname, packages) in _FAMILIES.items():
        for full in class_names:
            module, _, name = full.rpartition(".")
            if name == qualname and any(module == p or module.startswith(p + ".") for p in packages):
                return family
    return None


def _evaluate_literal(backend, expression):
    """The literal value of `expression` in the service, or None (not bound, failed, no answer)."""
    answers = backend.evaluate({"q": expression})
    answer = (answers or {}).get("q") or {}
    if answer.get("status") != "ok":
        return None
    try:
        return ast.literal_eval(answer.get("data", {}).get("text/plain", ""))
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def summarise(text, limit=REPR_LIMIT):
    """A repr cut as the report cuts one."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def describe(backend, name):
    """{"family": tensor|module|optimizer|object, "text": ...} for a live `name`, or None if it is not live."""
    found = _evaluate_literal(backend, _KIND.format(name))
    if not isinstance(found, tuple) or len(found) != 2:
        return None
    class_names, text = found
    family = _family(class_names) or "object"
    if family in ("module", "optimizer"):
        return {"family": family, "text": summarise(text, MODULE_REPR_LIMIT)}
    reply = backend.inspect(name, len(name))
    if not reply or not reply.get("found"):
        return {"family": family, "text": summarise(text)}
    description = reply.get("data", {}).get("text/plain", "")
    if family == "tensor":
        head, marker, value = description.partition("Value:")
        description = head + marker + summarise(value) if marker else description
    return {"family": family, "text": description}


def complete(backend, line, column):
    """The service's complete_reply for `line`, with {match: type name} under "types" for the matches
    it gave no type (the live namespace's dir() has none; the type of the object is enough for a kind)."""
    reply = backend.complete(line, column)
    if not reply:
        return reply
    typed = {entry.get("text"): entry.get("type")
             for entry in reply.get("metadata", {}).get("_jupyter_types_experimental", [])}
    untyped = [m for m in reply.get("matches", []) if typed.get(m) in (None, "<unknown>")]
    reply["types"] = {m: t for m, t in typed.items() if t not in (None, "<unknown>")}
    if untyped:
        receiver = receiver_of(line[:column])
        if receiver is not None:
            # a match may carry text before the attribute (the reply widens all to one start)
            attributes = {m.rsplit(".", 1)[-1]: m for m in untyped}
            found = _evaluate_literal(backend, _ATTRIBUTE_TYPES.format(names=list(attributes),
                                                                       receiver=receiver))
        else:
            attributes = {m: m for m in untyped if m.isidentifier()}
            found = _evaluate_literal(backend, _NAME_TYPES.format(names=list(attributes)))
        if isinstance(found, dict):
            reply["types"].update({attributes[n]: f"python:{t}" for n, t in found.items()
                                   if n in attributes and isinstance(t, str)})
    return reply


def signature(backend, name):
    """(signature text, [parameter texts], docstring) of a live callable, or None."""
    found = _evaluate_literal(backend, _SIGNATURE.format(name))
    if isinstance(found, tuple) and len(found) == 3:
        return found
    return None
