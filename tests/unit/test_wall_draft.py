"""The walls editor's draft (core/wall_draft.py): form values land where they belong, buttons add, remove
and move, and anything the browser sends back is taken without a crash."""
from hypothesis import given
from hypothesis import strategies as st

from core import wall_draft
from core.settings import ROOT
from core.walls import WallsFile


def _draft():
    return wall_draft.from_text((ROOT / "sites" / "walls.yaml").read_text(encoding="utf-8"))


def test_the_shipped_file_becomes_a_draft_with_defaults_filled_in_and_saves_back_the_same():
    draft = _draft()
    slide = draft["walls"][0]["playlists"][1]["slides"][2]          # a cycle slide: no duration in the file
    assert slide["duration_s"] == 30 and slide["cycle"]["each_s"] == 20
    assert WallsFile.model_validate(wall_draft.for_saving(draft)) == \
        WallsFile.model_validate(wall_draft.for_saving(_draft()))


def test_form_values_land_in_their_place_and_empty_ones_fall_back_to_defaults():
    draft = _draft()
    wall_draft.set_field(draft, "0.1.0:duration_s", "40")
    wall_draft.set_field(draft, "0.1.0:filters.village", "thon_2")
    wall_draft.set_field(draft, "0.1.0:cycle.variable", "device")
    wall_draft.set_field(draft, "0.1.0:cycle.kind", "camera")
    wall_draft.set_field(draft, "0.1:hours.0", "6")
    wall_draft.set_field(draft, "0.1:hours.1", "22")
    wall_draft.set_field(draft, "0.1.1:title_en", "")
    wall_draft.set_field(draft, "0:sound", [])
    day = draft["walls"][0]["playlists"][1]
    assert day["slides"][0]["duration_s"] == 40 and day["slides"][0]["filters"]["village"] == "thon_2"
    assert day["slides"][0]["cycle"] == {"variable": "device", "kind": "camera", "each_s": 20}
    assert day["hours"] == [6, 22] and "title_en" not in day["slides"][1] and draft["walls"][0]["sound"] is False
    wall_draft.set_field(draft, "0.1.0:cycle.variable", "")
    wall_draft.set_field(draft, "0.1.0:kind", "page")
    assert day["slides"][0]["cycle"] is None and day["slides"][0]["page"] == "" and day["slides"][0]["panels"] == []
    wall_draft.set_field(draft, "9.9.9:duration_s", 5)                # an address that is not there: ignored
    wall_draft.set_field(draft, "nonsense", 5)


def test_buttons_add_remove_and_move_and_never_leave_a_list_empty():
    draft = _draft()
    slides = draft["walls"][0]["playlists"][1]["slides"]
    first, second = slides[0]["title_vi"], slides[1]["title_vi"]
    assert wall_draft.apply_action(draft, "slide-down", "0.1.0") == (0, 1)
    assert [s["title_vi"] for s in slides[:2]] == [second, first]
    wall_draft.apply_action(draft, "add-slide", "0.1.0")
    assert len(slides) == 8 and slides[1]["title_vi"] == "" and slides[1]["panels"] == []
    wall_draft.apply_action(draft, "remove-slide", "0.1.1")
    assert len(slides) == 7
    assert wall_draft.apply_action(draft, "add-playlist", "1") == (1, 1)
    assert draft["walls"][1]["playlists"][1]["name"] == "danh-sach"
    assert wall_draft.apply_action(draft, "add-wall", "") == (2, 0) and draft["walls"][2]["name"] == "man-hinh"
    wall_draft.apply_action(draft, "remove-wall", "2")
    wall_draft.apply_action(draft, "remove-wall", "1")
    wall_draft.apply_action(draft, "remove-wall", "0")                 # the last wall stays
    assert len(draft["walls"]) == 1
    one = draft["walls"][0]["playlists"][0]["slides"]
    while len(one) > 1:
        wall_draft.apply_action(draft, "remove-slide", "0.0.0")
    wall_draft.apply_action(draft, "remove-slide", "0.0.0")
    assert len(one) == 1


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=20),
       st.text(max_size=20), st.sampled_from(["add-slide", "remove-slide", "slide-up", "add-playlist", "remove-wall",
                                              "add-wall", "playlist-down", "bogus"]))
def test_anything_the_browser_sends_back_is_taken_without_a_crash(raw, at, act):
    draft = wall_draft.normalise(raw)
    wall_draft.set_field(draft, f"{at}:duration_s", raw)
    wall_draft.apply_action(draft, act, at)
    wall_draft.for_saving(draft)
