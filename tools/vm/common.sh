# Shared helpers of the VM rig's host side (sourced by tools/sabuf-vm).
# bash only; expects `set -euo pipefail` from the caller.

say()  { echo "sabuf-vm: $*" >&2; }
die()  { echo "sabuf-vm: error: $*" >&2; exit 2; }

# The shared libraries (and the ELF interpreter) that FILE needs, one host
# path per line, as the dynamic loader resolves them. Nothing for static
# binaries and non-ELF files. LD_LIBRARY_PATH is honoured, so libraries of
# the build tree resolve too. A library that cannot be found is warned
# about: the program would fail to start in the VM.
elf_deps() {
	local file=$1 line
	local out
	out=$(ldd "$file" 2>/dev/null) || return 0
	while read -r line; do
		case $line in
		*"=> not found"*)
			say "warning: ${file##*/} needs ${line%% *}, which is not found on the host" ;;
		*"=> /"*)
			line=${line#*=> }; echo "${line%% (*}" ;;
		/*)
			echo "${line%% (*}" ;;
		esac
	done <<<"$out"
}

# Where a host library goes in the VM: its host path with the directory made
# canonical (/lib/x86_64-linux-gnu -> /usr/lib/x86_64-linux-gnu on merged-usr
# Debian), keeping its own name, which is the soname the loader asks for.
# Only usr/ paths are used so that later initramfs layers never replace the
# bin, lib and lib64 symlinks of the system layer.
vm_path_of() {
	local dir
	dir=$(readlink -f "$(dirname "$1")")
	echo "$dir/$(basename "$1")"
}

# copy_libs ROOT SKIP_PREFIX FILE...: put the libraries that the FILEs need
# into ROOT (dereferenced, at their canonical paths). Libraries under
# SKIP_PREFIX (the build tree, copied elsewhere on purpose) are left out.
copy_libs() {
	local root=$1 skip=$2 file lib dest
	shift 2
	for file; do
		while read -r lib; do
			[[ -n $lib ]] || continue
			[[ -n $skip && $lib == "$skip"/* ]] && continue
			dest=$root$(vm_path_of "$lib")
			[[ -e $dest ]] && continue
			mkdir -p "${dest%/*}"
			cp -L "$lib" "$dest"
		done < <(elf_deps "$file")
	done
}

# The ELF files below a directory (executables and shared objects).
elf_files_in() {
	local f magic
	while IFS= read -r -d '' f; do
		magic=$(head -c 4 "$f" | od -An -c | tr -d ' ')
		[[ $magic == '177ELF' ]] && echo "$f"
	done < <(find "$@" -type f -print0 2>/dev/null)
}

# hash_inputs PATH...: one hash over the names, contents and modes of the
# given files (directories: every file under them), and over symlink
# targets. Missing paths hash as missing, so creating them counts as a
# change. One sha256sum and one stat for everything: this runs on every
# boot.
hash_inputs() {
	local -a files=() links=() missing=()
	local p f
	for p; do
		if [[ -d $p ]]; then
			while IFS= read -r -d '' f; do
				if [[ -L $f ]]; then links+=("$f"); else files+=("$f"); fi
			done < <(find "$p" \( -type f -o -type l \) -print0)
		elif [[ -L $p && ! -e $p ]]; then
			links+=("$p")
		elif [[ -e $p ]]; then
			files+=("$p")
		else
			missing+=("$p")
		fi
	done
	{
		((${#files[@]})) && sha256sum -- "${files[@]}" && stat -L -c '%n %a' -- "${files[@]}"
		for f in "${links[@]}"; do echo "link $f -> $(readlink "$f")"; done
		for f in "${missing[@]}"; do echo "missing $f"; done
	} | LC_ALL=C sort | sha256sum | cut -c1-16
}

# Stands in for "the host's shared libraries changed" in a layer's inputs,
# without running ldd on every file at every boot: any package installed,
# upgraded or removed changes it.
HOST_PACKAGES_STAMP=/var/lib/dpkg/status

# pack_cpio DIR OUT: DIR's contents as a newc archive, owned by root, in a
# stable order (the kernel unpacks parents before children).
pack_cpio() {
	local dir=$1 out=$2
	(cd "$dir" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) >"$out"
}

# console_cpio OUT: a tiny archive holding only /dev and /dev/console, written
# by hand so that no root privilege (mknod) is needed. The kernel opens
# /dev/console for init's stdio before /init can mount devtmpfs.
console_cpio() {
	local out=$1
	{
		cpio_entry dev 040755 0 0
		cpio_entry dev/console 020600 5 1
		cpio_entry 'TRAILER!!!' 0 0 0
	} >"$out"
}

# One newc header + name, no data: NAME MODE(octal) RDEVMAJOR RDEVMINOR.
cpio_entry() {
	local name=$1 mode=$((8#$2)) major=$3 minor=$4
	local namesize=$((${#name} + 1)) pad
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 "$mode" 0 0 1 0 0 0 0 "$major" "$minor" "$namesize" 0
	printf '%s\0' "$name"
	# header (110 bytes) + name is padded to a multiple of 4
	pad=$(((4 - (110 + namesize) % 4) % 4))
	head -c "$pad" /dev/zero
}
