"""layouts/renderer_backport.py: the one-condition backport of plotly/dash#3934 applies to the installed
Dash's renderer, and to nothing else."""
from layouts import renderer_backport


def test_the_backport_applies_to_the_installed_renderer():
    source = renderer_backport.RENDERER.read_text(encoding="utf-8")
    body = renderer_backport.patched(source)
    assert body is not None, ("Dash's renderer changed: if this Dash carries plotly/dash#3934 (no "
                              "RESET_COMPONENT_STATE on a component's first render), remove layouts/renderer_backport.py; "
                              "otherwise find the two pieces again")
    assert body.count(renderer_backport.PATCHED_EFFECT) == 1 and renderer_backport.EFFECT not in body
    assert len(body) == len(source) + len("h.current>1&&")      # nothing else changed


def test_another_renderer_is_left_alone():
    assert renderer_backport.patched("console.log('another renderer')") is None
    twice = renderer_backport.COUNTER + renderer_backport.EFFECT * 2
    assert renderer_backport.patched(twice) is None
