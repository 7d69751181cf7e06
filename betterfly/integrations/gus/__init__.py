"""The GUS REGON database (BIR 1.1): company name and address by NIP."""

from .client import (
    PRODUCTION_URL,
    TEST_KEY,
    TEST_URL,
    GusClient,
    GusSearch,
    GusUnavailable,
    MemoryStore,
    mask_nip,
)
from .records import GusEntity

__all__ = [
    "PRODUCTION_URL",
    "TEST_KEY",
    "TEST_URL",
    "GusClient",
    "GusEntity",
    "GusSearch",
    "GusUnavailable",
    "MemoryStore",
    "mask_nip",
]
