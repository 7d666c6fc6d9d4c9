"""Flask routes of the reports package: panel exports and the archive's downloads.

Bad input answers 400 with one plain sentence in the viewer's language (cookie `lang`, or `?lang=`),
a browser failure 503 with a reference; never a 500 with a traceback."""
from __future__ import annotations

import logging
import re
import uuid

from flask import Blueprint, Response, abort, request, send_file

from auth.communes import allowed_communes, resolve_commune
from core.errors import BadParam
from core.i18n import norm_lang, t
from core.text import source_text
from queries import site
from reports import archive, images
from reports.tasks import export as export_panel   # on a Celery worker when a broker is set

log = logging.getLogger(__name__)
bp = Blueprint("reports", __name__)
_PANEL_ID = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


def viewer_lang() -> str:
    return norm_lang(request.args.get("lang") or request.cookies.get("lang"))


def _message(status: int, text: str) -> Response:
    return Response(text + "\n", status=status, mimetype="text/plain",
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


@bp.route("/export/<path:name>")
def export(name: str):
    lang = viewer_lang()
    panel_id, dot, fmt = name.rpartition(".")
    try:
        if not dot or not _PANEL_ID.match(panel_id):
            raise BadParam("error.unknown_panel", value=name[:60])
        query = {k: v for k, v in request.args.items() if k != "lang"}
        commune = resolve_commune(query.pop("commune", None) or query.pop("xa", None))
        query["commune"] = commune
        out = export_panel(panel_id, fmt.lower(), query, lang)
    except BadParam as err:
        values = {k: v if isinstance(v, (int, float)) else source_text(v, limit=60) for k, v in err.values.items()}
        return _message(400, t(err.key, lang, **values))
    except images.RenderError:
        ref = uuid.uuid4().hex[:8]
        log.exception("export %s failed %s", name[:80], ref)
        return _message(503, t("export.failed", lang, ref=ref))
    return Response(out.body, mimetype=out.mimetype, headers={
        "Content-Disposition": f'attachment; filename="{out.filename}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


def may_download(name: str) -> bool:
    """Is the archive file a report of a commune the viewer may see? (A name without a commune is the
    default commune's, as it was made before communes had their own reports.)"""
    part = archive.commune_of(name) or archive.name_part(site.default_commune() or "")
    return part in {archive.name_part(c) for c in allowed_communes()}


@bp.route("/reports/files/<name>")
def report_file(name: str):
    """A file of the archive: only names the archive made itself, only from its folder, only of a
    commune the viewer may see (another commune's report answers as if it did not exist)."""
    path = archive.file_path(name)
    if path is None or not may_download(name):
        abort(404)
    return send_file(path, as_attachment=True, download_name=path.name, max_age=0)


def install(server) -> None:
    server.register_blueprint(bp)
