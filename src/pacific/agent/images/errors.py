"""Errors of the image store, worded as kubelet shows them in events.

    ImageError
    ├── InvalidReference      the name does not parse        (kubelet: InvalidImageName)
    ├── ImageNotPresent       not in the local store         (ErrImageNeverPull under Never)
    ├── ImageNotFound         the registry has no such name or tag
    ├── Unauthorized          the registry refused our credentials (or their absence)
    ├── RegistryUnreachable   connection refused, DNS, TLS, timeouts, 5xx
    ├── NotAnImage            the content is not an OCI/Docker image (media type, JSON,
    │                         no linux/amd64 entry, a layer that is no tar, a bad archive)
    └── DigestMismatch        content does not hash to the digest it was asked for

Pulled content failures carry the reference and read like containerd's text behind
kubelet's `Failed to pull image "x": ...` event, e.g.
`failed to pull and unpack image "docker.io/library/nope:latest": failed to resolve reference
"docker.io/library/nope:latest": docker.io/library/nope:latest: not found`.
`reason` is the kubelet waiting reason the agent reports for the error.
Third-party exceptions (httpx, tarfile, json) never leave this package untranslated.
"""

from __future__ import annotations


class ImageError(Exception):
    reason = "ErrImagePull"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class InvalidReference(ImageError):
    reason = "InvalidImageName"

    def __init__(self, reference: str, detail: str = "invalid reference format") -> None:
        self.reference = reference
        super().__init__(f'couldn\'t parse image name "{reference}": {detail}')


class ImageNotPresent(ImageError):
    reason = "ErrImageNeverPull"

    def __init__(self, reference: str, *, never_pull: bool = False) -> None:
        self.reference = reference
        super().__init__(
            f'Container image "{reference}" is not present with pull policy of Never'
            if never_pull
            else f"image {reference!r} is not present on this host"
        )


class PullError(ImageError):
    """A failure while fetching or unpacking `reference` (None for a local archive)."""

    def __init__(self, reference: str | None, detail: str, *, resolving: bool = False) -> None:
        self.reference = reference
        self.detail = detail
        if reference is None:
            text = detail
        elif resolving:
            text = (
                f'failed to pull and unpack image "{reference}": '
                f'failed to resolve reference "{reference}": {detail}'
            )
        else:
            text = f'failed to pull and unpack image "{reference}": {detail}'
        super().__init__(text)


class ImageNotFound(PullError):
    def __init__(self, reference: str) -> None:
        super().__init__(reference, f"{reference}: not found", resolving=True)


class Unauthorized(PullError):
    def __init__(self, reference: str, detail: str) -> None:
        super().__init__(
            reference,
            "pull access denied, repository does not exist or may require authorization: " + detail,
            resolving=True,
        )


class RegistryUnreachable(PullError):
    def __init__(self, reference: str, detail: str) -> None:
        super().__init__(reference, detail, resolving=True)


class NotAnImage(PullError):
    pass


class DigestMismatch(PullError):
    def __init__(self, reference: str | None, expected: str, actual: str) -> None:
        self.expected = expected
        self.actual = actual
        super().__init__(
            reference,
            f'failed commit on ref "{expected}": unexpected commit digest {actual}, '
            f"expected {expected}: failed precondition",
        )
