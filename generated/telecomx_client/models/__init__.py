"""Contains all the data models used in inputs/outputs"""

from .dns import Dns
from .dns_check_response import DnsCheckResponse
from .dns_create_request import DnsCreateRequest
from .dns_list import DnsList
from .dns_list_item import DnsListItem
from .dns_record import DnsRecord
from .dns_record_create_request import DnsRecordCreateRequest
from .dns_record_update_request import DnsRecordUpdateRequest
from .dns_update_request import DnsUpdateRequest
from .error import Error
from .login_request import LoginRequest
from .login_response import LoginResponse
from .success_response import SuccessResponse

__all__ = (
    "Dns",
    "DnsCheckResponse",
    "DnsCreateRequest",
    "DnsList",
    "DnsListItem",
    "DnsRecord",
    "DnsRecordCreateRequest",
    "DnsRecordUpdateRequest",
    "DnsUpdateRequest",
    "Error",
    "LoginRequest",
    "LoginResponse",
    "SuccessResponse",
)
