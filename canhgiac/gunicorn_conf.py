"""gunicorn settings used by bin/serve and bench/lookup.py (`-c python:canhgiac.gunicorn_conf`).

Threaded workers keep HTTP connections alive, so a partner's resolver, an app or a proxy in
front sends many requests over one connection instead of paying a new one for each."""

worker_class = "gthread"
threads = 4
keepalive = 5


def post_worker_init(worker) -> None:
    """Build the in-memory list index before the worker takes requests, so no visitor waits for
    it (about 10 s for a million listed indicators)."""
    from indicators.matcher import get_matcher

    get_matcher()
