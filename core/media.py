"""Images from outside (camera snapshots) are served only when their first bytes say they are a raster
image we expect: JPEG, PNG or WebP. Never by the sender's Content-Type: an "image" that is SVG (or HTML)
carries script that would run on the dashboard's origin."""
from __future__ import annotations

MAX_SNAPSHOT_BYTES = 5_000_000   # a Frigate snapshot is a few hundred kilobytes


def raster_type(head: bytes) -> str | None:
    """The MIME type of a JPEG, PNG or WebP from its magic bytes, else None."""
    if head[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None
