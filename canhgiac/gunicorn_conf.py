"""gunicorn settings used by bin/serve (`-c python:canhgiac.gunicorn_conf`)."""


def post_worker_init(worker) -> None:
    """Build the in-memory list index before the worker takes requests, so no visitor waits for
    it (about 10 s for a million listed indicators)."""
    from indicators.matcher import get_matcher

    get_matcher()
