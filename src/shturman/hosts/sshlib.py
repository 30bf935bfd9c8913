"""asyncssh, imported in one place for the whole package.

cryptography 51 deprecated DSA and warns whenever asyncssh merely imports its DSA support
(``CryptographyDeprecationWarning`` at import time, whatever key types are used). That warning
is about a library's import, not about anything the operator did, so it must not reach their
terminal on every `exec`; every other warning still does. Import asyncssh from here.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated", category=UserWarning)
    import asyncssh

__all__ = ["asyncssh"]
