"""The MCP library's logger: its name, and the filter that drops noise from clients that went away."""

import logging

MCP_LIBRARY_LOGGER = "mcp.server.streamable_http"


class DisconnectedClientFilter(logging.Filter):
    """Drops "Error in message router" records caused by a client that went away."""

    def filter(self, record: logging.LogRecord) -> bool:
        """False for router errors whose exception is a ``ClosedResourceError``."""
        if "Error in message router" not in record.getMessage() or record.exc_info is None:
            return True
        error = record.exc_info[1]
        return type(error).__name__ != "ClosedResourceError"


def install_mcp_log_filter() -> DisconnectedClientFilter:
    """Attach ``DisconnectedClientFilter`` to the MCP library logger (its file is set up by the logging runtime)."""
    log_filter = DisconnectedClientFilter()
    logging.getLogger(MCP_LIBRARY_LOGGER).addFilter(log_filter)
    return log_filter
