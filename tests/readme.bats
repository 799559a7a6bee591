#!/usr/bin/env bats
# The README's reference section is every tool's --help, word for word
# (scripts/readme-help writes it).

load test_helper

@test "README: the reference section is the tools' --help" {
	for t in flo-rfm flo-fit flo-score flo-segment flo-cat flo-simulate; do
		awk -v t="### $t" '$0 == t { on = 1; next } on && /^```$/ { if (++fence == 2) exit; next } on && fence == 1' \
			"$ROOT/README.md" > "$TMP/readme.txt"
		"$t" --help > "$TMP/help.txt"
		if ! cmp -s "$TMP/readme.txt" "$TMP/help.txt"; then
			echo "README's $t reference differs from $t --help: run scripts/readme-help"
			diff "$TMP/readme.txt" "$TMP/help.txt" | head -20
			return 1
		fi
	done
}
