"""htag's log on the server console.

Logger "htag". INFO: sessions created, established, expired, evicted, discarded;
connections opened and closed; refusals with their reason (WARNING). ERROR: a failing
callback, with its traceback, whatever `debug` is. DEBUG: every message received,
every reply sent and how long each callback took.
"""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("htag")

FORMAT = "%(asctime)s htag %(levelname)s %(message)s"


def show_logs(level: int | str = logging.INFO) -> bool:
    """Shows htag's log at `level` and above on stderr, unless the application set up
    logging itself (a handler on the root or "htag" logger, or a level for "htag").
    Returns whether it did."""
    if logging.getLogger().handlers or logger.handlers or logger.level != logging.NOTSET:
        return False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level.upper() if isinstance(level, str) else level)
    return True
