/**
 * The POSIX shell script the `SecretsReencryption` Job runs. Kept in its own module so tests can run it
 * against a fake `kubectl`.
 *
 * One namespace at a time, two kubectl processes per namespace (never one per Secret):
 * `kubectl get secrets --namespace NS --chunk-size=N -o json | kubectl replace -f -`, the rewrite the
 * Kubernetes docs give ("Ensure all Secrets are encrypted"). `kubectl replace -f` of a `List` flattens it and
 * sends one PUT per item (kubernetes/kubectl pkg/cmd/replace/replace.go: `r.Visit` over the builder's
 * `Flatten()`ed infos, one `resource.NewHelper(...).Replace` each), so the rewrite costs one update request
 * per Secret plus the list pages. Each PUT carries the listed `resourceVersion`, so a Secret changed meanwhile
 * is never overwritten: the API server answers `Conflict`, and the Secret was then already written again after
 * the list, i.e. stored with the current write provider; the script counts it as done. `NotFound` (deleted
 * meanwhile) is done too. Any other error fails the run; re-running it is safe (a replace without changes
 * only rewrites the stored bytes).
 *
 * Environment: `NAMESPACES` (space-separated; empty = every namespace that has Secrets), `CHUNK_SIZE` (list
 * page size), `MAX_ATTEMPTS` (attempts of each list), `TMPDIR` (writable directory).
 * Exit status: 0 when every listed Secret was rewritten (or changed/disappeared meanwhile), 1 otherwise.
 * Secret contents only flow through the pipe between the two kubectl processes and are never printed.
 */
export const REENCRYPTION_SCRIPT = `#!/bin/sh
# Rewrites every Secret so the API server stores it with its current write provider.
set -u
chunk="\${CHUNK_SIZE:-100}"
attempts="\${MAX_ATTEMPTS:-5}"
tmp="\${TMPDIR:-/tmp}"
out="$tmp/replace.out"; err="$tmp/replace.err"; failmark="$tmp/list.failed"

# The namespaces to rewrite: given, or every namespace that has a Secret (one paged list, names only printed).
if [ -n "\${NAMESPACES:-}" ]; then
  namespaces="$NAMESPACES"
else
  try=1
  while ! kubectl get secrets --all-namespaces --chunk-size="$chunk" --no-headers \\
      -o custom-columns=NAMESPACE:.metadata.namespace > "$tmp/namespaces"; do
    if [ "$try" -ge "$attempts" ]; then echo "listing Secrets failed" >&2; exit 1; fi
    try=$((try + 1)); sleep "$try"
  done
  namespaces="$(sort -u "$tmp/namespaces")"
fi

rewritten=0; skipped=0; failed=0; failed_ns=0
for ns in $namespaces; do
  try=1
  while :; do
    rm -f "$failmark"
    # One process lists the namespace (paged), one replaces every item of the list.
    { kubectl get secrets --namespace "$ns" --chunk-size="$chunk" -o json || : > "$failmark"; } \\
      | kubectl replace -f - > "$out" 2> "$err"
    [ -f "$failmark" ] || break
    if [ "$try" -ge "$attempts" ]; then break; fi
    try=$((try + 1)); sleep "$try"
  done
  if [ -f "$failmark" ]; then
    echo "FAILED namespace $ns: listing Secrets failed" >&2
    failed_ns=$((failed_ns + 1)); continue
  fi
  n=$(grep -c ' replaced$' "$out"); rewritten=$((rewritten + n))
  n=$(grep -c -E '^Error from server \\((Conflict|NotFound)\\)' "$err"); skipped=$((skipped + n))
  # Everything else on stderr is a failure, except the message for an empty list.
  grep -v -E '^Error from server \\((Conflict|NotFound)\\)|^error: no objects passed to replace' "$err" > "$err.other"
  n=$(grep -c . "$err.other"); failed=$((failed + n))
  sed -n 's/^/FAILED '"$ns"': /p' "$err.other" | head -n 20 >&2
done
rm -f "$out" "$err" "$err.other" "$failmark" "$tmp/namespaces"

echo "secrets: $rewritten rewritten, $skipped changed or deleted meanwhile, $failed failed, $failed_ns namespaces not listed"
[ "$failed" -eq 0 ] && [ "$failed_ns" -eq 0 ]
`;
