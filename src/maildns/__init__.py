"""maildns: provision email sending domains and their DNS across Tesouro, TelecomX and CiiRUS.

The local sandbox lives in :mod:`maildns.sandbox` (install the ``sandbox`` extra); it is not
imported here, so ``import maildns`` never pulls in FastAPI or uvicorn.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
