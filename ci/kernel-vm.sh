#!/bin/sh
# ci/kernel-vm.sh: the real-kernel tests of the committed tree (git archive
# HEAD) on Debian 12's own kernel (6.1), in a qemu VM, as root on a Debian 12
# machine. Not part of ci/test.sh: it downloads a Debian root (debootstrap)
# and runs the VM under software emulation (about 5.5 minutes in all the
# first time, 4.5 with the root kept, on the machine it was written on). The
# VM has no network; the tests make their own namespaces and veth pairs
# inside it. Prints the kernel suite's results and exits non-zero when a
# test failed or the VM gave no results.
#
# Environment: RTW_VM_DIR (default /var/tmp/rtw-vm: the root filesystem is
# kept there and reused), RTW_VM_ACCEL (tcg, the default, or kvm: faster
# where KVM boots a stock kernel, which it did not on the machine this was
# written on, whose /dev/kvm is paravirtual).
set -eu

src=$(cd "$(dirname "$0")/.." && pwd)
dir=${RTW_VM_DIR:-/var/tmp/rtw-vm}
root=$dir/root

if [ "$(id -u)" != 0 ]; then
	echo "kernel-vm.sh: needs root (debootstrap, chroot)" >&2
	exit 77
fi
missing=
for p in qemu-system-x86_64:qemu-system-x86 debootstrap:debootstrap mkfs.ext4:e2fsprogs \
	debugfs:e2fsprogs; do
	command -v "${p%%:*}" >/dev/null 2>&1 || missing="$missing ${p#*:}"
done
if [ -n "$missing" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086 # a list of package names
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing
fi
mkdir -p "$dir"

# 1. A Debian 12 root with the kernel, its modules and what the tests use.
if [ ! -e "$root/boot/.rtw-ready" ]; then
	rm -rf "$root"
	debootstrap --variant=minbase \
		--include=iproute2,util-linux,python3,libmnl0,kmod,build-essential,meson,ninja-build,pkg-config,libmnl-dev,libcmocka-dev \
		bookworm "$root" http://deb.debian.org/debian
	echo 'deb http://deb.debian.org/debian-security bookworm-security main' \
		>>"$root/etc/apt/sources.list"
	mount --bind /proc "$root/proc"
	chroot "$root" sh -c 'apt-get update -qq &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq linux-image-amd64' ||
		{ umount "$root/proc"; exit 1; }
	umount "$root/proc"
	touch "$root/boot/.rtw-ready"
fi
kver=$(find "$root/lib/modules" -mindepth 1 -maxdepth 1 -printf "%f\n" | sort -V | tail -1)

# 2. This tree, built inside that root so that it links what the guest has.
rm -rf "$root/src"
mkdir "$root/src"
(cd "$src" && git archive HEAD) | tar -x -C "$root/src"
mount --bind /proc "$root/proc"
chroot "$root" sh -c 'cd /src && meson setup build -Dbuildtype=debugoptimized >/dev/null &&
	ninja -C build >/dev/null' || { umount "$root/proc"; exit 1; }
umount "$root/proc"

# 3. The guest's init: the kernel suite with CI=true (a skip is a failure),
# each test on its own so that one hang costs only itself, then power off.
cat >"$root/rtw-init" <<'EOF'
#!/bin/sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
mount -t tmpfs tmpfs /run; mount -t tmpfs tmpfs /tmp
mount -o remount,rw /
ip link set lo up
modprobe veth
rm -rf /results; mkdir /results
cd /src/build
uname -r >/results/kernel
for t in $(meson test --no-rebuild --list --suite kernel 2>/dev/null | sed -n 's/.* \/ //p'); do
	timeout -k 10 1500 env CI=true meson test --no-rebuild --suite kernel -t 4 \
		--print-errorlogs "$t" >"/results/$t.log" 2>&1
	echo "$t $?" >>/results/summary
done
sync; mount -o remount,ro /; sync
echo o >/proc/sysrq-trigger
sleep 60
EOF
chmod 755 "$root/rtw-init"

# 4. Boot it.
cp "$root/boot/vmlinuz-$kver" "$root/boot/initrd.img-$kver" "$dir/"
rm -f "$dir/root.img"
mkfs.ext4 -q -F -d "$root" "$dir/root.img" 6G
accel=${RTW_VM_ACCEL:-tcg}
if [ "$accel" = kvm ]; then
	cpu="-enable-kvm -cpu host"
else
	cpu="-accel tcg,thread=multi -cpu max"
fi
echo "kernel-vm.sh: booting $kver ($accel); console in $dir/console.log"
# shellcheck disable=SC2086 # qemu options
timeout 3600 qemu-system-x86_64 $cpu -m 4096 -smp 2 -nographic -no-reboot \
	-kernel "$dir/vmlinuz-$kver" -initrd "$dir/initrd.img-$kver" \
	-append 'root=/dev/vda rw console=ttyS0 init=/rtw-init panic=-1 quiet' \
	-drive "file=$dir/root.img,format=raw,if=virtio" -nic none >"$dir/console.log" 2>&1 || true

# 5. The results, read out of the image.
rm -rf "$dir/results"
mkdir "$dir/results"
debugfs -R "rdump /results $dir/results" "$dir/root.img" >/dev/null 2>&1 || true
res=$dir/results/results
if [ ! -s "$res/summary" ]; then
	echo "kernel-vm.sh: the VM left no results; see $dir/console.log" >&2
	exit 1
fi
echo "kernel $(cat "$res/kernel")"
fail=0
while read -r t rc; do
	if [ "$rc" = 0 ]; then
		echo "ok   $t"
	else
		echo "FAIL $t (exit $rc): $res/$t.log"
		grep -a -E '^(not ok|#)' "$res/$t.log" | head -20
		fail=1
	fi
done <"$res/summary"
exit $fail
