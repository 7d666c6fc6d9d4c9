"""`manage.py create-user | users | disable-user | enable-user | set-password | set-role | wall-token`:
the command line acts as an administrator ("cli:<login name>"), since whoever runs it can read the
database anyway; every change still goes through commands/ and lands in the audit log."""
from __future__ import annotations

import getpass
import os
import sys

from commands.base import Actor
from core.errors import AppError
from core.i18n import t


def cli_actor() -> Actor:
    try:
        who = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        who = str(os.getuid())
    return Actor(f"cli:{who}", "administrator", "local")


def _password(args) -> str | None:
    if args.sso:
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Mật khẩu / password: ")
    if first != getpass.getpass("Nhập lại / again: "):
        raise SystemExit("passwords differ")
    return first


def main(args) -> int:
    from commands import tokens, users
    actor = cli_actor()
    try:
        if args.command == "create-user":
            user_id = users.create_user(actor, args.username, args.role, _password(args), args.name or "")
            print(f"created user {args.username} (#{user_id}, {args.role})")
        elif args.command == "users":
            df = users.list_users(actor)
            if df.empty:
                print("no users: python manage.py create-user NAME --role administrator")
            for r in df.to_dict("records"):
                print(f"{r['username']:<24} {r['role']:<14} {'active' if r['active'] else 'DISABLED':<9} "
                      f"{'password' if r['has_password'] else 'sso'}  {r['display_name']}")
        elif args.command in ("disable-user", "enable-user"):
            users.set_active(actor, args.username, args.command == "enable-user")
            print(f"{args.username}: {'enabled' if args.command == 'enable-user' else 'disabled, signed out everywhere'}")
        elif args.command == "set-password":
            users.set_password(actor, args.username, _password(args) or "")
            print(f"{args.username}: password changed, signed out everywhere")
        elif args.command == "set-communes":
            users.set_communes(actor, args.username, args.communes.split(",") if args.communes else [])
            print(f"{args.username}: {args.communes or 'every commune'}")
        elif args.command == "set-role":
            users.set_role(actor, args.username, args.role)
            print(f"{args.username}: {args.role}")
        elif args.command == "wall-token":
            if args.action == "issue":
                token_id, token = tokens.issue_wall_token(actor, args.playlist or "", args.label or "")
                print(f"token #{token_id} for playlist {args.playlist}:\n  /wall/{args.playlist}?token={token}")
            elif args.action == "revoke":
                tokens.revoke_wall_token(actor, args.id)
                print(f"token #{args.id} revoked")
            else:
                for r in tokens.list_wall_tokens(actor).to_dict("records"):
                    state = "revoked" if r["revoked_t"] == r["revoked_t"] and r["revoked_t"] is not None else "live"
                    print(f"#{r['id']:<4} {r['playlist']:<20} {state:<8} {r['label']}")
    except AppError as err:
        print(t(err.key, "en", **err.values), file=sys.stderr)
        return 1
    return 0


def add_parsers(sub) -> None:
    from auth.roles import ROLES
    s = sub.add_parser("create-user", help="create a user (the first administrator: --role administrator)")
    s.add_argument("username")
    s.add_argument("--role", choices=ROLES, default="viewer")
    s.add_argument("--name", help="name shown in the app and in alert histories")
    s.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    s.add_argument("--sso", action="store_true", help="no password: signs in through OpenID Connect only")
    sub.add_parser("users", help="list users")
    for name, text in (("disable-user", "disable a user and end their sessions"), ("enable-user", "enable a user again")):
        sub.add_parser(name, help=text).add_argument("username")
    s = sub.add_parser("set-password", help="set a user's password (ends their sessions)")
    s.add_argument("username")
    s.add_argument("--password-stdin", action="store_true")
    s.set_defaults(sso=False)
    s = sub.add_parser("set-role", help="change a user's role")
    s.add_argument("username")
    s.add_argument("role", choices=ROLES)
    s = sub.add_parser("set-communes", help="the communes a user may see, comma-separated, the first where they "
                                            "land (empty: every commune)")
    s.add_argument("username")
    s.add_argument("communes", nargs="?", default="")
    s = sub.add_parser("wall-token", help="issue, list or revoke read-only wall links")
    s.add_argument("action", choices=["issue", "list", "revoke"])
    s.add_argument("--playlist", help="issue: the playlist the link opens")
    s.add_argument("--label", help="issue: where the screen is")
    s.add_argument("--id", type=int, help="revoke: the token number")


COMMANDS = ("create-user", "users", "disable-user", "enable-user", "set-password", "set-role", "set-communes",
            "wall-token")
