"""`manage.py alerts list|ack|resolve|evaluate|test-notify`."""
from __future__ import annotations

import time

from alerts.engine import evaluate_all
from alerts.lifecycle import TransitionError, acknowledge, resolve
from core.formatting import fmt_datetime
from store.engine import get_engine


def main(args) -> int:
    engine = get_engine()
    if args.action == "list":
        from alerts.queries import alerts
        df = alerts.uncached(state="active")
        for r in df.to_dict("records"):
            print(f"#{r['id']:<5} {r['severity']:<8} {r['state']:<12} {fmt_datetime(r['opened_time'].to_pydatetime())}  "
                  f"{r['title_vi']}")
        print(f"{len(df)} active alert(s)")
        return 0
    if args.action in ("ack", "resolve"):
        if args.alert_id is None:
            print("an alert id is needed")
            return 2
        try:
            fn = acknowledge if args.action == "ack" else resolve
            print(fn(engine, args.alert_id, args.user, args.note))
        except TransitionError as err:
            print(f"refused: {err}")
            return 1
        return 0
    if args.action == "evaluate":
        print(evaluate_all(engine, int(time.time())))
        return 0
    if args.action == "test-notify":
        from alerts.notify import notify
        if args.alert_id is None:
            print("an alert id is needed")
            return 2
        print(notify(engine, args.alert_id, event_id=-int(time.time()), severity="critical"))
        return 0
    return 2
