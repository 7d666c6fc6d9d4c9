"""Every setting is an environment variable (or a line in `.env`); README lists them all."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent
SIMULATOR_PORT = 8060


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(default=f"sqlite:///{ROOT / 'data' / 'brain.db'}")
    simulator: bool = False
    simulator_host: str = "127.0.0.1"
    simulator_port: int = SIMULATOR_PORT
    simulator_seed: int = 766
    simulator_step_s: int | None = None   # every simulated sensor reports this often (soak tests)
    sensorthings_url: str | None = None
    frigate_url: str | None = None
    open311_url: str | None = None
    indicators_url: str | None = None
    # live push (SensorThings MQTT extension): mqtt://[user:pass@]host[:port][/topic root, default v1.1]
    mqtt_url: str | None = None            # set: `manage.py ingest` also subscribes (overrides the site file's)
    mqtt_qos: int = 1
    simulator_mqtt_url: str | None = None  # set (or MQTT_URL): the simulator publishes each new Observation
    site_file: Path = ROOT / "sites" / "quang_tho.yaml"
    alert_rules_file: Path = ROOT / "sites" / "alert_rules.yaml"
    walls_file: Path = ROOT / "sites" / "walls.yaml"
    ingest_interval_s: int | None = None   # set: every source polled this often (tests, soak runs)
    backfill_days: int = 90
    http_timeout_s: float = 20.0
    cache_dir: Path = ROOT / "data" / "cache"
    cache_url: str | None = None           # redis://host:6379/1: the query cache shared by every host (unset: diskcache)
    host: str = "127.0.0.1"
    port: int = 8050
    tile_url: str | None = None
    mbtiles_file: Path | None = None
    log_level: str = "INFO"
    # access control (README "Users and access")
    secret_key: str | None = None          # signs session cookies and wall tokens; unset = data/secret_key
    session_idle_minutes: int = 60
    session_absolute_hours: int = 12
    login_rate_limit: str = "10 per minute; 100 per hour"   # per address, flask-limiter syntax
    login_max_failures: int = 8            # failed sign-ins per name and address in 15 minutes
    redis_url: str | None = None           # shared rate-limit counters across workers and hosts
    trust_proxy: bool = False              # behind a reverse proxy: trust X-Forwarded-For/-Proto once
    oidc_issuer: str | None = None         # single sign-on (OpenID Connect): the provider's issuer URL
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_label: str = "SSO"
    # exports and the weekly report (reports/)
    chromium_path: Path = Path("/usr/bin/chromium")
    reports_dir: Path = ROOT / "data" / "reports"
    report_schedule: str = "0 7 * * mon"          # crontab in Asia/Ho_Chi_Minh; "off" switches it off
    report_mail_to: str = ""                       # comma-separated addresses; empty: no mail
    report_mail_from: str = "bao-cao@localhost"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    celery_broker_url: str | None = None           # set: background callbacks run on Celery workers (Redis)
    celery_result_url: str | None = None           # where task results go (unset: the broker)
    celery_wait_s: float = 120.0                   # how long a web request waits for an export made by a worker
    # scale-out (README "Scale-out")
    ingest: bool = True                            # serve also runs back-fill and the ingest loop; 0: web only
    web_concurrency: int = 2                       # gunicorn worker processes of `serve`

    def simulator_base(self) -> str:
        return f"http://{self.simulator_host}:{self.simulator_port}"

    def source_urls(self) -> dict[str, str]:
        """The four outside systems. Unset URLs point at the simulator, as the README says."""
        base = self.simulator_base()
        return {
            "sensorthings": self.sensorthings_url or f"{base}/sta/v1.1",
            "frigate": self.frigate_url or f"{base}/frigate",
            "open311": self.open311_url or f"{base}/open311/v2",
            "indicators": self.indicators_url or f"{base}/feeds",
        }


@lru_cache
def get_settings() -> Settings:
    return Settings()
