"""Contains all the data models used in inputs/outputs"""

from .error import Error
from .subaccount_create_response import SubaccountCreateResponse
from .subaccount_delete_response import SubaccountDeleteResponse
from .subaccount_request import SubaccountRequest
from .subaccount_retrieve_response import SubaccountRetrieveResponse
from .subaccount_update_response import SubaccountUpdateResponse

__all__ = (
    "Error",
    "SubaccountCreateResponse",
    "SubaccountDeleteResponse",
    "SubaccountRequest",
    "SubaccountRetrieveResponse",
    "SubaccountUpdateResponse",
)
