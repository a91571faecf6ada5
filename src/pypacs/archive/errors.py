"""The archive's domain exceptions: what can go wrong, in words a user can act on.

Adapters map these to DICOM statuses and HTTP problems; the archive never knows about either.
"""


class ArchiveError(Exception):
    """Base of every error the archive reports to its callers."""


class InvalidObject(ArchiveError):
    """The object is not DICOM, is truncated, or lacks what the archive needs (UIDs, patient ID)."""


class NotOfDeclaredClass(InvalidObject):
    """The object's SOP Class UID is not the one its request declared (C-STORE Affected SOP Class UID)."""


class Conflict(ArchiveError):
    """The object contradicts what is stored (a duplicate under the reject policy, a study of another patient)."""


class NotFound(ArchiveError):
    """No stored entity has the requested UID."""


class NoArchive(ArchiveError):
    """There is no archive where the settings point (no index, or no data folder) and none was to be created."""


class InvalidQuery(ArchiveError):
    """A query identifier cannot be understood: bad level, bad value for a key's VR, bad sequence item."""


class StorageFull(ArchiveError):
    """The blob store or the index has no room left."""


class Refused(ArchiveError):
    """The archive declines the request (policy, permissions)."""
