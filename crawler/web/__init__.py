"""The read-only web interface and Atom feeds (``mosnews web``, or the daemon with ``server.web: true``).

``app`` builds the Starlette application and serves it; ``queries`` holds its indexed
read queries; ``explain`` words the detector's reasons; ``templates/`` and ``static/``
are the Jinja2 pages and the one stylesheet. See ``docs/web.md``.
"""
