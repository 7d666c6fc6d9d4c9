"""The weekly meeting in Chromium, as on a projector: the agenda walked with the arrow keys and
PageUp/PageDown, a decision added, the week's figures frozen, and next week's meeting opening with that
decision to follow up. Screenshots at 1920x1080 and 1366x768 (looked at before calling it done)."""
from datetime import timedelta

import pytest

from tests.browser.conftest import SHOTS, settle

pytestmark = pytest.mark.browser
STEPS = 8   # last week's decisions, five pillars, needs a decision, the record


def _active(page) -> str:
    return page.locator("section.mtg-screen.active").get_attribute("data-step")


def _key(page, key: str) -> None:
    page.keyboard.press(key)
    page.wait_for_timeout(150)
    settle(page)


def test_walk_decide_freeze_and_follow_up_next_week(page_for):
    from domain.weeks import last_full_week, week_label
    SHOTS.mkdir(parents=True, exist_ok=True)
    monday = last_full_week()
    page, watch = page_for("/meeting", width=1920, height=1080)
    assert page.locator("h1.mtg-title").inner_text().startswith("Giao ban tuần")
    assert _active(page) == "followup"
    page.screenshot(path=str(SHOTS / "meeting-0-followup-1920.png"))

    # the agenda, pillar by pillar, with the keys a presenter's clicker sends
    seen = [_active(page)]
    for _ in range(STEPS + 1):             # one press too many stays on the last screen
        _key(page, "ArrowRight")
        seen.append(_active(page))
        if seen[-1] == "government":
            cards = page.locator("section.mtg-screen.active .mtg-card")
            assert cards.count() == 4
            reports = page.locator("section.mtg-screen.active [data-panel='fb.reports_week']").inner_text()
            assert "Phản ánh tiếp nhận trong tuần" in reports and "so với tuần trước" in reports
            page.screenshot(path=str(SHOTS / "meeting-1-government-1920.png"))
        if seen[-1] == "environment":
            now_card = page.locator("section.mtg-screen.active [data-panel='env.aqi_now']").inner_text()
            assert "Hiện tại" in now_card and "không có số theo tuần" in now_card
            page.screenshot(path=str(SHOTS / "meeting-4-environment-1920.png"))
        if seen[-1] == "needs":
            assert page.locator("section.mtg-screen.active .mtg-needs-block").count() == 4
            page.screenshot(path=str(SHOTS / "meeting-6-needs-1920.png"))
    assert seen == ["followup", "government", "economy", "society", "environment", "security", "needs", "record",
                    "record", "record"]
    _key(page, "PageUp")
    assert _active(page) == "needs"
    _key(page, "ArrowLeft")
    assert _active(page) == "security"
    _key(page, "PageDown")
    _key(page, "ArrowRight")
    assert _active(page) == "record"

    # the record: a decision (with text that must stay text), then the figures frozen
    # the record is kept in the signed-in operator's name, not a typed one
    assert page.locator("#mtg-user").input_value() == "Nguyễn Văn An" and page.locator("#mtg-user").is_disabled()
    page.fill("#mtg-who", "Trưởng thôn 3")
    page.fill("#mtg-what", "Nạo vét kênh <b>trước</b> mùa lũ")
    page.keyboard.press("ArrowLeft")       # typing in a field does not walk the agenda
    assert _active(page) == "record"
    page.click("#mtg-add")
    page.locator("#mtg-added").wait_for()
    settle(page)
    table = page.locator("#mtg-decisions").inner_text()
    assert "Nạo vét kênh <b>trước</b> mùa lũ" in table and "Đang thực hiện" in table
    assert page.locator("#mtg-decisions b").count() == 0
    page.click("#mtg-freeze")
    page.locator("#mtg-froze").wait_for()
    settle(page)
    assert "đã chốt" in page.locator("#mtg-frozen-badge").inner_text().lower()
    assert page.locator("#mtg-freeze").is_disabled()
    page.screenshot(path=str(SHOTS / "meeting-7-record-1920.png"), full_page=True)
    assert not watch.errors, watch.errors

    # next week's meeting opens with it
    next_week = week_label(monday + timedelta(days=7))
    page, watch = page_for(f"/meeting?week={next_week}", width=1366, height=768)
    assert _active(page) == "followup"
    row = page.locator("#mtg-followup tr", has_text="Nạo vét kênh")
    assert "Trưởng thôn 3" in row.inner_text() and "Đang thực hiện" in row.inner_text()
    page.screenshot(path=str(SHOTS / "meeting-next-followup-1366.png"))
    row.get_by_role("button").click()
    page.wait_for_function("""() => [...document.querySelectorAll('#mtg-followup tr')]
        .some(r => r.innerText.includes('Nạo vét kênh') && r.querySelector('[data-state="done"]'))""", timeout=30000)
    settle(page)
    assert "Đã xong" in page.locator("#mtg-followup tr", has_text="Nạo vét kênh").inner_text()
    # the frozen week at 1366x768, each screen as projected
    page, watch2 = page_for(f"/meeting?week={week_label(monday)}", width=1366, height=768)
    assert "đã chốt" in page.locator("#mtg-frozen-badge").inner_text().lower()
    for n in range(STEPS):
        page.screenshot(path=str(SHOTS / f"meeting-{n}-{_active(page)}-1366.png"))
        _key(page, "ArrowRight")
    assert not watch.errors and not watch2.errors, watch.errors + watch2.errors


def test_the_meeting_in_english(page_for):
    page, watch = page_for("/meeting", width=1920, height=1080, lang="en")
    _key(page, "ArrowRight")
    text = page.locator("main").inner_text()
    assert "Weekly meeting" in text and "Digital government" in text and "vs last week" in text
    assert "Chính quyền số" not in text and "so với" not in text
    page.screenshot(path=str(SHOTS / "meeting-en-government-1920.png"))
    assert not watch.errors, watch.errors
