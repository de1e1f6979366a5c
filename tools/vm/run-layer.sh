# The run layer of the VM's initramfs (sourced by tools/sabuf-vm): made
# fresh for every run, so that the cached layers stay valid whatever the
# command. It holds /etc/sabuf-vm/run (the command, read by /init) and the
# --add files under /opt/sabuf/add, with the libraries they need.

ADD_DIR=/opt/sabuf/add

# Quote one word for sh, in single quotes.
sh_quote() {
	local s=${1//\'/\'\\\'\'}
	printf "'%s'" "$s"
}

# run_layer_build ROOT AS_USER ADD_PATHS_NAME -- COMMAND [ARG]...
#   AS_USER is 0 or 1; ADD_PATHS_NAME names an array of host paths.
run_layer_build() {
	local root=$1 as_user=$2
	local -n _add_paths=$3
	shift 4
	local path name vm_path_extra=$ADD_DIR arg
	local -a elves

	mkdir -p "$root/etc/sabuf-vm" "$root$ADD_DIR"
	for path in "${_add_paths[@]}"; do
		# named as given (--add /usr/bin/node is "node", whatever it links to)
		name=$(basename "$path")
		[[ -e $root$ADD_DIR/$name ]] && die "--add: two added paths are both called $name"
		cp -rL "$path" "$root$ADD_DIR/$name"
		[[ -d $path ]] && vm_path_extra+=":$ADD_DIR/$name"
	done
	mapfile -t elves < <(elf_files_in "$root$ADD_DIR")
	LD_LIBRARY_PATH=$BUILD_DIR/lib copy_libs "$root" "$BUILD_DIR" "${elves[@]}"

	{
		echo "# written by tools/sabuf-vm for one run; sourced by /init"
		echo "SABUF_VM_AS_USER=$as_user"
		echo "SABUF_VM_PATH_EXTRA=$(sh_quote "$vm_path_extra")"
		printf 'set --'
		for arg; do printf ' %s' "$(sh_quote "$arg")"; done
		echo
	} >"$root/etc/sabuf-vm/run"
}
