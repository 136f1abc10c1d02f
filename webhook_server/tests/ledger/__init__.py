"""Tests of the delivery ledger, the dispatcher and coalesced merge evaluations."""
