"""The Norwegian bokmål catalogue is complete, compiled, and used by the pages.

The .po file is parsed with a small parser (no gettext tools or extra packages needed); the
committed .mo is read with the standard library's ``gettext``.
"""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

LOCALE = Path(settings.BASE_DIR) / "locale"
PO = LOCALE / "nb" / "LC_MESSAGES" / "django.po"
MO = LOCALE / "nb" / "LC_MESSAGES" / "django.mo"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def where(self) -> str:
        return f"django.po line {self.line}: {self.msgid!r}"


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, the header (msgid "") included; obsolete (#~) entries left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    flags: set[str] = set()
    target: tuple[str, int | None] | None = None

    def append(key: str, index: int | None, text: str) -> None:
        if key == "msgstr":
            entry.msgstr[index or 0] = entry.msgstr.get(index or 0, "") + text
        else:
            setattr(entry, key, (getattr(entry, key) or "") + text)

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#,"):
            flags |= {flag.strip() for flag in line[2:].split(",")}
        elif not line or line.startswith("#"):
            continue
        elif line.startswith('"'):
            append(*target, ast.literal_eval(line))
        else:
            keyword, _, value = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            key, index = ("msgstr", int(match[1])) if match else (keyword, None)
            if key in ("msgctxt", "msgid") and (entry is None or entry.msgstr):
                entry = Entry(line=number, flags=flags)
                entries.append(entry)
                flags = set()
            assert key in ("msgctxt", "msgid", "msgid_plural", "msgstr"), f"line {number}: {raw}"
            target = (key, index)
            if key == "msgstr":
                entry.msgstr.setdefault(index or 0, "")
            append(key, index, ast.literal_eval(value))
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[Entry]:
    assert PO.exists(), f"{PO} is missing: run makemessages -l nb"
    return parse_po(PO)


def messages(catalogue):
    return [entry for entry in catalogue if entry.msgid]


def test_the_catalogue_has_a_header_for_norwegian_bokmal(catalogue):
    header = catalogue[0]
    assert header.msgid == "" and "fuzzy" not in header.flags
    assert "Language: nb\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header.msgstr[0]


def test_every_message_is_translated_and_none_is_fuzzy(catalogue):
    entries = messages(catalogue)
    assert len(entries) > 400  # sanity check of the parser: the UI has hundreds of strings
    fuzzy = [entry.where for entry in entries if "fuzzy" in entry.flags]
    untranslated = [entry.where for entry in entries
                    if not entry.msgstr or not all(entry.msgstr.values())]
    assert not fuzzy, "Fuzzy entries are ignored at runtime:\n" + "\n".join(fuzzy)
    assert not untranslated, "Untranslated entries:\n" + "\n".join(untranslated)


def test_plural_entries_have_both_norwegian_forms(catalogue):
    for entry in messages(catalogue):
        if entry.msgid_plural is not None:
            assert sorted(entry.msgstr) == [0, 1], entry.where


def test_translations_keep_every_placeholder(catalogue):
    """The singular keeps the msgid's placeholders, the plural the msgid_plural's ("Every
    month" / "Every %(count)s months" may drop the count in the singular only)."""
    for entry in messages(catalogue):
        for index, translation in entry.msgstr.items():
            source = entry.msgid_plural if index > 0 and entry.msgid_plural else entry.msgid
            expected = set(PLACEHOLDER.findall(source))
            assert set(PLACEHOLDER.findall(translation)) == expected, entry.where


def test_the_committed_mo_file_matches_the_po_file(catalogue):
    """A fresh machine needs no gettext: the compiled catalogue is committed and current."""
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for entry in messages(catalogue):
        if entry.msgctxt is not None:
            continue  # none today; pgettext would be the check
        if entry.msgid_plural is None:
            assert compiled.gettext(entry.msgid) == entry.msgstr[0], entry.where
        else:
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr[0]
            assert compiled.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr[1]


def test_the_front_page_is_in_norwegian(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    html = client.get(reverse("core:home")).content.decode()
    assert '<html lang="nb"' in html
    assert "Organisasjoner" in html
    assert "Hopp til hovedinnhold" in html


def test_the_front_page_is_norwegian_by_default(client, db):
    html = client.get(reverse("core:home")).content.decode()
    assert "Organisasjoner" in html and "Hopp til hovedinnhold" in html
    assert "Skip to main content" not in html
