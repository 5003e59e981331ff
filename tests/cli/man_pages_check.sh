#!/usr/bin/env bash
# The installed man pages against the programs they describe: every
# subcommand and option the tools' own help prints, and every key the config
# reader accepts (its reference block in src/config/config.h), appears in the
# page; the exit-code table is one table (--help, the man page's EXIT STATUS
# and README say the same words); each page renders without a groff warning.
#   man_pages_check.sh SOURCE_DIR SSLP11_ADMIN SSLP11_TLS
set -euo pipefail
src="$1" admin="$2" tls="$3"
man="$src/docs/man"
fail=0
missing() { echo "FAIL: $1"; fail=1; }

# The page as plain text: roff's '\-' is '-', font changes dropped.
plain() { sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$1"; }
# (grep on a here-string: `plain | grep -q` would fail under pipefail when
# grep stops reading early.)
has_option() { [ "$2" = --help ] || grep -qF -- "$2" <<<"$(plain "$1")"; }

subcommands=$("$admin" --help | sed -n '/^subcommands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
[ -n "$subcommands" ] || missing "sslp11-admin --help lists no subcommand"
for sub in $subcommands; do
  grep -qx "\.SS $sub" "$man/sslp11-admin.1" || missing "sslp11-admin.1 has no section for '$sub'"
  for opt in $("$admin" help "$sub" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    has_option "$man/sslp11-admin.1" "$opt" || missing "sslp11-admin.1 does not mention $sub's $opt"
  done
done
has_option "$man/sslp11-admin.1" --version || missing "sslp11-admin.1 does not mention --version"

commands=$("$tls" --help | grep -o 'sslp11-tls [a-z]*' | awk '{print $2}' | sort -u | grep -vx help)
for cmd in $commands; do
  grep -qF "sslp11-tls $cmd" "$man/sslp11-tls.1" || grep -qF ".B sslp11-tls $cmd" "$man/sslp11-tls.1" ||
    missing "sslp11-tls.1 does not show '$cmd'"
  for opt in $("$tls" help "$cmd" 2>/dev/null | grep -o -- '--[a-z][a-z-]*' | sort -u); do
    has_option "$man/sslp11-tls.1" "$opt" || missing "sslp11-tls.1 does not mention $cmd's $opt"
  done
done

for key in $(grep -E '^//   [a-z-]+ = ' "$src/src/config/config.h" | awk '{print $2}'); do
  grep -qE "^\.BI $key " <<<"$(plain "$man/sslp11.conf.5")" || missing "sslp11.conf.5 does not describe '$key'"
done

# One exit-code table: src/cli/errors.h prints it in --help; the page and README repeat it.
help_codes=$("$admin" --help | sed -n '/^Exit codes:/,/\.$/p' | tr '\n' ' ' | sed -e 's/^Exit codes: //' -e 's/\. *$//')
page_codes=$(plain "$man/sslp11-admin.1" | sed -n '/^\.SH EXIT STATUS/,/^\.SH [^E]/p' |
  awk '/^\.B [0-9]/ {code=$2; next} code != "" && !/^\./ {printf "%s%s %s", sep, code, $0; sep=", "; code=""}')
[ -n "$help_codes" ] || missing "sslp11-admin --help prints no exit-code table"
[ "$help_codes" = "$page_codes" ] || missing "exit codes: --help says '$help_codes', sslp11-admin.1 says '$page_codes'"
grep -qF -- "$help_codes" <<<"$(tr -s ' \n' '  ' <"$src/README.md")" ||
  missing "README.md does not repeat the exit-code table '$help_codes'"

for page in "$man"/*.[0-9]; do
  warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1 || true)
  [ -z "$warnings" ] || missing "$(basename "$page") renders with warnings: $warnings"
done

[ "$fail" = 0 ] && echo "man pages agree with the programs"
exit "$fail"
