"""`gradtrace lsp`: a Language Server Protocol front end over the same language service.

Editors talk LSP to the server (server.py, on pygls); the server asks one Backend (backend.py),
which owns a REPL transport: the in-process LanguageService, or a kernel through jupyter_client.
"""
