"""github-webhook-server: GitHub webhook intake and pull-request automation."""
