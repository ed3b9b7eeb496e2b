"""Checking an uploaded case document before it is stored.

The type is decided by the file's content (magic bytes, via ``filetype``), never by its name
or the browser's claim; only the kinds of documents cases have are allowed. Office files are
ZIP archives: their expansion is bounded (total size and ratio) so a small upload cannot
unpack into gigabytes. File names are reduced to a safe base name.
"""

from __future__ import annotations

import hashlib
import io
import os
import unicodedata
import zipfile
from dataclasses import dataclass

import filetype
from django.core.exceptions import SuspiciousFileOperation, ValidationError
from django.core.files.base import ContentFile
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

MAX_SIZE = 20 * 1024 * 1024
MAX_EXPANDED = 100 * 1024 * 1024
MAX_RATIO = 100
MAX_ZIP_MEMBERS = 2_000

# content type → the extension the stored file gets
ALLOWED = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpg",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "text/plain": "txt",
    "text/csv": "csv",
}
ZIP_BASED = {"docx", "xlsx", "pptx", "odt", "ods"}


@dataclass(frozen=True)
class CheckedUpload:
    filename: str
    content_type: str
    size: int
    sha256: str
    file: ContentFile


def check_upload(upload) -> CheckedUpload:
    """Read and check ``upload`` (a Django UploadedFile); raise ValidationError on "file"."""
    if upload is None:
        raise ValidationError({"file": _("Choose a file.")})
    if upload.size is not None and upload.size > MAX_SIZE:
        raise ValidationError({"file": _("The file is larger than %(mb)s MB.")
                               % {"mb": MAX_SIZE // (1024 * 1024)}})
    data = upload.read(MAX_SIZE + 1)
    if len(data) > MAX_SIZE:
        raise ValidationError({"file": _("The file is larger than %(mb)s MB.")
                               % {"mb": MAX_SIZE // (1024 * 1024)}})
    if not data:
        raise ValidationError({"file": _("The file is empty.")})
    content_type = sniff(data, upload.name or "")
    if content_type not in ALLOWED:
        raise ValidationError({"file": _(
            "This kind of file is not accepted. Upload PDF, Word, Excel, PowerPoint, "
            "OpenDocument, PNG, JPEG, plain text or CSV.")})
    extension = ALLOWED[content_type]
    if extension in ZIP_BASED:
        _check_archive(data)
    return CheckedUpload(filename=safe_filename(upload.name or "", extension),
                         content_type=content_type, size=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), file=ContentFile(data))


def sniff(data: bytes, name: str) -> str | None:
    """The content type by magic bytes; text files (no magic) must decode as UTF-8."""
    kind = filetype.guess(data)
    if kind is not None:
        mime = kind.mime
        if mime == "application/zip":
            mime = _office_type(data)
        return mime
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if b"\x00" in data:
        return None
    return "text/csv" if name.lower().endswith(".csv") else "text/plain"


def _office_type(data: bytes) -> str | None:
    """A bare ZIP is accepted only when it is an Office or OpenDocument file."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mime = archive.read("mimetype").decode("ascii", "replace").strip()
                return mime if mime in ALLOWED else None
            for prefix, mime in (("word/", ALLOWED_BY_EXT["docx"]), ("xl/", ALLOWED_BY_EXT["xlsx"]),
                                 ("ppt/", ALLOWED_BY_EXT["pptx"])):
                if "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names):
                    return mime
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return None


ALLOWED_BY_EXT = {ext: mime for mime, ext in ALLOWED.items()}


def _check_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationError({"file": _("The file is damaged.")}) from None
    expanded = sum(member.file_size for member in members)
    if (len(members) > MAX_ZIP_MEMBERS or expanded > MAX_EXPANDED
            or expanded > MAX_RATIO * max(len(data), 1)):
        raise ValidationError({"file": _("The file unpacks to much more than its size and is "
                                         "refused.")})


def safe_filename(name: str, extension: str) -> str:
    """A plain base name with the extension that matches the content."""
    base = os.path.basename(name.replace("\\", "/"))
    base = unicodedata.normalize("NFC", base).rsplit(".", 1)[0]
    try:
        base = get_valid_filename(base.strip()) if base.strip() else ""
    except SuspiciousFileOperation:  # nothing usable left (only symbols or emoji)
        base = ""
    return f"{(base or 'dokument')[:150]}.{extension}"
