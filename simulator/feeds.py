"""The indicator feed (DOMAIN.md §2.4), simulated at the seeds' levels: 100 % e-documents and online
services, ~70 % IT adoption, smartphones ~50 % and rising, high-tech income 250–350 million VND/ha.
Monthly commune values, weekly dossiers, some village values, now and then a month not reported."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

from core.site import Site
from core.text import csv_cell
from simulator import noise

_TZ7 = timezone(timedelta(hours=7))
FIRST_MONTH = (2024, 1)
COLUMNS = ["indicator", "scope", "period", "value", "numerator", "denominator", "note"]


def _months(now: datetime):
    y, m = FIRST_MONTH
    while (y, m) < (now.year, now.month):
        yield y, m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


# Decision 766 as the province scores it (DOMAIN.md §3.4): the groups the commune's feeds carry follow
# their components; the rest (publicity, other sub-indicators) the province scores from its own records,
# simulated here as one achievement level. An outside system, so it does not import the app's domain.
def index_766_published(on_time, online, paid, digitised, complained, satisfied, elsewhere) -> float:
    def ach(rate, threshold):
        return max(0.0, min(1.0, rate / threshold))
    online_service = 1.0   # 100 % of services online (seed 000)
    sat_54 = ach(max(0.0, 1 - ((1 - on_time) + complained)), 0.9)
    # 5.2 (feedback on time) is scored by the province from its own records: `elsewhere`
    mdhl = 6 * sat_54 + 12 * (elsewhere if satisfied is None else (elsewhere + ach(satisfied, 1.0)) / 2)
    points = (18 * elsewhere + 20 * ach(on_time, 1.0) + 6 * ach(online_service, 0.8) + 6 * ach(online, 0.5)
              + 10 * ach(paid, 1.0) + 22 * ach(digitised, 0.8) + mdhl)
    return round(points, 1)


class Feed:
    def __init__(self, site: Site, seed: int):
        self.seed, self.site = seed, site
        self.scope = f"commune:{site.commune.id}"

    def _u(self, stream: int, key: int) -> float:
        return float(noise.uniform(self.seed, 90_000 + stream, [key])[0])

    def rows(self, now_t: int) -> list[tuple[int, dict]]:
        """(generated_at epoch, row) for every value published by now."""
        now = datetime.fromtimestamp(now_t, _TZ7)
        out: list[tuple[int, dict]] = []
        for y, m in _months(now):
            key = y * 12 + m
            gen = int(datetime(y + (m == 12), m % 12 + 1, 3, 8, 0, tzinfo=_TZ7).timestamp())
            if gen > now_t:
                continue
            months_in = key - (FIRST_MONTH[0] * 12 + FIRST_MONTH[1])
            period = f"{y:04d}-{m:02d}"

            def add(code, value, num=None, den=None, scope=None, note=None):
                out.append((gen, {"indicator": code, "scope": scope or self.scope, "period": period,
                                  "value": value, "numerator": num, "denominator": den, "note": note}))

            received = 60 + int(40 * self._u(1, key))
            online = int(received * (0.45 + 0.004 * months_in + 0.1 * self._u(2, key)))
            on_time = received - int(4 * self._u(3, key))
            paid = int(online * (0.55 + 0.2 * self._u(4, key)))
            digitised = int(received * (0.8 + 0.15 * self._u(5, key)))
            complained = int(3 * self._u(16, key))
            satisfaction = round(88 + 9 * self._u(10, key), 1) if self._u(9, key) > 0.12 else None
            add("dossiers_received", received)
            add("online_dossier_rate", round(100 * online / received, 1), online, received)
            add("dossier_on_time_rate", round(100 * on_time / received, 1), on_time, received)
            add("online_payment_rate", round(100 * paid / online, 1), paid, online)
            add("dossier_digitised_rate", round(100 * digitised / received, 1), digitised, received)
            add("dossier_complaint_rate", round(100 * complained / received, 1), complained, received)
            add("dossier_avg_days", round(2.2 + 1.5 * self._u(6, key), 1))
            add("edoc_signed_rate", 100.0, 400 + int(80 * self._u(7, key)), None)
            out[-1][1]["numerator"] = None
            add("online_service_rate", 100.0)
            add("index_766_score", index_766_published(
                on_time / received, online / received, paid / online, digitised / received,
                complained / received, None if satisfaction is None else satisfaction / 100,
                0.85 + 0.12 * self._u(8, key)))
            if satisfaction is not None:  # sometimes not reported: null, never 0
                add("report_satisfaction_rate", satisfaction)
            else:
                add("report_satisfaction_rate", None, note="Chưa tổng hợp")
            add("it_adoption_rate", round(min(95, 66 + 0.35 * months_in + 3 * self._u(11, key)), 1))
            add("cashless_rate", round(min(95, 55 + 0.5 * months_in + 4 * self._u(12, key)), 1))
            add("traceable_products", 12 + months_in // 3)
            add("ecommerce_products", 8 + months_in // 2)
            add("hightech_income_per_ha", round(250 + 100 * self._u(14, key), 0))
            add("wifi_hotspots_online", 9 - int(2.2 * self._u(15, key) ** 3))
            # smartphones: counted per village; the commune's share is their household-weighted mean
            users_all = hh_all = 0
            for vi, village in enumerate(self.site.villages):
                hh = village.households or 1000
                share = min(0.9, 0.5 + 0.0045 * months_in + 0.06 * (self._u(20 + vi, key) - 0.5)
                            + 0.16 * (self._u(40 + vi, 0) - 0.5))   # a lasting difference between villages
                users = int(hh * share)
                users_all, hh_all = users_all + users, hh_all + hh
                add("smartphone_rate", round(100 * users / hh, 1), users, hh, scope=f"village:{village.id}")
            add("smartphone_rate", round(100 * users_all / hh_all, 1), users_all, hh_all)
        # weekly dossiers (ISO weeks)
        d = date(FIRST_MONTH[0], FIRST_MONTH[1], 1)
        d -= timedelta(days=d.weekday())
        while True:
            end = d + timedelta(days=7)
            gen = int(datetime(end.year, end.month, end.day, 9, 0, tzinfo=_TZ7).timestamp())
            if gen > now_t:
                break
            iso = d.isocalendar()
            key = iso[0] * 60 + iso[1]
            received = 12 + int(14 * self._u(30, key))
            on_time = received - int(2.5 * self._u(31, key))
            period = f"{iso[0]:04d}-W{iso[1]:02d}"
            out.append((gen, {"indicator": "dossiers_received", "scope": self.scope, "period": period,
                              "value": received, "numerator": None, "denominator": None, "note": None}))
            out.append((gen, {"indicator": "dossier_on_time_rate", "scope": self.scope, "period": period,
                              "value": round(100 * on_time / received, 1), "numerator": on_time,
                              "denominator": received, "note": None}))
            d = end
        return out

    def since(self, updated_since: int | None, now_t: int) -> list[dict]:
        return [row for gen, row in self.rows(now_t) if updated_since is None or gen >= updated_since]

    def json(self, updated_since: int | None, now_t: int) -> dict:
        return {"source": "mot_cua_xa", "generated_at": datetime.fromtimestamp(now_t, _TZ7).isoformat(),
                "simulated": True, "values": self.since(updated_since, now_t)}

    def csv(self, updated_since: int | None, now_t: int) -> bytes:
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        for row in self.since(updated_since, now_t):
            w.writerow({k: csv_cell(row[k]) for k in COLUMNS})   # text starting = + - @ never a formula
        return buf.getvalue().encode("utf-8-sig")

    def xlsx(self, updated_since: int | None, now_t: int) -> bytes:
        from openpyxl import Workbook
        wb = Workbook()
        ws = wb.active
        ws.title = "indicators"
        ws.append(COLUMNS)
        for row in self.since(updated_since, now_t):
            ws.append([None if row[k] is None else csv_cell(row[k]) for k in COLUMNS])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


