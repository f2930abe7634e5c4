"""Contains all the data models used in inputs/outputs"""

from .access_token_request import AccessTokenRequest
from .access_token_response import AccessTokenResponse
from .dns_record import DNSRecord
from .dns_record_purpose import DNSRecordPurpose
from .dns_record_type import DNSRecordType
from .dns_records import DNSRecords
from .domain_list_response import DomainListResponse
from .domain_request import DomainRequest
from .domain_response import DomainResponse
from .domain_response_dns_records_type_1 import DomainResponseDnsRecordsType1
from .error_schema import ErrorSchema
from .error_schema_response import ErrorSchemaResponse
from .http_validation_error import HTTPValidationError
from .o_auth_error import OAuthError
from .rate_limit_error import RateLimitError
from .validation_error import ValidationError
from .verify_response import VerifyResponse

__all__ = (
    "AccessTokenRequest",
    "AccessTokenResponse",
    "DNSRecord",
    "DNSRecordPurpose",
    "DNSRecordType",
    "DNSRecords",
    "DomainListResponse",
    "DomainRequest",
    "DomainResponse",
    "DomainResponseDnsRecordsType1",
    "ErrorSchema",
    "ErrorSchemaResponse",
    "HTTPValidationError",
    "OAuthError",
    "RateLimitError",
    "ValidationError",
    "VerifyResponse",
)
