#!/usr/bin/env bash
# build.sh: builds out/airlock, a static musl binary, and runs the tests.
#
#   ./build.sh                 build out/airlock (and the out/sandbox-exec link)
#   ./build.sh test            build, then run every test (unit, fuzz smoke, integration)
#   ./build.sh unit|fuzz|integration [ARGS]   one test layer
#   ./build.sh sanitized [ARGS] the integration suite against out/asan/airlock (ASan/UBSan)
#   ./build.sh demo            the guided demo (README)
#   ./build.sh bench           the benchmarks under test/bench/
#   ./build.sh load [ARGS]     the load-and-faults run (test/bench/load.py, minutes)
#   ./build.sh fetch DIR       download the pinned sources into DIR (for offline builds)
#   ./build.sh deps [COMMAND]  only install the Debian packages COMMAND needs (default test)
#   ./build.sh clean           remove every output
#
# Every command first installs, as root with apt-get, the Debian packages it needs that
# are missing (the list: debian.packages); without root it stops and prints the line.
#
# Third-party sources (BearSSL, libseccomp, inih) are Debian source packages pinned in
# deps.lock by version and SHA-256. They are fetched with apt-get through deb-src entries
# derived from this machine's own apt sources, or taken from AIRLOCK_DEPS_DIR when set
# (fully offline). They are built once into out/deps; later builds only recompile what
# changed (make, with header dependencies).
set -euo pipefail

top=$(cd "$(dirname "$0")" && pwd)
out="$top/out"
deps="$out/deps"
jobs=$(nproc 2>/dev/null || echo 2)

say() { printf 'build.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# --- the Debian packages each command needs ---------------------------------------------

# needs_of COMMAND: the groups of debian.packages that COMMAND uses.
needs_of() {
	case "$1" in
	build) echo build ;;
	demo) echo build demo ;;
	unit) echo build unit ;;
	fuzz) echo build fuzz ;;
	integration) echo build demo unit integration ;; # the tools are unit builds; a test runs the demo
	sanitized) echo build unit integration ;;
	test) echo build demo unit fuzz integration ;;
	bench) echo build unit bench ;;
	load) echo build bench ;;
	esac
}

# installed_packages: the names dpkg reports installed (AIRLOCK_DPKG_ADMINDIR points
# dpkg-query at another database, for the tests).
installed_packages() {
	local admin=()
	[ -n "${AIRLOCK_DPKG_ADMINDIR:-}" ] && admin=(--admindir="$AIRLOCK_DPKG_ADMINDIR")
	dpkg-query "${admin[@]}" -W -f='${Status} ${Package}\n' 2>/dev/null |
		awk '$1 == "install" && $2 == "ok" && $3 == "installed" {print $4}'
}

# ensure_packages GROUP...: installs the missing packages of GROUPs, saying which and why
# in one line; nothing happens when all are there. Without root or apt-get it stops with
# the apt-get line to run, before anything is built.
ensure_packages() {
	command -v dpkg-query >/dev/null || {
		say "dpkg-query not found (not Debian?): debian.packages lists what the build needs"
		return 0
	}
	local have missing="" why="" g entry reason pkgs p these
	have=" $(installed_packages | tr '\n' ' ') "
	for g in "$@"; do
		entry=$(awk -F'|' -v g="$g" '!/^#/ && NF == 3 {
				for (i = 1; i <= 3; i++) gsub(/^ +| +$/, "", $i)
				if ($1 == g) { print $2 "|" $3; exit } }' "$top/debian.packages")
		[ -n "$entry" ] || die "debian.packages has no group '$g'"
		reason=${entry%%|*} pkgs=${entry#*|} these=""
		for p in $pkgs; do
			case $p in cmd:*)
				# installed only when no command of that name is on PATH
				p=${p#cmd:}
				command -v "$p" >/dev/null && continue ;;
			esac
			case "$have $missing " in *" $p "*) continue ;; esac
			these="$these $p" missing="$missing $p"
		done
		[ -z "$these" ] || why="${why:+$why, }${these# } ($reason)"
	done
	[ -n "$missing" ] || return 0
	local line="apt-get install --no-install-recommends${missing}"
	[ "$(id -u)" = 0 ] ||
		die "missing Debian packages: $why. Not root, so not installing them; as root, run: $line"
	command -v apt-get >/dev/null ||
		die "missing Debian packages: $why. apt-get not found, so not installing them; install them as: $line"
	say "installing $why"
	mkdir -p "$out"
	local log="$out/apt-get.log"
	# shellcheck disable=SC2086 # $missing is a list of words
	{ DEBIAN_FRONTEND=noninteractive apt-get -q update &&
		DEBIAN_FRONTEND=noninteractive apt-get -q -y install --no-install-recommends $missing; } \
		>"$log" 2>&1 || { tail -n 20 "$log" >&2; die "apt-get failed (log: $log); run: $line"; }
}

# cmd_deps [COMMAND]: only the package step of COMMAND (default: test).
cmd_deps() {
	local groups
	groups=$(needs_of "${1:-test}")
	[ -n "$groups" ] || die "deps: unknown command '${1:-}' (build demo unit fuzz integration test bench)"
	# shellcheck disable=SC2086 # $groups is a list of words
	ensure_packages $groups
}

# --- fetching the pinned sources -------------------------------------------------------

# Writes a sources.list with deb-src lines for every suite of deps.lock, derived from the
# URIs and Signed-By of the machine's own deb822 (or one-line) apt sources.
apt_srclist() {
	local dir=$1 uri="" key="" f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$f")
		key=$(awk '/^Signed-By:/ {print $2; exit}' "$f")
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
		uri=$(awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' /etc/apt/sources.list)
	fi
	[ -n "$uri" ] || die "no Debian archive found in /etc/apt sources; use AIRLOCK_DEPS_DIR"
	local opt=""
	[ -n "$key" ] && opt="[signed-by=$key] "
	awk '!/^#/ && NF==5 {print $3}' "$top/deps.lock" | sort -u | while read -r suite; do
		echo "deb-src ${opt}${uri} ${suite} main"
	done >"$dir/sources.list"
}

sha_ok() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

# fetch_one NAME DIR: puts the first candidate of NAME that verifies into DIR, prints its
# tarball name. Tries DIR itself first, then (unless offline) apt-get source.
fetch_one() {
	local name=$1 dir=$2 state="$out/apt"
	local n ver suite file sha
	while read -r n ver suite file sha; do
		[ "$n" = "$name" ] || continue
		if sha_ok "$dir/$file" "$sha"; then echo "$file"; return 0; fi
		[ -f "$dir/$file" ] && say "$file in $dir does not match its pinned SHA-256; ignoring it"
		[ -n "${AIRLOCK_DEPS_DIR:-}" ] && continue
		if [ ! -f "$state/updated" ]; then
			mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
			apt_srclist "$state"
			apt-get -q -o Dir::Etc::sourcelist="$state/sources.list" -o Dir::Etc::sourceparts=- \
				-o Dir::State::Lists="$state/lists" -o Dir::Cache="$state/cache" update >&2 ||
				die "apt-get update of the deb-src entries failed"
			touch "$state/updated"
		fi
		say "fetching $n $ver ($suite)"
		# apt-get may fail on a file we do not need (the Debian diff); only the orig
		# tarball and its checksum count.
		(cd "$dir" && apt-get -q -o Dir::Etc::sourcelist="$state/sources.list" \
			-o Dir::Etc::sourceparts=- -o Dir::State::Lists="$state/lists" \
			-o Dir::Cache="$state/cache" source --download-only "$n=$ver" >&2) ||
			say "apt-get source $n=$ver reported an error; checking what arrived"
		if sha_ok "$dir/$file" "$sha"; then echo "$file"; return 0; fi
		if [ -f "$dir/$file" ]; then
			say "$file: SHA-256 mismatch, refusing it"
			rm -f "$dir/$file"
		fi
	done < <(awk '!/^#/ && NF==5' "$top/deps.lock")
	die "no pinned candidate of $name could be had (see deps.lock)"
}

cmd_fetch() {
	local dir=${1:?usage: ./build.sh fetch DIR}
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	local name
	for name in bearssl libseccomp libinih; do
		AIRLOCK_DEPS_DIR="" fetch_one "$name" "$dir" >/dev/null
	done
	# Keep only the verified tarballs an offline build needs.
	(cd "$dir" && rm -f ./*.dsc ./*.debian.tar.* ./*.asc)
	say "sources in $dir; build offline with AIRLOCK_DEPS_DIR=$dir ./build.sh"
}

# --- building the dependencies with musl -------------------------------------------------

kernel_headers() {
	local k="$deps/kheaders"
	[ -d "$k" ] && return 0
	mkdir -p "$k"
	ln -s /usr/include/linux "$k/linux"
	ln -s /usr/include/asm-generic "$k/asm-generic"
	ln -s "/usr/include/$(gcc -dumpmachine)/asm" "$k/asm"
}

unpack() { # unpack TARBALL-PATH DEST
	rm -rf "$2.tmp" && mkdir -p "$2.tmp"
	tar -xf "$1" -C "$2.tmp" --strip-components=1
	mv "$2.tmp" "$2"
}

build_deps() {
	[ -f "$deps/done" ] && return 0
	command -v musl-gcc >/dev/null || die "musl-gcc not found (apt-get install musl-tools)"
	local src="${AIRLOCK_DEPS_DIR:-$out/sources}"
	mkdir -p "$src" "$deps/lib" "$deps/include" "$deps/src"
	src=$(cd "$src" && pwd)
	kernel_headers
	local bearssl seccomp inih
	bearssl=$(fetch_one bearssl "$src")
	seccomp=$(fetch_one libseccomp "$src")
	inih=$(fetch_one libinih "$src")

	say "building BearSSL ($bearssl)"
	rm -rf "$deps/src/bearssl"; unpack "$src/$bearssl" "$deps/src/bearssl"
	make -C "$deps/src/bearssl" -j"$jobs" CC=musl-gcc AR=ar lib >/dev/null
	cp "$deps/src/bearssl/build/libbearssl.a" "$deps/lib/"
	cp "$deps/src/bearssl/inc/"*.h "$deps/include/"

	say "building libseccomp ($seccomp)"
	rm -rf "$deps/src/libseccomp"; unpack "$src/$seccomp" "$deps/src/libseccomp"
	(cd "$deps/src/libseccomp" &&
		CC=musl-gcc CFLAGS="-O2 -isystem $deps/kheaders" ./configure -q \
			--enable-static --disable-shared --prefix="$deps/seccomp" >/dev/null &&
		make -j"$jobs" -C src >/dev/null && make -C include >/dev/null)
	cp "$deps/src/libseccomp/src/.libs/libseccomp.a" "$deps/lib/"
	cp "$deps/src/libseccomp/include/seccomp.h" "$deps/src/libseccomp/include/seccomp-syscalls.h" "$deps/include/"

	say "building inih ($inih)"
	rm -rf "$deps/src/inih"; unpack "$src/$inih" "$deps/src/inih"
	cp "$deps/src/inih/ini.h" "$deps/include/"
	touch "$deps/done"
}

# --- our code ----------------------------------------------------------------------------

build_airlock() {
	build_deps
	make -s -j"$jobs" -f "$top/airlock.mk" TOP="$top" OUT="$out" DEPS="$deps" airlock
}

cmd_unit() {
	build_deps
	make -s -j"$jobs" -f "$top/airlock.mk" TOP="$top" OUT="$out" DEPS="$deps" unit
	"$out/test/unit_tests" "$@"
	# Each fuzz target replays its committed seeds and regression inputs.
	[ $# -gt 0 ] && return 0
	local r
	for r in "$out"/test/replay/fuzz_*; do
		"$r" "$top/test/fuzz/corpus/$(basename "$r")" >/dev/null ||
			die "$(basename "$r") failed on a committed input (test/fuzz/corpus)"
	done
	say "every fuzz target replayed its committed inputs under ASan/UBSan"
}

cmd_fuzz() {
	local secs=${1:-10}
	build_deps
	make -s -j"$jobs" -f "$top/airlock.mk" TOP="$top" OUT="$out" DEPS="$deps" fuzz
	local f name corpus
	for f in "$out"/test/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		corpus="$out/test/fuzz-corpus/$name"
		mkdir -p "$corpus"
		say "fuzzing $name for ${secs}s"
		# Seeds live in test/fuzz/corpus/NAME; new finds go to out/, not the tree.
		"$f" -max_total_time="$secs" -print_final_stats=0 "$corpus" \
			"$top/test/fuzz/corpus/$name" >"$out/test/$name.log" 2>&1 ||
			{ tail -n 40 "$out/test/$name.log"; die "$name found a crash"; }
	done
}

cmd_integration() {
	build_airlock
	make -s -j"$jobs" -f "$top/airlock.mk" TOP="$top" OUT="$out" DEPS="$deps" tools
	cd "$top/test/integration"
	AIRLOCK="$out/airlock" /usr/bin/python3 -m pytest -q -p no:cacheprovider "$@"
}

# The tests that examine the shipped binary itself (static, in a FROM scratch image, the
# demo's build) are left out: the sanitizer build is dynamic and glibc's.
sanitized_skip=(--deselect test_build.py --deselect test_container.py --deselect test_demo.py)

# The integration suite again, against the whole program built with ASan and UBSan.
# Every airlock process writes its reports to out/sanitizer-reports (any uid may: the
# sandbox's processes are other users); one report fails the run, whatever the tests
# said. Leak detection is off (test/asan/options.c says why).
cmd_sanitized() {
	build_deps
	make -s -j"$jobs" -f "$top/airlock.mk" TOP="$top" OUT="$out" DEPS="$deps" asan tools
	local reports="$out/sanitizer-reports" rc=0
	rm -rf "$reports"
	mkdir -p "$reports"
	chmod 1777 "$reports"
	cd "$top/test/integration"
	# The options (test/asan/options.c) are compiled in: many tests give airlock an
	# environment of their own.
	AIRLOCK="$out/asan/airlock" /usr/bin/python3 -m pytest -q -p no:cacheprovider \
		"${sanitized_skip[@]}" "$@" || rc=$?
	if [ -n "$(ls -A "$reports")" ]; then
		for f in "$reports"/*; do say "sanitizer report $f:"; head -n 40 "$f" >&2; done
		die "the sanitizer build reported errors (above)"
	fi
	[ "$rc" = 0 ] || die "the integration suite failed against the sanitizer build"
	say "sanitizer build: no report"
}

cmd_test() {
	build_airlock
	cmd_unit
	cmd_fuzz "${AIRLOCK_FUZZ_SECONDS:-10}"
	cmd_integration
	(cmd_sanitized)
}

# First of all, before anything is built: the Debian packages this command needs.
groups=$(needs_of "${1:-build}")
# shellcheck disable=SC2086 # $groups is a list of words
[ -z "$groups" ] || ensure_packages $groups

case "${1:-build}" in
build) build_airlock; say "built $out/airlock" ;;
test) shift; cmd_test "$@" ;;
unit) shift; cmd_unit "$@" ;;
fuzz) shift; cmd_fuzz "$@" ;;
integration) shift; cmd_integration "$@" ;;
sanitized) shift; cmd_sanitized "$@" ;;
fetch) shift; cmd_fetch "$@" ;;
deps) shift; cmd_deps "$@" ;;
demo) build_airlock; exec "$top/test/demo.sh" "$out/airlock" ;;
bench)
	build_airlock
	# the test tools' build also makes the host's seccomp header mitm.sh's certtool needs
	make -s -j"$jobs" -f "$top/airlock.mk" TOP="$top" OUT="$out" DEPS="$deps" tools
	shift
	# Each benchmark adds its rows (airlock beside the peer or the limit) to one table,
	# printed at the end of the run.
	BENCH_SUMMARY="$out/bench-summary.tsv"
	export BENCH_SUMMARY
	: >"$BENCH_SUMMARY"
	for b in "$top"/test/bench/*.sh; do "$b" "$out/airlock" "$@"; done
	echo
	echo "summary (this run, this machine):"
	awk -F'\t' 'BEGIN {printf "%-46s %-32s %-36s %-7s %s\n", "row", "airlock", "peer or limit", "ratio", "target"}
		{printf "%-46s %-32s %-36s %-7s %s\n", $1, $2, $3, $4, $5}' "$BENCH_SUMMARY"
	;;
load) build_airlock; shift; exec /usr/bin/python3 "$top/test/bench/load.py" "$out/airlock" "$@" ;;
clean) rm -rf "$out" ;;
-h | --help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' ;;
*) die "unknown command '$1' (see ./build.sh --help)" ;;
esac
