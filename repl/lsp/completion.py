"""Completion items: the service's live matches merged with jedi's on the document, with LSP kinds."""
from lsprotocol import types

_FUNCTION, _PROPERTY = types.CompletionItemKind.Function, types.CompletionItemKind.Property
_KINDS = {
    # jedi's completion types
    "module": types.CompletionItemKind.Module, "class": types.CompletionItemKind.Class,
    "instance": types.CompletionItemKind.Variable, "function": _FUNCTION,
    "param": types.CompletionItemKind.Variable, "path": types.CompletionItemKind.File,
    "keyword": types.CompletionItemKind.Keyword, "property": _PROPERTY,
    "statement": types.CompletionItemKind.Variable,
    # the Python types of live attributes and names (live.complete)
    "python:function": _FUNCTION, "python:method_descriptor": _FUNCTION,
    "python:builtin_function_or_method": _FUNCTION, "python:wrapper_descriptor": _FUNCTION,
    "python:method": _FUNCTION, "python:classmethod": _FUNCTION, "python:staticmethod": _FUNCTION,
    "python:property": _PROPERTY, "python:getset_descriptor": _PROPERTY, "python:member_descriptor": _PROPERTY,
    "python:type": types.CompletionItemKind.Class, "python:module": types.CompletionItemKind.Module,
}


def _kind(type_name):
    """The LSP kind of a jedi type or a live object's Python type; None when nothing is known."""
    if type_name is None or type_name == "<unknown>":
        return None
    return _KINDS.get(type_name, types.CompletionItemKind.Variable)


def completion_items(text, column, live_reply, static_found, client_range):
    """CompletionItems for the cursor at `column` of the line `text`.

    `live_reply` is the service's complete_reply (with live.complete's "types"), `static_found`
    jedi's [(name, type, prefix length)]; `client_range(start)` is the edit range from column
    `start` to the cursor in the client's units. Live matches come first; a match both give is one
    item, with jedi's kind where the live side had none.
    """
    found = []  # (start column, text, type name)
    if live_reply:
        start = live_reply.get("cursor_start", column)
        kinds = live_reply.get("types", {})
        found.extend((start, match, kinds.get(match)) for match in live_reply.get("matches", []))
    found.extend((column - prefix_length, name, kind) for name, kind, prefix_length in static_found or [])
    items = {}  # the line as it would read after the completion -> its item
    for start, match, type_name in found:
        if start < 0 or start > column:
            continue
        result = text[:start] + match
        kind = _kind(type_name)
        if result in items:
            if items[result].kind == types.CompletionItemKind.Text and kind is not None:
                items[result].kind = kind
            continue
        items[result] = types.CompletionItem(
            label=match, kind=kind or types.CompletionItemKind.Text, sort_text=f"{len(items):05d}",
            text_edit=types.TextEdit(range=client_range(start), new_text=match))
    return list(items.values())
