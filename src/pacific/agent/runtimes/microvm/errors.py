"""Errors of the microVM runtime's guest build and boot.

```
MicroVMError
├── GuestBuildError      building the guest kernel or image failed (command, missing
│                        input, a kernel option Kconfig dropped)
└── BootError            a microVM did not come up: QEMU exited, a socket never appeared,
    │                    or the guest did not print its ready line in time
    └── QMPError         QEMU's monitor answered with an error or not at all
```

Host command failures (`pacific.host.HostError`) and OS errors are translated into these at
the point they happen, with the original chained as the cause.
"""

from __future__ import annotations

__all__ = ["BootError", "GuestBuildError", "MicroVMError", "QMPError"]


class MicroVMError(Exception):
    """Base of every microVM runtime error."""


class GuestBuildError(MicroVMError):
    """The guest kernel or guest image could not be built."""


class BootError(MicroVMError):
    """A microVM did not boot to its ready line."""


class QMPError(BootError):
    """QEMU's QMP monitor refused a command or closed the connection."""
