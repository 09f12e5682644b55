#!/bin/bash
# A small virtual machine running Debian 12's own kernel, for tests that need
# kernel ESP (the XFRM dataplane) on hosts whose kernel lacks it.
#
#   tests/vm/guest.sh prepare            install qemu etc., fetch + unpack the kernel (cached)
#   tests/vm/guest.sh run SCRIPT [SECS]  boot, run SCRIPT (a bash script on the host's
#                                        filesystem) inside the guest, print its output,
#                                        exit with its status (124 on timeout)
#
# How: the guest boots the uncompressed vmlinux under `qemu -M microvm` with a
# tiny initramfs (busybox + the modules it needs).  Its init mounts the HOST's
# root filesystem read-only over 9p and chroots into it (fresh /proc, /sys,
# /dev, tmpfs /tmp and /run), so the guest runs exactly the host's binaries —
# Cygnet's build, iproute2, Libreswan — against Debian's 6.1 kernel with ESP.
# A second, writable 9p share ($OUT) brings results back.  The console is
# saved to $OUT/console.log; on failure its tail is printed.
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
CACHE=${VM_CACHE:-$TOP/.cache/vm}
OUT=${VM_OUT:-$TOP/build/vm-out}
MODS="xfrm_user xfrm_algo esp4 esp6 xfrm4_tunnel xfrm6_tunnel tunnel4 tunnel6 ah4 ah6 authenc authencesn
gcm ccm seqiv echainiv ctr ghash_generic ghash-clmulni-intel aesni-intel aes_generic cbc sha256_generic
sha512_generic hmac chacha20poly1305 chacha_generic poly1305_generic drbg jitterentropy_rng crypto_null
veth tun dummy nf_tables nft_masq nft_nat nft_chain_nat nft_ct nf_nat nf_conntrack af_key udp_tunnel ip6_udp_tunnel
virtio_mmio 9pnet 9pnet_virtio 9p netfs overlay ipv6"

INITRAMFS_VERSION=3   # bump when the init script or module list changes
log() { echo "vm: $*" >&2; }

kver() { ls "$CACHE/kernel/lib/modules" 2>/dev/null | head -1; }

prepare() {
	local need=
	for p in qemu-system-x86 busybox-static cpio kmod xz-utils; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need="$need $p"
	done
	if [ -n "$need" ]; then
		log "installing$need"
		apt-get update -qq >/dev/null 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null 2>&1 || return 1
	fi
	mkdir -p "$CACHE" || return 1
	if [ -z "$(kver)" ] || [ ! -s "$CACHE/vmlinux" ]; then
		local pkg
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -1)
		[ -n "$pkg" ] || { apt-get update -qq >/dev/null 2>&1; pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \(linux-image-[0-9].*\)/\1/p' | head -1); }
		[ -n "$pkg" ] || { log "cannot find the kernel package"; return 1; }
		( cd "$CACHE" || exit 1; ls ${pkg}_*.deb >/dev/null 2>&1 || apt-get download "$pkg" >/dev/null 2>&1 ) || return 1
		rm -rf "$CACHE/kernel" && mkdir -p "$CACHE/kernel"
		dpkg -x "$CACHE"/${pkg}_*.deb "$CACHE/kernel" || return 1
		extract_vmlinux "$CACHE"/kernel/boot/vmlinuz-* >"$CACHE/vmlinux.tmp" && mv "$CACHE/vmlinux.tmp" "$CACHE/vmlinux" || return 1
		depmod -b "$CACHE/kernel" "$(kver)" || return 1
		rm -f "$CACHE/initramfs.cpio.gz"
	fi
	[ -s "$CACHE/initramfs.cpio.gz" ] && [ "$(cat "$CACHE/initramfs.version" 2>/dev/null)" = "$INITRAMFS_VERSION" ] ||
		build_initramfs
}

# The bzImage carries an xz-compressed ELF; find it and unpack it.
extract_vmlinux() {
	local img=$1 off
	for off in $(grep -abo $'\xfd7zXZ\x00' "$img" | cut -d: -f1); do
		if tail -c +$((off + 1)) "$img" | xz -dc 2>/dev/null >"$CACHE/try.elf" || [ -s "$CACHE/try.elf" ]; then
			if [ "$(head -c 4 "$CACHE/try.elf" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				cat "$CACHE/try.elf"; rm -f "$CACHE/try.elf"; return 0
			fi
		fi
	done
	rm -f "$CACHE/try.elf"
	return 1
}

build_initramfs() {
	local root="$CACHE/initramfs" kv m f
	kv=$(kver)
	rm -rf "$root" && mkdir -p "$root"/{bin,sbin,proc,sys,dev,host,out,lib/modules}
	cp /bin/busybox "$root/bin/busybox"
	for a in sh mount umount mkdir insmod modprobe poweroff cat echo chroot sleep ls mknod [ test; do ln -s busybox "$root/bin/$a"; done
	# modules and their dependencies, in load order
	: >"$root/modules.order"
	for m in $MODS; do
		modprobe -d "$CACHE/kernel" -S "$kv" --show-depends "$m" 2>/dev/null | sed -n 's/^insmod \([^ ]*\).*/\1/p'
	done | awk '!seen[$0]++' | while read -r f; do
		local rel=${f#"$CACHE/kernel"}
		mkdir -p "$root$(dirname "$rel")"
		cp "$f" "$root$rel"
		echo "$rel" >>"$root/modules.order"
	done
	cat >"$root/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do
	case $m in *.ko.xz) xz -dc "$m" >/tmp.ko 2>/dev/null && insmod /tmp.ko 2>/dev/null || insmod "$m" 2>/dev/null;; *) insmod "$m" 2>/dev/null;; esac
done
# The host's root, read-only over 9p, made writable by an overlay whose
# upper layer is guest memory: the project may live anywhere (even under
# /tmp), and whatever the tests write stays in the guest.
mkdir -p /lower /rw
mount -t 9p -o trans=virtio,version=9p2000.L,ro host /lower || { echo "VM: cannot mount host"; poweroff -f; }
mount -t tmpfs rw /rw && mkdir -p /rw/u /rw/w
if mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/u,workdir=/rw/w /host; then
	overlay=1
else
	echo "VM: no overlay; the host's /tmp is hidden"
	mount --bind /lower /host; overlay=0
fi
mount -t 9p -o trans=virtio,version=9p2000.L,rw out /host/$VM_OUT_REL 2>/dev/null || mount -t 9p -o trans=virtio,version=9p2000.L out /host/$VM_OUT_REL
mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev
mkdir -p /host/dev/pts 2>/dev/null; mount -t devpts devpts /host/dev/pts 2>/dev/null
mount -t tmpfs run /host/run
[ $overlay = 1 ] || { mount -t tmpfs tmp /host/tmp; mount -t tmpfs varrun /host/var/tmp 2>/dev/null; }
echo "VM-BOOTED"
chroot /host /bin/bash -c "cd $VM_CWD && VM_GUEST=1 bash $VM_SCRIPT" >/host/$VM_OUT_REL/guest.log 2>&1
echo "VM-RC=$?"
poweroff -f
INIT
	chmod +x "$root/init"
	# busybox xz for compressed modules
	ln -s busybox "$root/bin/xz"
	( cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1 ) >"$CACHE/initramfs.cpio.gz" &&
		echo "$INITRAMFS_VERSION" >"$CACHE/initramfs.version"
}

run() {
	local script=$1 secs=${2:-300} tsc accel=tcg cpu=max
	prepare || { log "prepare failed"; return 2; }
	mkdir -p "$OUT" && rm -f "$OUT/guest.log" "$OUT/console.log"
	tsc=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Detected \([0-9.]*\) MHz.*/\1/p' | head -1 | awk '{print int($1 * 1000)}')
	[ -n "$tsc" ] || tsc=$(awk -F: '/cpu MHz/ {print int($2 * 1000); exit}' /proc/cpuinfo)
	if grep -qE '^kvm_(intel|amd) ' /proc/modules 2>/dev/null && [ -w /dev/kvm ]; then accel=kvm; cpu=host; fi
	local rel=${OUT#/}
	timeout "$secs" qemu-system-x86_64 -M microvm -accel $accel -cpu $cpu -smp 2 -m 1536 \
		-nographic -nic none -no-reboot -nodefaults -serial stdio \
		-kernel "$CACHE/vmlinux" -initrd "$CACHE/initramfs.cpio.gz" \
		-append "console=ttyS0 quiet panic=-1 mitigations=off tsc_early_khz=$tsc VM_SCRIPT=$script VM_CWD=$TOP VM_OUT_REL=$rel rdinit=/init" \
		-fsdev local,id=h,path=/,security_model=none,readonly=on,multidevs=remap -device virtio-9p-device,fsdev=h,mount_tag=host \
		-fsdev local,id=o,path="$OUT",security_model=none -device virtio-9p-device,fsdev=o,mount_tag=out \
		</dev/null >"$OUT/console.log" 2>&1
	local qrc=$? rc
	cat "$OUT/guest.log" 2>/dev/null
	rc=$(sed -n 's/^VM-RC=\([0-9]*\).*/\1/p' "$OUT/console.log" | tail -1)
	if [ -z "$rc" ]; then
		log "guest did not finish (qemu rc $qrc); console tail:"
		tail -30 "$OUT/console.log" >&2
		[ $qrc = 124 ] && return 124
		return 2
	fi
	return "$rc"
}

case ${1:-} in
prepare) prepare ;;
run) shift; run "$@" ;;
*) echo "usage: $0 prepare | run SCRIPT [SECONDS]" >&2; exit 2 ;;
esac
