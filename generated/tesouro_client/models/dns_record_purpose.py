from enum import StrEnum


class DNSRecordPurpose(StrEnum):
    DKIM = "DKIM"
    SPF = "SPF"

    def __str__(self) -> str:
        return str(self.value)
