"""The Fiks platform's services as catalogue entries, from ``solutions/data/fiks-tjenester.csv``.

The file is a copy of ``shared/data/fiks-tjenester.csv`` (KS' developer documentation, each row
naming the page and commit it was read from; see docs/data-sources.md). Two columns are mapped:
``type`` onto the catalogue's kinds (TYPE_KINDS) and the status note ``merknad`` onto a
lifecycle (LIFECYCLE_NOTES: only what the page itself says; no note means in production, a
note that leaves the status open leaves it unstated). Loading is idempotent by slug.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.access import require
from core.services import assign, history_save
from register.models import Organisation, OrganisationKind

from .models import Lifecycle, Solution, SolutionKind, SolutionLink
from .services import solution_slug

FIKS_FILE = Path(__file__).resolve().parent / "data" / "fiks-tjenester.csv"
COLUMNS = ["tjeneste", "type", "beskrivelse", "grensesnitt", "merknad", "kilde"]
TYPE_KINDS = {
    "meldingsformidling": SolutionKind.SERVICE,  # SvarUt, SvarInn, eDialog
    "tjeneste": SolutionKind.SERVICE,
    "portal": SolutionKind.SERVICE,  # Min side
    "registertjeneste": SolutionKind.SERVICE,  # look-ups in national registers via Fiks
    "meldingskanal": SolutionKind.COMPONENT,  # Fiks IO
    "felleskomponent": SolutionKind.COMPONENT,
    "tjenestegruppe": SolutionKind.COMPONENT,  # Fiks Protokoll: the environment for protocols
    "administrasjon": SolutionKind.COMPONENT,  # Fiks Konfigurasjon
    "protokoll": SolutionKind.STANDARD,  # message specifications over Fiks IO
}
# Status notes (substring of ``merknad``, lower case) → lifecycle. First match wins.
LIFECYCLE_NOTES = [
    ("under utvikling/testing/pilotering", Lifecycle.PILOT),
    ("under arbeid", Lifecycle.PLANNED),
    ("mvp planlagt", Lifecycle.PLANNED),
    ("status ikke oppgitt", ""),  # the page does not say: leave it unstated
]
SOURCE_REPO = "https://github.com/{repo}/blob/{commit}/{path}"


def lifecycle_of(note: str) -> str:
    lowered = note.lower()
    for words, lifecycle in LIFECYCLE_NOTES:
        if words in lowered:
            return lifecycle
    return Lifecycle.PRODUCTION


def source_links(kilde: str) -> list[tuple[str, str]]:
    """``repo:path@commit`` (several separated by " ; ") → (title, GitHub address) pairs."""
    links = []
    for part in (p.strip() for p in kilde.split(";")):
        if not part:
            continue
        repo, _sep, rest = part.partition(":")
        path, _sep, commit = rest.rpartition("@")
        links.append((_("Source: %(path)s") % {"path": path.rsplit("/", 1)[-1]},
                      SOURCE_REPO.format(repo=repo, commit=commit, path=quote(path))))
    return links


def load_fiks_catalogue(*, actor, data: str | None = None) -> dict[str, int]:
    """Create or update one catalogue entry per row; KS is the provider."""
    require(actor, "solutions.manage")
    text = FIKS_FILE.read_text(encoding="utf-8") if data is None else data
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != COLUMNS:
        raise ValidationError(_("line 1: expected the columns %(columns)s") % {
            "columns": ",".join(COLUMNS)})
    ks = Organisation.objects.filter(kind=OrganisationKind.KS).first()
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    existing = {s.slug: s for s in Solution.objects.all()}
    by_name = {s.name: s for s in existing.values()}
    with transaction.atomic():
        for line, row in enumerate(reader, start=2):
            if row["type"] not in TYPE_KINDS:
                raise ValidationError(_("line %(line)s, column type: unknown type %(type)r") % {
                    "line": line, "type": row["type"]})
            slug = solution_slug(row["tjeneste"])
            values = {"name": row["tjeneste"], "kind": TYPE_KINDS[row["type"]],
                      "lifecycle": lifecycle_of(row["merknad"]), "provider": ks,
                      "description": row["beskrivelse"], "interfaces": row["grensesnitt"],
                      "note": row["merknad"], "source": row["kilde"][:500]}
            # by name too: an entry loaded under an earlier address keeps it
            solution = existing.get(slug) or by_name.get(row["tjeneste"])
            if solution is None:
                solution = history_save(Solution(slug=slug, **values), actor=actor,
                                        reason="load fiks-tjenester.csv")
                counts["created"] += 1
            elif assign(solution, values, set(values)):
                history_save(solution, actor=actor, reason="load fiks-tjenester.csv")
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            known = set(solution.links.values_list("url", flat=True))
            for title, url in source_links(row["kilde"]):
                if url not in known:
                    history_save(SolutionLink(solution=solution, title=title, url=url),
                                 actor=actor, reason="load fiks-tjenester.csv")
    return counts
