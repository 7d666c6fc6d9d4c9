"""Run Alembic migrations from code (manage.py migrate, app start-up, tests)."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from store.engine import make_engine

HERE = Path(__file__).resolve().parent


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    cfg = alembic_config(url)
    engine = make_engine(url)
    try:
        cfg.attributes["engine"] = engine
        command.upgrade(cfg, revision)
    finally:
        engine.dispose()
