"""Open311 GeoReport v2 scene reports, simulated: a weekday rhythm, the commune's categories and
villages, realistic handling (most within the deadline, some late, a few open for long), Vietnamese
descriptions, FixMyStreet-style status updates."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta, timezone

import numpy as np

from core.site import Site
from simulator import noise

LOCAL = 7 * 3600
DAY = 86400
_TZ7 = timezone(timedelta(hours=7))
TEXTS = {
    "giao_thong": ["Ổ gà lớn trên đường liên thôn", "Cây đổ chắn đường sau mưa", "Biển báo giao thông bị gãy",
                   "Đường bê tông nứt, sụt lún", "Xe tải chở cát làm rơi vãi đất đá"],
    "moi_truong": ["Rác thải đổ trộm bên bờ kênh", "Mùi hôi từ ao nuôi bỏ hoang", "Đốt rơm rạ gây khói",
                   "Nước thải chảy ra đường", "Xác động vật trôi trên sông"],
    "an_ninh_trat_tu": ["Tụ tập gây ồn ào ban đêm", "Nghi vấn trộm cắp vặt", "Đua xe máy trên đường đê"],
    "dien_chieu_sang": ["Đèn đường không sáng", "Dây điện võng thấp nguy hiểm", "Cột điện nghiêng"],
    "thuy_loi": ["Cống thoát nước bị tắc", "Bờ kênh sạt lở", "Ngập úng cục bộ sau mưa lớn"],
    "dat_dai_xay_dung": ["Xây dựng lấn chiếm hành lang đường", "Tranh chấp ranh giới đất"],
    "thu_tuc_hanh_chinh": ["Hỏi thủ tục đăng ký khai sinh trực tuyến", "Chậm trả kết quả hồ sơ đất đai"],
    "y_te_xa_hoi": ["Đề nghị hỗ trợ hộ nghèo sửa nhà", "Phun thuốc phòng sốt xuất huyết"],
}


def iso7(t: float) -> str:
    return datetime.fromtimestamp(int(t), _TZ7).isoformat()


def office_hours(t: int, u: float) -> int:
    """t moved to the next office moment (Monday–Friday 07:30–17:00 local) when it falls outside one."""
    local = datetime.fromtimestamp(t, _TZ7)
    minutes = local.hour * 60 + local.minute
    if local.weekday() < 5 and 450 <= minutes < 1020:
        return t
    day = local.date() + timedelta(days=1 if minutes >= 1020 else 0)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    opening = datetime(day.year, day.month, day.day, 7, 30, tzinfo=_TZ7) + timedelta(minutes=int(480 * u))
    return int(opening.timestamp())


class Open311:
    def __init__(self, site: Site, seed: int):
        self.seed, self.site = seed, site
        # request ids begin with the commune's initials (quang_tho: "QT-"), so communes never share one
        self.prefix = "".join(w[0] for w in site.commune.id.split("_") if w).upper()
        self.services = site.services
        self.villages = site.villages

    def _day(self, day: int) -> list[dict]:
        """All requests filed on local day `day` (days since epoch, local), with their full future."""
        weekday = (day + 3) % 7
        lam = 3.4 if weekday < 5 else (1.6 if weekday == 5 else 0.8)
        n = int(noise.poisson(self.seed, 60_000, [day], lam)[0])
        out = []
        for j in range(n):
            idx = day * 32 + j
            u = noise.uniform(self.seed, 61_000, np.arange(idx * 12, idx * 12 + 12))
            svc = self.services[int(u[0] * len(self.services))]
            vil = self.villages[int(u[1] * len(self.villages))]
            requested = day * DAY - LOCAL + 7 * 3600 + int(u[2] * 12 * 3600)
            # the commune assigns a report in office hours: one filed on Friday evening waits for Monday,
            # so at any moment some reports are still "Mới tiếp nhận" (not yet assigned)
            first = office_hours(requested + int((0.15 + 2.5 * u[3] ** 2) * DAY), u[3])
            days_to_fix = svc.deadline_working_days * (0.25 + 1.1 * u[4] ** 1.5)
            closed = max(requested + int(days_to_fix * 1.4 * DAY), first + 3600) if u[5] > 0.04 else None
            texts = TEXTS.get(svc.code, ["Phản ánh của người dân"])
            desc = unicodedata.normalize("NFC", f"{texts[int(u[6] * len(texts))]} tại {vil.name}")
            has_loc = u[7] > 0.1
            lat = vil.center[0] + (u[8] - 0.5) * 0.008
            lon = vil.center[1] + (u[9] - 0.5) * 0.009
            updates = [(first, "INVESTIGATING", "Đã tiếp nhận, giao cán bộ kiểm tra")]
            if closed is not None:
                mid = first + (closed - first) // 2
                if mid > first + 3600:
                    updates.append((mid, "IN_PROGRESS", "Đang xử lý"))
                final = "DUPLICATE" if u[10] < 0.03 else ("FIXED" if u[10] < 0.7 else "CLOSED")
                updates.append((closed, final, "Đã xử lý xong" if final != "DUPLICATE" else "Trùng phản ánh trước"))
            rid = f"{self.prefix}-{datetime.fromtimestamp(requested, _TZ7):%Y%m%d}-{j + 1:02d}"
            out.append({"id": rid, "svc": svc, "village": vil, "requested": requested, "closed": closed,
                        "updates": updates, "desc": desc, "lat": lat if has_loc else None,
                        "lon": lon if has_loc else None, "photo": u[11] > 0.6,
                        "expected": requested + int(svc.deadline_working_days * 1.4 * DAY)})
        return out

    def _days(self, start: int, end: int) -> list[dict]:
        d0, d1 = (start + LOCAL) // DAY, (end + LOCAL) // DAY
        return [r for d in range(d0, d1 + 1) for r in self._day(d) if start <= r["requested"] < end]

    def render(self, r: dict, now: int, base: str) -> dict:
        done = [u for u in r["updates"] if u[0] <= now]
        closed = r["closed"] is not None and r["closed"] <= now
        last = done[-1] if done else None
        return {"service_request_id": r["id"], "status": "closed" if closed else "open",
                "status_notes": last[2] if last else None, "service_name": r["svc"].name,
                "service_code": r["svc"].code, "description": r["desc"], "agency_responsible": self.site.report.issuer,
                "service_notice": None, "requested_datetime": iso7(r["requested"]),
                "updated_datetime": iso7(last[0]) if last else iso7(r["requested"]),
                "expected_datetime": iso7(r["expected"]), "address": r["village"].name,
                "address_id": None, "zipcode": None, "lat": r["lat"], "long": r["lon"],
                "media_url": f"{base}/media/{r['id']}.svg" if r["photo"] else None}

    def requests(self, start: int, end: int, now: int, base: str) -> list[dict]:
        return [self.render(r, now, base) for r in self._days(start, min(end, now + 1)) if r["requested"] <= now]

    def by_ids(self, ids: list[str], now: int, base: str) -> list[dict]:
        out = []
        for rid in ids:
            try:
                day_local = datetime.strptime(rid.split("-")[1], "%Y%m%d").replace(tzinfo=_TZ7)
            except (IndexError, ValueError):
                continue
            d0 = int(day_local.timestamp())
            out += [self.render(r, now, base) for r in self._days(d0, d0 + DAY)
                    if r["id"] == rid and r["requested"] <= now]
        return out

    def updates(self, start: int, end: int, now: int) -> list[dict]:
        """FixMyStreet servicerequestupdates in [start, end): looks back 120 days for their requests."""
        out = []
        for r in self._days(start - 120 * DAY, min(end, now + 1)):
            for i, (t, status, text) in enumerate(r["updates"]):
                if start <= t < end and t <= now:
                    out.append({"update_id": f"{r['id']}-u{i + 1}", "service_request_id": r["id"],
                                "status": status, "updated_datetime": iso7(t), "description": text,
                                "media_url": None})
        out.sort(key=lambda x: x["updated_datetime"])
        return out
