# Which kernel file QEMU boots (sourced by tools/sabuf-vm).
#
# Debian's /boot/vmlinuz is an xz-compressed bzImage, and unpacking it
# under software emulation costs about two seconds of every boot. When the
# kernel can boot through PVH (CONFIG_PVH, as Debian's does), QEMU can load
# the plain ELF vmlinux directly: we unpack it once into build/vm/kernel/
# (keyed by the bzImage's hash) and boot that. Anything unexpected falls
# back to the bzImage.

# vm_kernel KREL: print the path of the file to hand to -kernel.
vm_kernel() {
	local krel=$1 image=/boot/vmlinuz-$1 dir=$VM_DIR/kernel hash out off
	if ! grep -qx 'CONFIG_PVH=y' "/boot/config-$krel" 2>/dev/null || ! command -v xz >/dev/null; then
		echo "$image"; return
	fi
	hash=$(sha256sum <"$image" | cut -c1-16)
	out=$dir/vmlinux-$krel-$hash
	if [[ ! -s $out ]]; then
		mkdir -p "$dir"
		# the first xz stream inside the bzImage is the kernel
		off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$image" | head -n 1 | cut -d: -f1)
		if [[ -z $off ]] ||
			! xz -dc --single-stream < <(tail -c +$((off + 1)) "$image") >"$out.tmp" 2>/dev/null ||
			[[ $(head -c 4 "$out.tmp" | od -An -c | tr -d ' ') != '177ELF' ]]; then
			rm -f "$out.tmp"
			echo "$image"; return
		fi
		mv "$out.tmp" "$out"
		find "$dir" -maxdepth 1 -name "vmlinux-$krel-*" ! -path "$out" -delete
	fi
	echo "$out"
}
