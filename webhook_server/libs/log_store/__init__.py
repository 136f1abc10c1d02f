"""Read side of the JSONL webhook logs (``webhooks_YYYY-MM-DD.json``) for the log viewer.

Modules: ``files`` (which files exist), ``reverse_reader`` (lines backwards in blocks), ``records``
(record → viewer entry), ``filters`` (query parameters → predicate), ``query`` (newest-first scans
with a budget), ``summary_index`` (hook id → summary location, exact record counts), ``tailer``
(follows the current day files written by another process), ``writer_feed`` (the records this
process's log writer appends, handed over as they are written), ``workflow_steps`` and ``pr_flow`` (response
shapes).
May import `utils/` only.
"""
