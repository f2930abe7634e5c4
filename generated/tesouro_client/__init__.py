"""A client library for accessing Tesouro FinOps API - access tokens and mailbox domains"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
