"""Tests of the delivery context, log formats, masking and the log writer."""
