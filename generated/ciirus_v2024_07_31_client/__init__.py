"""A client library for accessing CiiRUS Partner API (v2024.07.31) - email subaccount"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
