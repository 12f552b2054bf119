"""The microVM runtime: every pod in its own QEMU `-M microvm` VM. First part: the guest.

What is inside the guest, and why
---------------------------------
Pacific builds its guest itself, from Debian packages only, with `build_guest()` (wired to
`pacific guest build`); both artifacts are cached by content hash and rebuilt only when an
input changes.

Kernel (`kernel-<key>/vmlinux`, from `linux-source-6.1`):
  `make tinyconfig` plus the fragment in `kernelconfig.FRAGMENT`, everything built in (no
  modules, so no module loading at boot and no kernel files in the image). It is kept as the
  uncompressed ELF `vmlinux`: QEMU enters it at its PVH note, skipping the bzImage
  decompressor, which alone costs ~3 s under software emulation. What it has: 64-bit SMP,
  PVH + KVM guest support (kvmclock), no ACPI (interrupts via the MP table; QEMU names the
  virtio-mmio devices on the command line), a 8250 serial console, initramfs, devtmpfs,
  virtio-mmio with blk, net, console (virtio-serial), rng, vsock, 9p and virtio-fs, ext4 and
  overlayfs (container root filesystems), namespaces and cgroups (containers inside the VM),
  and the syscalls a real userland needs that tinyconfig leaves out (futex, epoll, ...).
  Each option carries its reason in `kernelconfig.py`.

Image (`initramfs-<key>.cpio`, from `busybox-static`):
  an uncompressed newc cpio (no decompression at boot) with `/bin/busybox` and a symlink per
  applet, `/dev/console` and `/dev/null` nodes, and `/init`: a short busybox shell script
  that mounts proc, sysfs, devtmpfs, devpts and tmpfs, finds the virtio-serial port named
  `pacific.agent`, prints `pacific-guest-ready agent=/dev/vportNpM` on the console, writes
  `pacific-guest-ready` on the port, and waits. The guest agent will take over from there.

Modules
-------
- `kernelconfig`  the kernel config fragment as data; rendering and checking (pure)
- `initramfs`     newc cpio writer and the guest image's contents (pure)
- `guest`         build orchestration: inputs -> content hash -> cache entry
- `qemu_argv`     QEMU argv for microvm, PVH direct boot, KVM or TCG (pure)
- `qmp`           minimal QMP client
- `boot`          start a microVM, wait for its ready line, quit it via QMP
- `accel`         KVM-or-TCG probe (boots the guest once under KVM, caches the answer)
- `errors`        the package's error tree
"""
