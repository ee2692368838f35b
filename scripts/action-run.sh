#!/usr/bin/env bash
# The run step of the GitHub Action (action.yml): runs `tlscheck mx` (or, with INPUT_NAME,
# `tlscheck host ADDRESSES --name NAME`: the pre-cutover check) with the action's inputs,
# which arrive as environment variables, writes the report, the step summary and the outputs, and
# maps the exit code: 1 (a finding of severity error) fails the job; 3 (inconclusive: nothing could
# be probed, typically port 25 blocked from the runner) is a warning unless
# INPUT_FAIL_ON_INCONCLUSIVE=true; 2 and 4 fail the job.
#
# Inputs: INPUT_DOMAINS (space, comma or newline separated; with INPUT_NAME the addresses of the
# new server), INPUT_NAME (host name for SNI and the name check), INPUT_PROFILE, INPUT_REQUIRE_TLS,
# INPUT_FORMAT (text|json|markdown|junit), INPUT_OUTPUT (report file), INPUT_ARGS (more options),
# INPUT_FAIL_ON_INCONCLUSIVE. TLSCHECK names the binary (default: tlscheck on PATH).
set -uo pipefail

tlscheck=${TLSCHECK:-tlscheck}
read -r -a domains <<<"$(printf '%s' "${INPUT_DOMAINS:-}" | tr ',\n' '  ')"
if [ "${#domains[@]}" -eq 0 ]; then
  echo "::error::tlscheck: the 'domains' input is empty"
  exit 2
fi
format=${INPUT_FORMAT:-text}
case $format in
  text) ext=txt ;;
  json) ext=json ;;
  markdown) ext=md ;;
  junit) ext=xml ;;
  ndjson) ext=ndjson ;;
  *) echo "::error::tlscheck: format must be text, json, markdown, junit or ndjson, not '$format'"; exit 2 ;;
esac
out=${INPUT_OUTPUT:-tlscheck-report.$ext}
command=mx
name=${INPUT_NAME:-}
if [ -n "$name" ]; then
  # A host name (letters, digits, hyphens, dots; at least two labels), not an address or an option.
  if ! [[ $name =~ ^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)+\.?$ ]] \
    || [[ $name =~ ^[0-9.]+$ ]]; then
    echo "::error::tlscheck: name must be a host name such as mx.contoso.com, not '$name'"
    exit 2
  fi
  command=host
fi

# One probe writes the JSON report; the requested format and the summary are rendered from it
# offline (`tlscheck report`), so every view shows the same run.
json=${INPUT_OUTPUT:+${out%.*}.json}
json=${json:-tlscheck-report.json}
args=("$command" "${domains[@]}" --format json -o "$json")
[ -n "$name" ] && args+=(--name "$name")
[ -n "${INPUT_PROFILE:-}" ] && args+=(--profile "$INPUT_PROFILE")
[ -n "${INPUT_REQUIRE_TLS:-}" ] && args+=(--require-tls "$INPUT_REQUIRE_TLS")
read -r -a extra <<<"${INPUT_ARGS:-}"

"$tlscheck" "${args[@]}" "${extra[@]}"
code=$?

if [ -f "$json" ]; then
  if [ "$format" != json ]; then
    "$tlscheck" report "$json" --format "$format" -o "$out" >/dev/null
  fi
  # The report in the log for text/markdown; the Markdown report in the step summary.
  case $format in text | markdown) cat "$out" ;; esac
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    {
      echo "### tlscheck ${domains[*]}"
      "$tlscheck" report "$json" --format markdown
    } >>"$GITHUB_STEP_SUMMARY"
  fi
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  { echo "exit-code=$code"; echo "report=$out"; echo "json-report=$json"; } >>"$GITHUB_OUTPUT"
fi

case $code in
  0) exit 0 ;;
  1) echo "::error::tlscheck: the TLS policy failed for ${domains[*]} (see the report: $out)"; exit 1 ;;
  3)
    if [ "${INPUT_FAIL_ON_INCONCLUSIVE:-false}" = true ]; then
      echo "::error::tlscheck: inconclusive: nothing could be probed"
      exit 3
    fi
    echo "::warning::tlscheck: inconclusive: nothing could be probed (is outbound port 25 blocked from this runner? GitHub-hosted runners block it; use a self-hosted runner)"
    exit 0
    ;;
  *) echo "::error::tlscheck: exit code $code (2: usage or configuration error, 4: internal error)"; exit "$code" ;;
esac
