#!/usr/bin/env bash
# Installs the herald release that matches the action's ref, for the
# action's first step (action.yml). It needs bash, curl, tar (unzip on
# Windows) and sha256sum or shasum, which every GitHub-hosted runner has.
#
# The ref decides what is installed:
#   v1.2.3 (a release tag)   that release
#   v1, v1.2                 the newest release v1.x.y, v1.2.y (no pre-releases),
#                            found through the releases API
#   anything else            nothing: it says build=true, and the action
#                            builds herald from its own source with Go
#
# The archive is checked against the release's checksums file before it
# is unpacked: a mismatch, or an archive the file does not list, fails the
# step. A release that cannot be reached, or that has no archive for this
# runner, falls back to building from source, with a warning.
#
# Installed binaries are kept in the runner's tool cache
# ($RUNNER_TOOL_CACHE/herald/VERSION/ARCH, with ARCH.complete beside it,
# as actions/tool-cache lays it out), so a self-hosted runner downloads
# each version once.
#
# Environment:
#   HERALD_REF          the action's ref (github.action_ref); when empty,
#                       the last element of GITHUB_ACTION_PATH, which the
#                       runner names after the ref
#   HERALD_REPOSITORY   owner/name of the action (default heraldhq/herald)
#   GITHUB_API_URL      default https://api.github.com
#   GITHUB_SERVER_URL   default https://github.com
#   GITHUB_TOKEN        optional; sent to the API only, for its rate limit
#   RUNNER_OS, RUNNER_ARCH, RUNNER_TEMP, RUNNER_TOOL_CACHE, GITHUB_OUTPUT
#
# Outputs (to GITHUB_OUTPUT): bin (the directory holding herald), version,
# and build=true when herald must be built from source instead.
set -euo pipefail

repo=${HERALD_REPOSITORY:-heraldhq/herald}
ref=${HERALD_REF:-}
if [[ -z $ref && -n ${GITHUB_ACTION_PATH:-} ]]; then
	# A Windows runner's path has backslashes.
	ref=$(basename "${GITHUB_ACTION_PATH//\\//}")
fi
api=${GITHUB_API_URL:-https://api.github.com}
server=${GITHUB_SERVER_URL:-https://github.com}
tmp=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
cache=${RUNNER_TOOL_CACHE:-$tmp/tool-cache}
output=${GITHUB_OUTPUT:-/dev/stdout}

say() { printf 'herald: %s\n' "$*" >&2; }
fail() {
	printf '::error title=herald install::%s\n' "$*"
	exit 1
}

# build_from_source ends the script, telling the action to build herald.
build_from_source() {
	say "$1; building herald from the action's source"
	echo "build=true" >>"$output"
	exit 0
}

case ${RUNNER_OS:-Linux} in
Linux) os=linux ;;
macOS) os=darwin ;;
Windows) os=windows ;;
*) build_from_source "no release archive for the runner OS ${RUNNER_OS}" ;;
esac
case ${RUNNER_ARCH:-X64} in
X64) arch=amd64 cache_arch=x64 ;;
ARM64) arch=arm64 cache_arch=arm64 ;;
*) build_from_source "no release archive for the runner architecture ${RUNNER_ARCH}" ;;
esac

# download URL FILE [AUTH]: fetches URL into FILE, with the token only
# when AUTH is set (curl does not forward it past a redirect to another host).
download() {
	local url=$1 file=$2 auth=${3:-}
	local args=(--fail --silent --show-error --location --retry 3 --connect-timeout 20 --max-time 300 -o "$file")
	if [[ -n $auth && -n ${GITHUB_TOKEN:-} ]]; then
		args+=(--header "Authorization: Bearer ${GITHUB_TOKEN}")
	fi
	curl "${args[@]}" "$url"
}

# The tag to install.
if [[ $ref =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
	tag=$ref
elif [[ $ref =~ ^v([0-9]+)(\.([0-9]+))?$ ]]; then
	prefix="v${BASH_REMATCH[1]}\\."
	if [[ -n ${BASH_REMATCH[3]} ]]; then
		prefix+="${BASH_REMATCH[3]}\\."
	fi
	releases="$tmp/herald-releases.json"
	if ! download "$api/repos/$repo/releases?per_page=100" "$releases" auth; then
		build_from_source "the releases of $repo could not be listed"
	fi
	# The newest stable release under the ref: tags vX.Y.Z only (a
	# pre-release has a suffix), compared field by field as numbers.
	tag=$(grep -o '"tag_name"[[:space:]]*:[[:space:]]*"[^"]*"' "$releases" |
		sed 's/.*"\([^"]*\)"$/\1/' |
		grep -E "^${prefix}[0-9.]*$" | grep -E '^v[0-9]+\.[0-9]+\.[0-9]+$' |
		sed 's/^v//' | sort -t. -k1,1n -k2,2n -k3,3n | tail -n 1 || true)
	if [[ -z $tag ]]; then
		build_from_source "$repo has no release under $ref"
	fi
	tag=v$tag
	say "$ref is $tag, the newest release under it"
else
	build_from_source "${ref:-an empty ref} is not a release"
fi

version=${tag#v}
exe=herald
ext=tar.gz
if [[ $os == windows ]]; then
	exe=herald.exe
	ext=zip
fi
# The names .goreleaser.yaml gives the archives and the checksums file.
archive="herald_${version}_${os}_${arch}.${ext}"
checksums="herald_${version}_checksums.txt"

dir="$cache/herald/$version/$cache_arch"
if [[ -f "$dir.complete" && -x "$dir/$exe" ]]; then
	say "herald $tag from the tool cache ($dir)"
	{
		echo "bin=$dir"
		echo "version=$tag"
	} >>"$output"
	exit 0
fi

work=$(mktemp -d "$tmp/herald-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
base="$server/$repo/releases/download/$tag"
if ! download "$base/$checksums" "$work/$checksums"; then
	build_from_source "$tag has no $checksums"
fi
if ! download "$base/$archive" "$work/$archive"; then
	build_from_source "$tag has no $archive"
fi

# The checksums file lists "SHA256  NAME" lines; the archive's must match.
want=$(awk -v name="$archive" '$2 == name || $2 == "*" name { print $1 }' "$work/$checksums")
if [[ -z $want ]]; then
	fail "$checksums of $tag does not list $archive: not installing an archive that cannot be checked"
fi
if command -v sha256sum >/dev/null 2>&1; then
	got=$(sha256sum "$work/$archive" | awk '{ print $1 }')
else
	got=$(shasum -a 256 "$work/$archive" | awk '{ print $1 }')
fi
if [[ $got != "$want" ]]; then
	fail "$archive of $tag has SHA-256 $got, but $checksums says $want: the download is corrupt or was tampered with; not installing it"
fi
say "$archive: SHA-256 $got matches $checksums"

mkdir -p "$work/x"
if [[ $ext == zip ]]; then
	if command -v unzip >/dev/null 2>&1; then
		unzip -q "$work/$archive" -d "$work/x"
	else
		7z x -y -o"$work/x" "$work/$archive" >/dev/null
	fi
else
	tar -xzf "$work/$archive" -C "$work/x"
fi
if [[ ! -f "$work/x/$exe" ]]; then
	fail "$archive of $tag holds no $exe at its top"
fi

rm -rf "$dir" "$dir.complete"
mkdir -p "$dir"
cp "$work/x/$exe" "$dir/$exe"
chmod 755 "$dir/$exe"
touch "$dir.complete"
say "herald $tag installed in $dir"
{
	echo "bin=$dir"
	echo "version=$tag"
} >>"$output"
