"""``layerwise playground``: a live network in the browser, trained by the library itself.

The page (plain HTML, CSS and JavaScript in ``static/``) talks to a small Starlette server over
a WebSocket; each tab gets its own :class:`~layerwise.playground.session.Session` holding a
``layerwise.Network``. Modules: ``datasets`` (2-D data), ``schema`` (message checks),
``session`` (training and views, no web code), ``server`` (the ASGI app); the command is
:mod:`layerwise.cli.playground`. Needs the ``playground`` extra (Starlette, uvicorn,
websockets), imported only by ``server`` and by the command's ``run``.
"""
