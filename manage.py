#!/usr/bin/env python
"""Commune Digital Brain command line. `python manage.py --help` lists the commands."""
from __future__ import annotations

import argparse
import json
import sys

from core.logging import configure
from core.settings import get_settings


def cmd_migrate(args) -> int:
    from ingest.site_sync import sync_site
    from store.engine import get_engine
    from store.migrate import upgrade
    settings = get_settings()
    upgrade(settings.database_url)
    sync_site(get_engine())
    print(f"migrated {settings.database_url.split('@')[-1]}")
    return 0


def cmd_serve(args) -> int:
    from serve import serve
    settings = get_settings()
    return serve(with_simulator=settings.simulator if args.simulator is None else args.simulator,
                 backfill_days=args.backfill_days, workers=args.workers,
                 with_ingest=settings.ingest if args.ingest is None else args.ingest)


def cmd_run_scale(args) -> int:
    from scale import run_scale
    return run_scale(backfill_days=args.backfill_days)


def cmd_simulate(args) -> int:
    from simulator.server import run_forever
    settings = get_settings()
    run_forever(host=args.host or settings.simulator_host, port=args.port or settings.simulator_port,
                seed=settings.simulator_seed, site_file=settings.simulator_site_files())
    return 0


def cmd_ingest(args) -> int:
    from ingest.runner import run_loop, run_once
    if args.once:
        result = run_once(sources=args.source)
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0 if all(r.get("ok") for r in result.values()) else 1
    return run_loop(sources=args.source)


def cmd_backfill(args) -> int:
    from ingest.runner import backfill
    result = backfill(days=args.days, sources=args.source, progress=not args.quiet)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0 if all(r.get("ok") for r in result.values()) else 1


def cmd_import(args) -> int:
    from ingest.files import import_file
    result = import_file(args.file, source=args.source, dry_run=args.dry_run)
    print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return 0 if result.get("ok") else 1


def cmd_status(args) -> int:
    from ingest.status import status_report, format_status
    report = status_report()
    print(json.dumps(report, ensure_ascii=False, indent=2) if args.json else format_status(report))
    return 0


def cmd_dump(args) -> int:
    from queries.dump import dump
    dump(args.kind, since=args.since, until=args.until, fmt=args.format, out=sys.stdout)
    return 0


def cmd_alerts(args) -> int:
    from alerts.cli import main as alerts_main
    return alerts_main(args)


def cmd_report(args) -> int:
    """One commune's pack (--commune) or every commune's (--all-communes, or neither), here; with --queue,
    handed to the Celery workers as the schedule does. Exit 1 when some commune failed (the others are
    made and printed), 2 for a bad week or commune."""
    from core.errors import BadParam
    from core.i18n import t
    from reports.jobs import WeeklyFailed, communes_to_report, run_weekly
    from reports.weekly import parse_week
    if args.all_communes and args.commune:
        print("--commune and --all-communes: one or the other", file=sys.stderr)
        return 2
    try:
        monday = parse_week(args.week) if args.week else None
        if args.queue:
            return _queue_report(monday, communes_to_report(args.commune), args)
        paths = run_weekly(monday, mail=args.mail, lang=args.lang, commune=args.commune, mail_again=args.mail_again)
    except BadParam as err:
        print(t(err.key, args.lang, **err.values), file=sys.stderr)
        return 2
    except WeeklyFailed as err:
        for path in err.paths:
            print(path)
        for commune, ref in err.failed.items():
            print(f"failed: {commune} (ref {ref}, see the log)", file=sys.stderr)
        return 1
    for path in paths:
        print(path)
    return 0


def _queue_report(monday, communes, args) -> int:
    from datetime import datetime, timezone

    from reports import tasks
    from reports.meta import last_full_week
    if tasks.CELERY_APP is None:
        print("--queue needs CELERY_BROKER_URL", file=sys.stderr)
        return 2
    result = tasks.queue_weekly(monday or last_full_week(datetime.now(timezone.utc)), communes, mail=args.mail,
                                lang=args.lang)
    print(f"queued {len(communes)} communes, summary task {result.id}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="manage.py", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    sub.add_parser("migrate", help="create or upgrade the database schema (Alembic) and load the site file")

    s = sub.add_parser("serve", help="the dashboard (and, with SIMULATOR=1, the simulator and ingest)")
    s.add_argument("--simulator", action=argparse.BooleanOptionalAction, default=None,
                   help="start the simulator too (default: the SIMULATOR setting)")
    s.add_argument("--backfill-days", type=int, default=None,
                   help="history to back-fill on first start (default: BACKFILL_DAYS, 90)")
    s.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: WEB_CONCURRENCY, 2)")
    s.add_argument("--ingest", action=argparse.BooleanOptionalAction, default=None,
                   help="also migrate, back-fill and run the ingest loop (default: the INGEST setting, on); "
                        "--no-ingest serves the web only, with ingest on another host")

    s = sub.add_parser("run-scale", help="the scale-out topology on this machine: PostgreSQL, Redis cache, Celery "
                                         "worker, one ingest process, gunicorn × WEB_CONCURRENCY (README \"Scale-out\")")
    s.add_argument("--backfill-days", type=int, default=None, help="history on first start (default: 30)")

    s = sub.add_parser("simulate", help="the simulator alone: Quảng Thọ over SensorThings, Frigate, Open311, feeds")
    s.add_argument("--host", default=None)
    s.add_argument("--port", type=int, default=None)

    s = sub.add_parser("ingest", help="poll every source in a loop, each at its own interval (site file `sources:`; INGEST_INTERVAL_S overrides), or once")
    s.add_argument("--once", action="store_true", help="one poll of each source, then exit")
    s.add_argument("--source", action="append", help="only this source (repeatable)")

    s = sub.add_parser("backfill", help="fetch N days of history from every source")
    s.add_argument("--days", type=int, default=90)
    s.add_argument("--source", action="append", help="only this source (repeatable)")
    s.add_argument("--quiet", action="store_true", help="no progress bar")

    s = sub.add_parser("import", help="import indicator values from a CSV or XLSX file")
    s.add_argument("file")
    s.add_argument("--source", default="file", help="source name recorded with the values")
    s.add_argument("--dry-run", action="store_true", help="validate and report, store nothing")

    s = sub.add_parser("status", help="per source: records by kind, rejects by reason, last success/error, watermark, lag")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("dump", help="what the store holds, for checks and hand-offs")
    s.add_argument("kind", choices=["readings", "hourly", "daily", "events", "reports", "report_updates",
                                    "indicators", "devices", "rejects", "health", "alerts"])
    s.add_argument("--since", help="ISO 8601 time or date (local time if no offset)")
    s.add_argument("--until", help="ISO 8601 time or date (local time if no offset)")
    s.add_argument("--format", choices=["csv", "json"], default="csv")

    s = sub.add_parser("alerts", help="list, acknowledge or resolve alerts; test notification channels")
    s.add_argument("action", choices=["list", "ack", "resolve", "evaluate", "test-notify"])
    s.add_argument("alert_id", nargs="?", type=int)
    s.add_argument("--user", default="operator")
    s.add_argument("--note", default="")

    s = sub.add_parser("report", help="the weekly report (PDF in the Decree 30 form + XLSX) into REPORTS_DIR; "
                                      "mailed when SMTP is configured")
    s.add_argument("--week", help="ISO week like 2026-W47, or a date in it (default: the last full week)")
    s.add_argument("--lang", choices=["vi", "en"], default="vi")
    s.add_argument("--commune", help="a commune id (e.g. quang_tho); default: one report per commune")
    s.add_argument("--all-communes", action="store_true",
                   help="one report per commune of the deployment (the default without --commune; says so explicitly)")
    s.add_argument("--queue", action="store_true",
                   help="hand it to the Celery workers, one task per commune (needs CELERY_BROKER_URL), and return")
    s.add_argument("--mail", action=argparse.BooleanOptionalAction, default=True,
                   help="mail it to REPORT_MAIL_TO when SMTP_HOST is set, once a week and commune (default: yes)")
    s.add_argument("--mail-again", action="store_true", help="mail it even if that week's report was mailed already")
    from auth.cli import add_parsers
    add_parsers(sub)
    return p


COMMANDS = {"migrate": cmd_migrate, "serve": cmd_serve, "run-scale": cmd_run_scale, "simulate": cmd_simulate, "ingest": cmd_ingest,
            "backfill": cmd_backfill, "import": cmd_import, "status": cmd_status, "dump": cmd_dump,
            "alerts": cmd_alerts, "report": cmd_report}


def cmd_access(args) -> int:
    from auth.cli import main as access_main
    return access_main(args)


def main(argv: list[str] | None = None) -> int:
    from auth.cli import COMMANDS as ACCESS_COMMANDS
    args = build_parser().parse_args(argv)
    configure(get_settings().log_level)
    return (cmd_access if args.command in ACCESS_COMMANDS else COMMANDS[args.command])(args)


if __name__ == "__main__":
    sys.exit(main())
