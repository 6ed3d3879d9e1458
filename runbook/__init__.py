"""Runbooks: YAML decision trees (symptom → cause → technique → fix) and their loader."""
from .loader import load_builtin, load_default, load_path, loads
from .model import Edge, Node, Runbook

__all__ = ["Edge", "Node", "Runbook", "load_builtin", "load_default", "load_path", "loads"]
