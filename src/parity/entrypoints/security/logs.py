"""Log privacy, in one place: no log record of Parity, uvicorn, FastAPI, Starlette or
SQLAlchemy carries a member's name, birth date, phone or e-mail.

The app never logs record contents; what could still leak is what a request carries in its
address (`/Practitioner?name=…`, `?birthdate=…`) and free text in messages. So every record
of those loggers is scrubbed as it is made (a log record factory, so it holds whatever
handler — uvicorn's, a file, pytest's — receives it): query strings are dropped from access
lines, and e-mail addresses, phone numbers and ISO dates are masked. SQLAlchemy's statement
logger, which would print bound parameters, is held at WARNING.
"""

from __future__ import annotations

import logging
import re
from typing import Any

SCRUBBED = ("parity", "uvicorn", "fastapi", "starlette", "sqlalchemy")
EMAIL = re.compile(r"[\w.+%-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<![\w/-])\+?\d[\d ().-]{7,}\d(?![\w/-])")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
QUERY = re.compile(r"\?\S*")
_installed: dict[str, Any] = {}


def scrub(text: str) -> str:
    text = EMAIL.sub("[email]", text)
    text = DATE.sub("[date]", text)
    return PHONE.sub("[phone]", text)


def _access_args(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """uvicorn's access line: (client, method, path with query, http version, status)."""
    if len(args) == 5 and isinstance(args[2], str):
        return (args[0], args[1], args[2].split("?", 1)[0], args[3], args[4])
    return args


def _private(record: logging.LogRecord) -> logging.LogRecord:
    if not record.name.startswith(SCRUBBED):
        return record
    if record.name == "uvicorn.access" and isinstance(record.args, tuple):
        record.args = _access_args(record.args)
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    if record.name == "uvicorn.access":
        message = QUERY.sub("", message)
    if record.exc_info:  # the traceback is text too: scrub it with the message
        message += "\n" + logging.Formatter().formatException(record.exc_info)
        record.exc_info, record.exc_text = None, None
    record.msg, record.args = scrub(message), None
    return record


def install() -> None:
    """Scrub every record of the scrubbed loggers from now on (idempotent)."""
    if "factory" in _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return _private(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed["factory"] = factory
    logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
