"""`offload_access_log`: uvicorn's access lines come out unchanged, written by a thread of their own."""

import io
import logging
import threading
from collections.abc import Iterator

import pytest
from uvicorn.logging import AccessFormatter

from webhook_server.utils.access_log import ACCESS_LOGGER_NAME, offload_access_log

ACCESS_FORMAT = '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s'  # uvicorn's default


class _ThreadNotingHandler(logging.StreamHandler[io.StringIO]):
    """uvicorn's console handler, noting which thread wrote each line."""

    def __init__(self, stream: io.StringIO) -> None:
        super().__init__(stream)
        self.threads: list[threading.Thread] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.threads.append(threading.current_thread())
        super().emit(record)


@pytest.fixture
def access_logger() -> Iterator[logging.Logger]:
    """The `uvicorn.access` logger, its handlers and level restored afterwards."""
    logger = logging.getLogger(ACCESS_LOGGER_NAME)
    saved = (list(logger.handlers), logger.level, logger.propagate)
    logger.handlers.clear()
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger
    logger.handlers[:], logger.level, logger.propagate = saved


def _log_like_uvicorn(logger: logging.Logger, path: str, status: int) -> None:
    logger.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "POST", path, "1.1", status)


def _console_handler(stream: io.StringIO) -> _ThreadNotingHandler:
    handler = _ThreadNotingHandler(stream)
    handler.setFormatter(AccessFormatter(ACCESS_FORMAT, use_colors=False))
    return handler


def test_access_lines_are_unchanged_and_written_off_the_calling_thread(access_logger: logging.Logger) -> None:
    direct = io.StringIO()
    access_logger.addHandler(_console_handler(direct))
    _log_like_uvicorn(access_logger, "/webhook_server", 200)
    access_logger.handlers.clear()

    offloaded = io.StringIO()
    handler = _console_handler(offloaded)
    access_logger.addHandler(handler)
    listener = offload_access_log()
    assert handler not in access_logger.handlers
    _log_like_uvicorn(access_logger, "/webhook_server", 200)
    _log_like_uvicorn(access_logger, "/webhook_server/healthcheck", 503)
    listener.stop()  # writes what is still queued

    assert direct.getvalue() == 'INFO:     127.0.0.1:5000 - "POST /webhook_server HTTP/1.1" 200 OK\n'
    assert offloaded.getvalue() == direct.getvalue() + (
        'INFO:     127.0.0.1:5000 - "POST /webhook_server/healthcheck HTTP/1.1" 503 Service Unavailable\n'
    )
    assert len(handler.threads) == 2
    assert threading.current_thread() not in handler.threads


def test_handler_levels_still_apply(access_logger: logging.Logger) -> None:
    stream = io.StringIO()
    handler = _console_handler(stream)
    handler.setLevel(logging.WARNING)
    access_logger.addHandler(handler)
    listener = offload_access_log()
    _log_like_uvicorn(access_logger, "/webhook_server", 200)
    listener.stop()
    assert stream.getvalue() == ""
