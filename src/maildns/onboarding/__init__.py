"""Onboard sending domains end to end: plan, apply, verify (work in progress, issue 10).

The pieces so far are private modules: ``_spf`` (one SPF record per name: merging and counting
DNS lookups) and ``_config`` (the YAML configuration, every problem reported with its line).
"""
