# The system layer of the VM's initramfs (sourced by tools/sabuf-vm): what
# rarely changes. busybox-static for the small tools, kmod's real tools
# (not busybox's applets) with the libraries they need, the usual
# directories, and the users (root, and "user" with uid 1000 for --user).
# Merged-usr layout: /bin, /sbin, /lib and /lib64 are symlinks into /usr,
# so libraries keep their host paths.
#
# /bin/sh is Debian's dash, not busybox's ash: Debian builds busybox to
# prefer its own applets over $PATH, so under ash `lsmod` or `modprobe`
# would silently be busybox's, not kmod's. bash comes along for scripts
# that ask for it.

# Kmod's tools, served by /usr/bin/kmod under these names.
KMOD_TOOLS=(modprobe insmod rmmod lsmod depmod modinfo)
# Shells taken from the host, dash first (it becomes /bin/sh).
SHELLS=(/usr/bin/dash /usr/bin/bash)

# Host files this layer is made of (for its hash).
system_layer_inputs() {
	local busybox kmod
	busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
	kmod=$(command -v kmod) || die "kmod not found (apt-get install kmod)"
	printf '%s\n' "$busybox" "$kmod" "${BASH_SOURCE[0]}" "$RIG_DIR/common.sh"
	printf '%s\n' "${SHELLS[@]}" "$HOST_PACKAGES_STAMP"
}

# system_layer_build ROOT
system_layer_build() {
	local root=$1 busybox kmod applet name f
	busybox=$(command -v busybox)
	kmod=$(command -v kmod)
	ldd "$busybox" >/dev/null 2>&1 &&
		say "warning: $busybox is dynamically linked; busybox-static is expected"

	mkdir -p "$root"/{usr/bin,usr/lib,usr/lib64,etc,proc,sys,dev,tmp,run,mnt,root,home/user,var/tmp,opt/sabuf}
	ln -s usr/bin "$root/bin"
	ln -s usr/bin "$root/sbin"
	ln -s bin "$root/usr/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	chmod 1777 "$root/tmp" "$root/var/tmp"
	chmod 700 "$root/root"

	cp -L "$busybox" "$root/usr/bin/busybox"
	while read -r applet; do
		name=${applet##*/}
		case " ${KMOD_TOOLS[*]} init linuxrc sh bash " in *" $name "*) continue ;; esac
		[[ -e $root/usr/bin/$name ]] || ln -s busybox "$root/usr/bin/$name"
	done < <("$busybox" --list)

	cp -L "$kmod" "$root/usr/bin/kmod"
	for name in "${KMOD_TOOLS[@]}"; do
		ln -s kmod "$root/usr/bin/$name"
	done
	for f in "${SHELLS[@]}"; do
		[[ -x $f ]] || die "$f not found on the host"
		cp -L "$f" "$root/usr/bin/"
	done
	ln -s dash "$root/usr/bin/sh"
	copy_libs "$root" "" "$busybox" "$kmod" "${SHELLS[@]}"

	cat >"$root/etc/passwd" <<-'END'
	root:x:0:0:root:/root:/bin/sh
	user:x:1000:1000:unprivileged user:/home/user:/bin/sh
	nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	END
	cat >"$root/etc/group" <<-'END'
	root:x:0:
	user:x:1000:
	nogroup:x:65534:
	END
	printf '/bin/sh\n' >"$root/etc/shells"
	printf 'sabuf-vm\n' >"$root/etc/hostname"
	ln -s /proc/mounts "$root/etc/mtab"
}
