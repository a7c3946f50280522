#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Build (once) and cache a foreign-architecture Debian root that serves both to build vfio-guard under
# qemu-user (binfmt) and to boot it: build dependencies, busybox-static and that architecture's kernel.
# Multiarch -dev packages do not co-install beside the native ones on Debian 12 (DESIGN.md section 6),
# hence a whole emulated root.
# Usage: mkroot.sh ARCH CACHE_DIR      (ARCH: arm64 | ppc64el). Prints the root's path.
set -eu

arch=$1
cache=$2
root=$cache/root-$arch

case $arch in
arm64)   kernel=linux-image-arm64;        qemu_user=qemu-aarch64 ;;
ppc64el) kernel=linux-image-powerpc64le;  qemu_user=qemu-ppc64le ;;
*) echo "mkroot: unsupported architecture $arch" >&2; exit 2 ;;
esac

if [ -f "$root/.complete" ]; then
        echo "$root"
        exit 0
fi

for tool in mmdebstrap update-binfmts arch-test; do
        command -v $tool >/dev/null || { echo "mkroot: $tool missing (tests/install-deps)" >&2; exit 77; }
done
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
        mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
[ -e /proc/sys/fs/binfmt_misc/$qemu_user ] || update-binfmts --enable $qemu_user

# The main suite only: mmdebstrap adds the security suite for a stable release and aborts when that index is
# mid-sync (seen for ppc64el). The host's own mirror is used.
mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

rm -rf "$root.tmp"
mkdir -p "$cache"
# update-initramfs is diverted to true before the kernel is installed: its mkinitramfs would copy thousands
# of modules one process at a time under emulation (over 20 minutes seen here), and the VM boots a busybox
# initramfs of its own. Documentation is left out for the same reason.
mmdebstrap --arch="$arch" --variant=buildd ${MKROOT_VERBOSE:+--verbose} \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/man/*' \
        --dpkgopt='path-exclude=/usr/share/locale/*' \
        --essential-hook='chroot "$1" dpkg-divert --local --rename --add /usr/sbin/update-initramfs && ln -sf /bin/true "$1/usr/sbin/update-initramfs"' \
        --include=meson,ninja-build,pkg-config,libsystemd-dev,libudev-dev,libpci-dev,libfdt-dev,libinih-dev,libjson-c-dev,check,device-tree-compiler,busybox-static,kmod,$kernel \
        bookworm "$root.tmp" "deb $mirror bookworm main" >&2
touch "$root.tmp/.complete"
rm -rf "$root"
mv "$root.tmp" "$root"
echo "$root"
