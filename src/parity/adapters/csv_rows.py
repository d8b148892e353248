"""Read an uploaded CSV file into numbered rows, refusing what is not a sane CSV."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from parity.domain.errors import InvalidInput

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000


@dataclass(frozen=True)
class CsvRow:
    """One record: its values keyed by column, the file line it ended on, the values past
    the header's last column (`extra`), and whether it had fewer values than the header
    has columns (`short`; the missing ones read as empty)."""

    line: int
    values: dict[str, str]
    extra: tuple[str, ...] = ()
    short: bool = False


def read_rows(source: Path | bytes, required: tuple[str, ...]) -> list[CsvRow]:
    """Rows keyed by header, with the file line each came from; whole-file problems raise."""
    # A file's size is checked before it is read, so a huge file costs no memory.
    size = source.stat().st_size if isinstance(source, Path) else len(source)
    if size > MAX_BYTES:
        raise InvalidInput(f"the file is {size:,} bytes; the limit is {MAX_BYTES:,}")
    raw = source.read_bytes() if isinstance(source, Path) else source
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"the file is not UTF-8 text (byte {error.start})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    header = [h.strip() for h in reader.fieldnames or []]
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:  # a second column of one name would silently replace the first's values
        raise InvalidInput(f"line 1: column(s) {', '.join(twice)} named twice in the header")
    missing = [column for column in required if column not in header]
    if missing:
        raise InvalidInput(
            f"line 1: missing column(s) {', '.join(missing)}; the header is {header}"
        )
    rows: list[CsvRow] = []
    try:
        for record in reader:
            if len(rows) >= MAX_ROWS:
                raise InvalidInput(f"more than {MAX_ROWS:,} rows; split the file")
            extra = tuple(record.pop(None, None) or ())
            short = any(value is None for value in record.values())
            values = {k.strip(): (v or "").strip() for k, v in record.items()}
            rows.append(CsvRow(reader.line_num, values, extra, short))
    except csv.Error as error:
        raise InvalidInput(f"line {reader.line_num}: {error}") from None
    if not rows:
        raise InvalidInput("the file has a header but no rows")
    return rows
