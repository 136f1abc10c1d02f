"""Uvicorn's access log written by a thread of its own: the event loop only queues each record.

Uvicorn formats and writes every access line to stdout on the event loop, inside the response, a blocking
write that a slow console reader turns into a stall of every request (and under load ~10% of the loop's
time per acknowledgement, `benchmarks/intake_latency.py`). `offload_access_log` puts a queue in front of
the handlers uvicorn configured on `uvicorn.access`; one thread hands the records to those same handlers,
so the lines, their format and their stream are unchanged (logging-and-viewer.md: the access log goes to
the console only).
"""

import logging
import queue
from logging.handlers import QueueHandler, QueueListener

ACCESS_LOGGER_NAME = "uvicorn.access"


class _RecordQueueHandler(QueueHandler):
    """Queues the record as it is: uvicorn's access formatter reads `record.args`, which the standard
    `QueueHandler.prepare` would merge into the message and drop."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record


def offload_access_log() -> QueueListener:
    """Move the access logger's handlers behind a queue and a writer thread; `stop()` the returned
    listener at shutdown to write what is still queued. Call after uvicorn configured its logging."""
    logger = logging.getLogger(ACCESS_LOGGER_NAME)
    handlers = list(logger.handlers)
    records: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    listener = QueueListener(records, *handlers, respect_handler_level=True)
    for handler in handlers:
        logger.removeHandler(handler)
    logger.addHandler(_RecordQueueHandler(records))
    listener.start()
    return listener
