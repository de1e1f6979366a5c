# Which kernel file QEMU boots (sourced by tools/sabuf-vm).
#
# Debian's /boot/vmlinuz is an xz-compressed bzImage, and unpacking it
# under software emulation costs about two seconds of every boot. When the
# kernel can boot through PVH (CONFIG_PVH, as Debian's does), QEMU can load
# the plain ELF vmlinux directly: we unpack it once into build/vm/kernel/
# (keyed by the bzImage's hash) and boot that. Anything unexpected falls
# back to the bzImage.

# vm_kernel KREL [IMAGE CONFIG]: print the path of the file to hand to
# -kernel (IMAGE and CONFIG default to /boot's vmlinuz-KREL and config-KREL).
vm_kernel() {
	local krel=$1 image=${2:-/boot/vmlinuz-$1} config=${3:-/boot/config-$1} dir=$VM_DIR/kernel hash out off
	if ! grep -qx 'CONFIG_PVH=y' "$config" 2>/dev/null || ! command -v xz >/dev/null; then
		echo "$image"; return
	fi
	hash=$(sha256sum <"$image" | cut -c1-16)
	out=$dir/vmlinux-$krel-$hash
	if [[ ! -s $out ]]; then
		mkdir -p "$dir"
		# the first xz (Debian 12, 13) or zstd (Debian 14) stream inside the
		# bzImage is the kernel; zstd complains about what follows its frame
		if off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$image" | head -n 1 | cut -d: -f1) && [[ -n $off ]]; then
			xz -dc --single-stream < <(tail -c +$((off + 1)) "$image") >"$out.tmp" 2>/dev/null || rm -f "$out.tmp"
		elif command -v zstd >/dev/null &&
			off=$(LC_ALL=C grep -obUaP '\x28\xb5\x2f\xfd' "$image" | head -n 1 | cut -d: -f1) && [[ -n $off ]]; then
			tail -c +$((off + 1)) "$image" | zstd -dcq >"$out.tmp" 2>/dev/null || true
		fi
		if [[ ! -s $out.tmp ]] ||
			[[ $(head -c 4 "$out.tmp" | od -An -c | tr -d ' ') != '177ELF' ]]; then
			rm -f "$out.tmp"
			echo "$image"; return
		fi
		mv "$out.tmp" "$out"
		find "$dir" -maxdepth 1 -name "vmlinux-$krel-*" ! -path "$out" -delete
	fi
	echo "$out"
}
