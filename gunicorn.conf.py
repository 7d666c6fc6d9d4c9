"""gunicorn settings for the dashboard: threads for slow clients, gc.freeze() in each worker after the
imports (DESIGN.md measured p95 100 -> 45 ms), no preload so each worker opens its own database pool.
WEB_CONCURRENCY worker processes (default 2; `-w` overrides). Workers only serve: no scheduler runs in
them (polls, alert timers and the weekly report belong to the one `manage.py ingest` process)."""
import gc
import os

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _without_server_banner(self):
    """No `Server: gunicorn` header: the version of the web server is nobody's business."""
    return [h for h in _default_headers(self) if not h.lower().startswith("server:")]


wsgi.Response.default_headers = _without_server_banner

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = 4
# a screen sends its callbacks in bursts (a dozen on each refresh, more on a page's first render): kept
# alive for 5 s (gunicorn's default is 2), a burst shares one connection instead of opening several
keepalive = 5
timeout = 60
graceful_timeout = 10
accesslog = None
worker_tmp_dir = "/dev/shm"
# gunicorn 25+ opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl): every instance on a
# machine (a second deployment, the benchmark's servers, the tests') took it over from the one before. Nothing
# here uses `gunicornc`; `manage.py serve` and the process manager start and stop the workers.
control_socket_disable = True


def post_worker_init(worker):  # noqa: ARG001 - gunicorn hook signature
    gc.collect()
    gc.freeze()
