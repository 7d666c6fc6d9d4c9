"""gunicorn settings for the dashboard: threads for slow clients, gc.freeze() in each worker after the
imports (DESIGN.md measured p95 100 -> 45 ms), no preload so each worker opens its own database pool."""
import gc

threads = 4
timeout = 60
graceful_timeout = 10
accesslog = None
worker_tmp_dir = "/dev/shm"


def post_worker_init(worker):  # noqa: ARG001 - gunicorn hook signature
    gc.collect()
    gc.freeze()
