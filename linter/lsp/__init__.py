"""`schemalint lsp`: a Language Server over standard input and output. Diagnostics from the
same engine and configuration as `check` (lint.py), as LSP values with code actions for safe
fixes and hovers (features.py), served by pygls (server.py); positions.py converts offsets.
pygls is the `lsp` extra: only server.py and features.py import it (and lsprotocol)."""
