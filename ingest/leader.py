"""One ingest process leads a deployment: it polls, runs the scheduler (alert timers, the weekly report) and
invalidates the cache. On PostgreSQL a second `manage.py ingest` (a standby on another host, or one started
by mistake) waits on a session advisory lock and takes over when the leader's session ends (the process
stopped, its host died and the server dropped the connection). The leader checks its lock every half
minute and stops if it lost it, so two never poll at once for long. SQLite deployments are one host: no lock."""
from __future__ import annotations

import logging
import time

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)
LOCK_KEY = 766_020_001          # one advisory lock per database: "the ingest leader"
RETRY_S = 5.0
CHECK_S = 30


def hold_leadership(engine: Engine, retry_s: float = RETRY_S, should_stop=lambda: False) -> Connection | None:
    """Block until this process leads; the connection that holds the lock (keep it open), or None when the
    store has no such lock (SQLite) or `should_stop()` said so while waiting."""
    if engine.dialect.name != "postgresql":
        return None
    announced = False
    while not should_stop():
        conn = engine.connect()
        try:
            got = conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY})
            conn.commit()              # a session lock outlives the transaction; no transaction stays open
        except Exception:
            conn.close()
            raise
        if got:
            if announced:
                log.warning("ingest: the leader is gone; this process leads now")
            return conn
        conn.close()
        if not announced:
            log.warning("ingest: another ingest process leads this database; standing by (retry every %.0f s)", retry_s)
            announced = True
        time.sleep(retry_s)
    return None


def still_leading(conn: Connection) -> bool:
    """Whether the session still holds the lock (False too when the connection is gone)."""
    try:
        held = conn.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                                "AND pid = pg_backend_pid() AND objid = :k"), {"k": LOCK_KEY})
        conn.commit()
        return bool(held)
    except Exception:  # noqa: BLE001 - a dead connection means the lock is gone with it
        log.exception("ingest: checking the leader lock failed")
        return False


def release(conn: Connection | None) -> None:
    if conn is None:
        return
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
        conn.commit()
    except Exception:  # noqa: BLE001 - closing the session releases it anyway
        pass
    finally:
        conn.invalidate()          # never back into the pool with a lock on it
        conn.close()
