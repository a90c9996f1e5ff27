#!/usr/bin/env bash
# Installs ecsrole for the composite action (../action.yml): the release archive for this
# runner, its SHA-256 checked against the release's .sha256 file; `cargo install` only
# when no archive is published for the platform (or ECSROLE_INSTALL=cargo). Inputs come
# as environment variables, never spliced into the script:
#   ECSROLE_VERSION        the release, without the v (required)
#   ECSROLE_RELEASES       where releases are [default: https://github.com/ecsrole/ecsrole/releases/download]
#   ECSROLE_DEST           where the binary goes [default: $RUNNER_TEMP/ecsrole-bin]
# Prints the installed binary's path on stdout; fails (exit 1) on a checksum mismatch.
set -euo pipefail

version="${ECSROLE_VERSION:?the action input version is required (a release such as 0.1.0)}"
case "$version" in
  *[!0-9A-Za-z.+-]*) echo "ecsrole action: invalid version '$version': expected a release such as 0.1.0" >&2; exit 1 ;;
esac
releases="${ECSROLE_RELEASES:-https://github.com/ecsrole/ecsrole/releases/download}"
dest="${ECSROLE_DEST:-${RUNNER_TEMP:-/tmp}/ecsrole-bin}"

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-musl; ext=tar.gz ;;
  Linux-aarch64 | Linux-arm64) target=aarch64-unknown-linux-musl; ext=tar.gz ;;
  Darwin-x86_64) target=x86_64-apple-darwin; ext=tar.gz ;;
  Darwin-arm64) target=aarch64-apple-darwin; ext=tar.gz ;;
  MINGW* | MSYS* | CYGWIN*) target=x86_64-pc-windows-msvc; ext=zip ;;
  *) target="" ;;
esac
target="${ECSROLE_TARGET:-$target}"

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

mkdir -p "$dest"
if [ -n "$target" ] && [ "${ECSROLE_INSTALL:-archive}" != cargo ]; then
  name="ecsrole-$version-$target"
  work="$(mktemp -d)"
  url="$releases/v$version/$name.$ext"
  echo "ecsrole action: downloading $url" >&2
  curl -fsSL --retry 3 --max-time 300 -o "$work/$name.$ext" "$url"
  curl -fsSL --retry 3 --max-time 60 -o "$work/$name.$ext.sha256" "$url.sha256"
  want="$(cut -d' ' -f1 < "$work/$name.$ext.sha256")"
  got="$(sha256 "$work/$name.$ext")"
  if [ "$want" != "$got" ]; then
    echo "ecsrole action: checksum mismatch for $name.$ext: the release says $want, the download is $got" >&2
    exit 1
  fi
  case "$ext" in
    tar.gz) tar -xzf "$work/$name.$ext" -C "$work" ;;
    zip) (cd "$work" && unzip -q "$name.$ext") ;;
  esac
  bin="ecsrole"; [ "$ext" = zip ] && bin="ecsrole.exe"
  cp "$work/$name/$bin" "$dest/$bin"
  chmod +x "$dest/$bin"
  rm -rf "$work"
  echo "$dest/$bin"
else
  echo "ecsrole action: no release archive for $(uname -s)-$(uname -m): cargo install (slow: it compiles the AWS SDK)" >&2
  cargo install --locked --root "$dest/cargo" --git https://github.com/ecsrole/ecsrole --tag "v$version" ecsrole >&2
  echo "$dest/cargo/bin/ecsrole"
fi
