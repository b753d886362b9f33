"""Identity numbers never reach the log file (RULES.md §6: data minimisation).

`CccdMaskFilter` is installed on the log handlers (a handler's filter sees the records
of every logger, a logger's only its own): it masks 12-digit CCCD numbers and 9-digit
old CMND numbers in the message, its arguments, an exception's text and a stack, keeping
the first and last digits so a technician can still tell two people apart:
`079123456712` → `0791******12`, `225123489` → `225****89`. Other numbers of exactly
those lengths are masked too: in a log, a false alarm costs nothing.
"""

from __future__ import annotations

import logging
import re

_CCCD = re.compile(r"(?<!\d)(\d{4})\d{6}(\d{2})(?!\d)")
_CMND = re.compile(r"(?<!\d)(\d{3})\d{4}(\d{2})(?!\d)")
_FORMATTER = logging.Formatter()


def mask_ids(text: str) -> str:
    """`text` with every CCCD/CMND-shaped number masked."""
    text = _CCCD.sub(r"\1******\2", text)
    return _CMND.sub(r"\1****\2", text)


class CccdMaskFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it for logging to report
            return True
        record.msg, record.args = mask_ids(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_ids(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_ids(record.stack_info)
        return True


def install(handler: logging.Handler) -> logging.Handler:
    """Add the mask to a handler (once); returns the handler."""
    if not any(isinstance(f, CccdMaskFilter) for f in handler.filters):
        handler.addFilter(CccdMaskFilter())
    return handler
