"""CSV cells safe to open in a spreadsheet, for every export (register, cases, charts).

Formula injection (OWASP "CSV Injection"): a cell whose text starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is prefixed with a single quote ``'`` so spreadsheet programs
show it as text instead of evaluating it. A reader that wants the original value strips one
leading ``'`` from a cell whose second character is one of those six (``unescape_cell``).
"""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str:
    """The cell's text, with a leading ``'`` when it could be read as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def unescape_cell(text: str) -> str:
    """The inverse of ``escape_cell`` (for round trips and re-imports)."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


class Echo:
    """A file-like object that hands back what is written: csv.writer then yields lines."""

    def write(self, value):
        return value
