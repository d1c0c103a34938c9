"""The package registry layer: static registry format, client, cache, lock file, resolution.

The server calls only non-blocking `RegistryClient.cached_*` methods from request handlers and
runs `RegistryClient.schedule_refresh` in the background. See docs/reference/registry.md.
"""

from __future__ import annotations

from server.registry.cache import Cache, CachedRef, CacheStatistics, VerifyReport
from server.registry.client import CachedIndex, CachedPackage, RegistryClient, RegistryHealth
from server.registry.config import (
    CacheConfig,
    RegistryConfig,
    RegistrySettings,
    default_cache_dir,
    load_registry_settings,
    parse_registry_settings,
)
from server.registry.errors import (
    ConstraintError,
    RegistryError,
    RegistryRejected,
    RegistryUnavailable,
    ResolutionError,
)
from server.registry.fetch import FetchEvent
from server.registry.lock import LOCK_FILE, LockedPackage, LockFile, read_lock, write_lock
from server.registry.model import (
    Constant,
    Exports,
    Function,
    Index,
    IndexEntry,
    PackageMetadata,
    Parameter,
    TypeExport,
    VersionEntry,
)
from server.registry.resolve import (
    ImportStatement,
    ImportSyntax,
    Problem,
    ResolvedImport,
    Resolver,
    scan_imports,
)
from server.registry.transport import FileTransport, HttpTransport, Response, Transport
from server.registry.version import Constraint, Version, parse_constraint, parse_version

__all__ = [
    "LOCK_FILE",
    "Cache",
    "CacheConfig",
    "CacheStatistics",
    "CachedIndex",
    "CachedPackage",
    "CachedRef",
    "Constant",
    "Constraint",
    "ConstraintError",
    "Exports",
    "FetchEvent",
    "FileTransport",
    "Function",
    "HttpTransport",
    "ImportStatement",
    "ImportSyntax",
    "Index",
    "IndexEntry",
    "LockFile",
    "LockedPackage",
    "PackageMetadata",
    "Parameter",
    "Problem",
    "RegistryClient",
    "RegistryConfig",
    "RegistryError",
    "RegistryHealth",
    "RegistryRejected",
    "RegistrySettings",
    "RegistryUnavailable",
    "ResolutionError",
    "ResolvedImport",
    "Resolver",
    "Response",
    "Transport",
    "TypeExport",
    "VerifyReport",
    "Version",
    "VersionEntry",
    "default_cache_dir",
    "load_registry_settings",
    "parse_constraint",
    "parse_registry_settings",
    "parse_version",
    "read_lock",
    "scan_imports",
    "write_lock",
]
