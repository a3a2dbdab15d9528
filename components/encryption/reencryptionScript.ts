/**
 * The POSIX shell script the `SecretsReencryption` Job runs. Kept in its own module so tests can run it
 * against a fake `kubectl`.
 *
 * Environment: `NAMESPACES` (space-separated; empty = every namespace), `CHUNK_SIZE` (list page size),
 * `MAX_ATTEMPTS` (per Secret, conflicts retried), `TMPDIR` (writable directory).
 * Exit status: 0 when every listed Secret was rewritten (or disappeared meanwhile), 1 otherwise.
 * Secret contents are held in a shell variable only and never printed.
 */
export const REENCRYPTION_SCRIPT = `#!/bin/sh
# Rewrites every Secret so the API server stores it with its current write provider.
set -u
chunk="\${CHUNK_SIZE:-100}"
attempts="\${MAX_ATTEMPTS:-5}"
list="\${TMPDIR:-/tmp}/secrets.list"
: > "$list" || { echo "cannot write $list" >&2; exit 1; }

list_ns() {
  # --chunk-size pages the list with continue tokens instead of one huge response.
  kubectl get secrets "$@" --chunk-size="$chunk" --no-headers \\
    -o custom-columns=NAMESPACE:.metadata.namespace,NAME:.metadata.name >> "$list"
}

if [ -n "\${NAMESPACES:-}" ]; then
  for ns in $NAMESPACES; do
    list_ns --namespace "$ns" || { echo "listing Secrets in namespace $ns failed" >&2; exit 1; }
  done
else
  list_ns --all-namespaces || { echo "listing Secrets failed" >&2; exit 1; }
fi

total=0; rewritten=0; gone=0; failed=0
while read -r ns name; do
  [ -n "\${name:-}" ] || continue
  total=$((total + 1))
  try=1
  while :; do
    if ! obj="$(kubectl get secret "$name" --namespace "$ns" --ignore-not-found -o json < /dev/null)"; then
      err="get failed"
    elif [ -z "$obj" ]; then
      gone=$((gone + 1)); break
    elif err="$(printf '%s\\n' "$obj" | kubectl replace -f - 2>&1 >/dev/null)"; then
      rewritten=$((rewritten + 1)); break
    fi
    case "$err" in
      *Conflict*|*"the object has been modified"*|*"get failed"*) ;;
      *NotFound*) gone=$((gone + 1)); break ;;
      *) try=$attempts ;;
    esac
    if [ "$try" -ge "$attempts" ]; then
      echo "FAILED $ns/$name: $(printf '%s' "$err" | head -n 1)" >&2
      failed=$((failed + 1)); break
    fi
    try=$((try + 1))
    sleep "$try"
  done
done < "$list"

echo "secrets: $total listed, $rewritten rewritten, $gone deleted meanwhile, $failed failed"
[ "$failed" -eq 0 ]
`;
