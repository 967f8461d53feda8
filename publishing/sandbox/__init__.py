"""A local stand-in for the social platforms' HTTP APIs (same paths, same JSON shapes).

``python manage.py sandbox`` serves it; tests use :func:`serve_in_thread`. See ``core.py`` for
the URL layout and ``control.py`` for the ``/_sandbox/`` control API.
"""

from __future__ import annotations

from publishing.sandbox.core import SandboxServer, SandboxState, make_server, serve_in_thread

__all__ = ["SandboxServer", "SandboxState", "make_server", "serve_in_thread"]
