# The project layer of the VM's initramfs (sourced by tools/sabuf-vm): what
# changes with every build. The module, installed under
# /lib/modules/$KREL/extra and depmod'ed next to the kernel's own
# modules.builtin and modules.order so that `modprobe sabuf` works; libsabuf
# in /usr/lib; build/selftests and build/examples under /opt/sabuf; the
# sabuf tool (build/tools/sabuf) and the in-VM scripts (guest/) in
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
		"$BUILD_DIR"/lib/*.so* "$BUILD_DIR/selftests" "$BUILD_DIR/examples"
	project_tools
	# the system libraries they link against
	echo "$HOST_PACKAGES_STAMP"
}

# project_layer_build ROOT
project_layer_build() {
	local root=$1 moddir=$1/usr/lib/modules/$KREL f
	local -a elves

	mkdir -p "$moddir/extra" "$root/usr/local/bin" "$root$PROJECT_SELFTESTS" "$root$PROJECT_EXAMPLES"
	cp "$MODULE" "$moddir/extra/sabuf.ko"
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		if [[ -e $KMODDIR/$f ]]; then
			cp "$KMODDIR/$f" "$moddir/"
		else
			say "warning: $KMODDIR/$f is missing; modprobe may not know the built-in modules"
		fi
	done
	# depmod -b looks under ROOT/lib/modules: lend it the symlink that the
	# system layer provides in the VM, and take it away before packing.
	ln -s usr/lib "$root/lib"
	depmod -b "$root" "$KREL" || die "depmod failed for $MODULE"
	rm "$root/lib"

	if [[ -d $BUILD_DIR/lib ]]; then
		find "$BUILD_DIR/lib" -maxdepth 1 -name '*.so*' \( -type f -o -type l \) \
			-exec cp -P {} "$root/usr/lib/" \;
	fi
	[[ -d $BUILD_DIR/selftests ]] && cp -rL "$BUILD_DIR/selftests/." "$root$PROJECT_SELFTESTS/"
	[[ -d $BUILD_DIR/examples ]] && cp -rL "$BUILD_DIR/examples/." "$root$PROJECT_EXAMPLES/"

	for f in $(project_tools); do
		cp "$f" "$root/usr/local/bin/"
	done
	cp "$RIG_DIR/guest/init" "$root/init"
	for f in "$RIG_DIR"/guest/sabuf-*; do
		cp "$f" "$root/usr/local/bin/"
	done
	chmod 755 "$root/init" "$root"/usr/local/bin/*

	mapfile -t elves < <(elf_files_in "$root/usr/lib" "$root/usr/local/bin" "$root/opt")
	LD_LIBRARY_PATH=$BUILD_DIR/lib copy_libs "$root" "$BUILD_DIR" "${elves[@]}"
}
