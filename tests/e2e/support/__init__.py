"""Helpers for the robustness end-to-end tests: LSP sessions and a raw JSON-RPC pipe."""

from __future__ import annotations
