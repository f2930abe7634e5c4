"""Pydantic v2 models generated from specs/ by datamodel-code-generator."""
