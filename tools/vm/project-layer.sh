# The project layer of the VM's initramfs (sourced by tools/sabuf-vm): what
# changes with every build. `make install-built DESTDIR=ROOT PREFIX=/usr`:
# the module under /lib/modules/$KREL/updates, depmod'ed next to the
# kernel's own modules.builtin and modules.order so that `modprobe sabuf`
# works, libsabuf in /usr/lib, the sabuf tool in /usr/bin; build/selftests
# and build/examples under /opt/sabuf; the in-VM scripts (guest/) in
# /usr/local/bin, with /init; and the libraries all those programs need.
# Paths are under usr/ only (see system-layer.sh).
#
# Uses the globals KREL, KMODDIR, MODULE, BUILD_DIR, RIG_DIR.

PROJECT_SELFTESTS=/opt/sabuf/selftests
PROJECT_EXAMPLES=/opt/sabuf/examples

# The programs built into build/tools/ (executable files at its top).
project_tools() {
	[[ -d $BUILD_DIR/tools ]] || return 0
	find "$BUILD_DIR/tools" -maxdepth 1 -type f -perm -u+x | sort
}

# Files this layer is made of (for its hash). Directories count with all
# the files under them.
project_layer_inputs() {
	printf '%s\n' "${BASH_SOURCE[0]}" "$RIG_DIR/common.sh" "$RIG_DIR/guest" "$MODULE" \
		"$KMODDIR/modules.builtin" "$KMODDIR/modules.builtin.modinfo" "$KMODDIR/modules.order" \
		"$BUILD_DIR"/lib/*.so* "$BUILD_DIR/selftests" "$BUILD_DIR/examples" \
		"$REPO/Makefile" "$REPO/lib/Makefile" "$REPO/lib/include" "$REPO/uapi" "$REPO/man" \
		"$REPO/tools/cli/Makefile" "$REPO/kmod/60-sabuf.rules"
	project_tools
	# the system libraries they link against
	echo "$HOST_PACKAGES_STAMP"
}

# copy_kernel_module MODDIR NAME: the kernel's module NAME (any compression)
# and, recursively, the modules it depends on, from KMODDIR into MODDIR at
# the same relative paths. Nothing when the kernel has it built in.
copy_kernel_module() {
	local moddir=$1 name=$2 f rel dep
	[[ -d $KMODDIR/kernel ]] || return 0
	f=$(find "$KMODDIR/kernel" \( -name "$name.ko" -o -name "$name.ko.*" \
		-o -name "${name//_/-}.ko" -o -name "${name//_/-}.ko.*" \) -print -quit)
	[[ -n $f ]] || return 0
	rel=${f#"$KMODDIR/"}
	[[ -e $moddir/$rel ]] && return 0
	mkdir -p "$moddir/$(dirname "$rel")"
	cp "$f" "$moddir/$rel"
	for dep in $(modinfo -F depends "$f" 2>/dev/null | tr ',' ' '); do
		copy_kernel_module "$moddir" "$dep"
	done
}

# project_layer_build ROOT
project_layer_build() {
	local root=$1 moddir=$1/usr/lib/modules/$KREL f
	local -a elves

	mkdir -p "$moddir" "$root/usr/local/bin" "$root$PROJECT_SELFTESTS" "$root$PROJECT_EXAMPLES"
	local missing=()
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		if [[ -e $KMODDIR/$f ]]; then
			cp "$KMODDIR/$f" "$moddir/"
		else
			missing+=("$f")
			# (make install's depmod looks for modules.order)
			[[ $f == modules.order ]] && : >"$moddir/$f"
		fi
	done
	# Debian's newest packages (7.x) generate these at install time.
	((${#missing[@]} == 0)) ||
		say "note: $KMODDIR has no ${missing[*]}; modprobe does not know this kernel's built-in modules by name"
	# What a user gets is what every run exercises: `make install` into the
	# VM's root (module + depmod, libsabuf, headers, the sabuf tool, man
	# pages). Its /lib/modules path needs the /lib -> usr/lib symlink that
	# the system layer provides in the VM: lend it, and take it away before
	# packing.
	# zram (and what it needs) for selftests/swap_test.c, when the
	# kernel has it as a module; make install's depmod indexes it.
	# Its dependencies come along, whatever they are called on this kernel
	# (6.1: zsmalloc; 7.x: zsmalloc and the compressors' modules).
	copy_kernel_module "$moddir" zram
	ln -s usr/lib "$root/lib"
	make -s -C "$REPO" install-built DESTDIR="$root" PREFIX=/usr \
		KERNELRELEASE="$KREL" SABUF_KO="$MODULE" >"$root.install.log" 2>&1 ||
		{ cat "$root.install.log" >&2; die "make install into the VM's root failed"; }
	rm -f "$root/lib" "$root.install.log"
	[[ -e $moddir/updates/sabuf.ko && -e $moddir/modules.dep ]] ||
		die "make install left no depmod'ed sabuf.ko in the VM's root"

	[[ -d $BUILD_DIR/selftests ]] && cp -rL "$BUILD_DIR/selftests/." "$root$PROJECT_SELFTESTS/"
	[[ -d $BUILD_DIR/examples ]] && cp -rL "$BUILD_DIR/examples/." "$root$PROJECT_EXAMPLES/"

	cp "$RIG_DIR/guest/init" "$root/init"
	for f in "$RIG_DIR"/guest/sabuf-*; do
		cp "$f" "$root/usr/local/bin/"
	done
	chmod 755 "$root/init" "$root"/usr/local/bin/*

	mapfile -t elves < <(elf_files_in "$root/usr/lib" "$root/usr/bin" "$root/usr/local/bin" "$root/opt")
	LD_LIBRARY_PATH=$BUILD_DIR/lib copy_libs "$root" "$BUILD_DIR" "${elves[@]}"
}
