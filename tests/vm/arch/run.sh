#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The guard on device-tree platforms: build vfio-guard for ARCH inside an emulated Debian root
# (qemu-user + binfmt; mkroot.sh), pack a busybox initramfs with the built programs and that root's kernel
# modules, boot QEMU (TCG) and run tests/vm/arch/guest-init inside:
#   arm64:   -M virt,iommu=smmuv3 -cpu cortex-a57, a bypassing and a translated virtio-net
#   ppc64el: -M pseries -cpu POWER9 -vga none, the same two NICs (vfio-pci probe fails on Debian's 6.1
#            pseries kernel: classification, device-tree context and pinning are what is tested there)
# Markers on the console (VMTEST-OK/-FAIL/-SHOW/-TIME, VMTEST-RESULT) as in tests/vm/vmrun.
# Usage: run.sh ARCH [SRCDIR]. Exit 0 pass, 1 fail, 77 skip. Timings go to stderr and to
# tests/vm/out/arch-ARCH.times; the console log to tests/vm/out/arch-ARCH.log.
set -euo pipefail

arch=$1
here=$(cd "$(dirname "$0")" && pwd)
src=${2:-$(cd "$here/../../.." && pwd)}
cache=${VFIO_GUARD_VM_CACHE:-$src/tests/vm/cache}
out=$src/tests/vm/out
mkdir -p "$cache" "$out"
times=$out/arch-$arch.times
: > "$times"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
say() { echo "arch-vm($arch): $*" >&2; }
record() { say "$1: $2 s"; echo "$1 $2" >> "$times"; }

case $arch in
arm64)
        qemu=qemu-system-aarch64
        modules="virtio_pci virtio_net arm_smmu_v3 vfio_pci vfio_iommu_type1"
        ;;
ppc64el)
        qemu=qemu-system-ppc64
        modules="virtio_pci virtio_net vfio_pci vfio_iommu_spapr_tce"
        ;;
*)
        say "unsupported architecture"; exit 2 ;;
esac

if [ "$(id -u)" != 0 ]; then
        say "needs root (chroot, binfmt)"; exit 77
fi
for tool in $qemu mmdebstrap cpio depmod; do
        command -v $tool >/dev/null || { say "$tool missing: run tests/install-deps"; exit 77; }
done

# 1. The emulated root (cached).
t=$(now)
fresh_root=no
[ -f "$cache/root-$arch/.complete" ] || fresh_root=yes
root=$("$here/mkroot.sh" "$arch" "$cache")
[ $fresh_root = yes ] && record root-cold "$(elapsed "$t")"

# 2. Build inside it. Sources are copied with their mtimes, so an unchanged tree rebuilds nothing.
cleanup_mounts() {
        for m in "$root/proc" "$root/dev"; do
                mountpoint -q "$m" && umount -l "$m" || true
        done
}
trap cleanup_mounts EXIT
t=$(now)
cold=no
[ -f "$root/build/build.ninja" ] || cold=yes
rm -rf "$root/src"
mkdir -p "$root/src"
tar -C "$src" --exclude='./build*' --exclude=./.git --exclude=./tests/vm/cache --exclude=./tests/vm/out \
        --exclude='./_build*' -cf - . | tar -C "$root/src" -xf -
mount --bind /proc "$root/proc"
mount --bind /dev "$root/dev"
if [ $cold = yes ]; then
        chroot "$root" meson setup /build /src -Dtests=disabled -Dumockdev=disabled -Dman=disabled \
                -Dbpf=disabled -Dvm_tests=false >"$out/arch-$arch.build.log" 2>&1 ||
                { cat "$out/arch-$arch.build.log" >&2; exit 1; }
fi
chroot "$root" ninja -C /build src/ctl/vfio-guardctl src/daemon/vfio-guardd >>"$out/arch-$arch.build.log" 2>&1 ||
        { tail -50 "$out/arch-$arch.build.log" >&2; exit 1; }
cleanup_mounts
record "build-$( [ $cold = yes ] && echo cold || echo warm)" "$(elapsed "$t")"

# 3. The initramfs: busybox, the two programs and their libraries, the kernel modules with their
#    dependencies, the guest script.
t=$(now)
kver=$(ls "$root/lib/modules" | sort -V | tail -1)
case $arch in
arm64) kernel=$root/boot/vmlinuz-$kver ;;
ppc64el) kernel=$root/boot/vmlinux-$kver ;;
esac
[ -f "$kernel" ] || { say "no kernel in $root/boot"; exit 1; }

ird=$(mktemp -d)
trap 'cleanup_mounts; rm -rf "$ird"' EXIT
mkdir -p "$ird"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc,lib/modules}
cp "$root/bin/busybox" "$ird/bin/busybox"
cp "$root/build/src/ctl/vfio-guardctl" "$ird/usr/bin/"
cp "$root/build/src/daemon/vfio-guardd" "$ird/usr/sbin/"
# Libraries as the foreign loader resolves them (ldd runs under qemu-user in the root).
for bin in /build/src/ctl/vfio-guardctl /build/src/daemon/vfio-guardd; do
        chroot "$root" ldd "$bin"
done | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }' | sort -u | while read -r lib; do
        # Links in the root may be absolute (/lib64/ld64.so.2 on ppc64el): resolve them inside it.
        real=$(chroot "$root" readlink -f "$lib")
        mkdir -p "$ird$(dirname "$lib")"
        cp "$root$real" "$ird$lib"
done
# Merged /usr: the loader path in the ELF header is /lib/…; keep both spellings working.
for d in lib lib64; do
        if [ -d "$ird/usr/$d" ]; then
                mkdir -p "$ird/$d"
                cp -a "$ird/usr/$d/." "$ird/$d/"
        fi
done

moddir=$root/lib/modules/$kver
mkdir -p "$ird/lib/modules/$kver"
cp "$moddir"/modules.order "$moddir"/modules.builtin* "$ird/lib/modules/$kver/" 2>/dev/null || true
want=$(for m in $modules; do echo "$m"; done)
# Closure over modules.dep (paths relative to the module directory).
closure() {
        awk -v want="$1" '
                BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) { gsub("-", "_", w[i]); need[w[i]] = 1 } }
                { path = $1; sub(":$", "", path); name = path; sub(".*/", "", name); sub("\\.ko.*$", "", name)
                  gsub("-", "_", name); dep[name] = ""; file[name] = path
                  for (i = 2; i <= NF; i++) { d = $i; sub(".*/", "", d); sub("\\.ko.*$", "", d); gsub("-", "_", d)
                                               dep[name] = dep[name] " " d } }
                END { changed = 1
                      while (changed) { changed = 0
                              for (m in need) { k = split(dep[m], ds, " ")
                                      for (i = 1; i <= k; i++) if (!(ds[i] in need)) { need[ds[i]] = 1; changed = 1 } } }
                      for (m in need) if (m in file) print file[m] }' "$moddir/modules.dep"
}
closure "$(echo $want)" | while read -r rel; do
        mkdir -p "$ird/lib/modules/$kver/$(dirname "$rel")"
        cp "$moddir/$rel" "$ird/lib/modules/$kver/$rel"
done
depmod -b "$ird" "$kver"
cp "$here/guest-init" "$ird/init"
chmod 755 "$ird/init"
cat > "$ird/etc/vmtest.conf" <<EOF
ARCH=$arch
MODULES="$modules"
EOF
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) > "$cache/initrd-$arch.gz"
record pack "$(elapsed "$t")"

# 4. Boot.
net="-netdev user,id=n0,restrict=on -device virtio-net-pci,netdev=n0,romfile=,addr=2.0
     -netdev user,id=n1,restrict=on -device virtio-net-pci,netdev=n1,romfile=,iommu_platform=on,disable-legacy=on,addr=3.0"
case $arch in
arm64)
        machine="-M virt,iommu=smmuv3 -cpu cortex-a57"
        append="console=ttyAMA0 panic=-1 quiet"
        ;;
ppc64el)
        machine="-M pseries -cpu POWER9 -vga none"
        append="console=hvc0 panic=-1 quiet"
        ;;
esac
log=$out/arch-$arch.log
t=$(now)
set +e
# shellcheck disable=SC2086
timeout "${VFIO_GUARD_VM_TIMEOUT:-600}" $qemu $machine -accel tcg -m 1024 -smp 1 -nographic -no-reboot \
        -nodefaults -serial stdio $net -kernel "$kernel" -initrd "$cache/initrd-$arch.gz" \
        -append "$append" </dev/null >"$log" 2>&1
qrc=$?
set -e
record boot-and-test "$(elapsed "$t")"

grep -a '^VMTEST-' "$log" | tr -d '\r' >&2 || true
if grep -aq '^VMTEST-RESULT: PASS' "$log"; then
        say "PASS (console log: $log)"
        exit 0
fi
say "FAIL (qemu exit $qrc; console log: $log)"
tail -40 "$log" >&2
exit 1
