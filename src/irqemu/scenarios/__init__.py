"""Runnable experiments from the talk."""
