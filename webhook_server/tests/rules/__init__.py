"""Table tests for the pure rules in `webhook_server/libs/rules/`."""
