#!/bin/sh
# The house style of the C sources is OpenBSD KNF (style(9)), and this is
# its check, run by `make lint` and, as the stage "style", by `make check`.
# The project does as the Linux kernel does: .clang-format at the top is
# as near as clang-format gets, for editors and for `git clang-format` on
# the lines one writes, but clang-format cannot align declarations on tab
# stops the KNF way nor continue a statement by a flat four spaces, and
# run over the tree it would rewrite thousands of lines; so the tree is
# not formatted with it, and what the house style requires is checked
# here instead.  Every line of src/*.[ch], include/imaged/*.h and the C
# files under tests/ has:
#
#   - at most 80 columns, tabs expanded to 8 (bytes, not characters);
#   - no blank at its end;
#   - tabs for indentation: its leading blanks are tabs, then at most 7
#     spaces (a continuation line is the statement's tabs and 4 spaces, a
#     comment's " * " has one), so never 8 spaces and never a tab after a
#     space;
#   - a space between if, for, while or switch and its "(", and before a
#     "{" that follows ")", else or do (a compound literal such as
#     "(struct x){" aside), and after a "}" followed by else or while;
#   - in a function definition, the return type alone on the line above
#     the name, the name at column 0, and the "{" alone on its line after
#     the parameter list (macros such as START_TEST(name) have no type).
#
# Comments, strings and character constants are blanked before the last
# two rules are looked at.  A problem is printed as file:line: reason,
# each file is one check, and the exit status is non-zero if any failed.
#
#   sh tests/style.sh [file ...]	(default: every C file named above)
. "$(dirname "$0")/lib.sh"

if [ $# -eq 0 ]; then
	cd "$(dirname "$0")/.." || exit 1
	set -- $(find src include/imaged tests/unit tests/api tests/fuzz \
	    tests/bench tests/crash -name '*.[ch]' | sort)
fi

knf() {
	LC_ALL=C awk '
function expand(s,	out, i, c) {
	out = ""
	for (i = 1; i <= length(s); i++) {
		c = substr(s, i, 1)
		if (c == "\t") {
			out = out " "
			while (length(out) % 8 != 0)
				out = out " "
		} else
			out = out c
	}
	return out
}

# The line with comments, strings and character constants blanked.
function code(s,	out, i, n, c, q) {
	out = ""
	n = length(s)
	for (i = 1; i <= n; i++) {
		c = substr(s, i, 1)
		if (incomment) {
			if (c == "*" && substr(s, i + 1, 1) == "/") {
				incomment = 0
				i++
				out = out "  "
			} else
				out = out " "
		} else if (c == "/" && substr(s, i + 1, 1) == "*") {
			incomment = 1
			i++
			out = out "  "
		} else if (c == "/" && substr(s, i + 1, 1) == "/") {
			break
		} else if (c == "\"" || c == "\047") {
			q = c
			out = out q
			for (i++; i <= n; i++) {
				c = substr(s, i, 1)
				if (c == "\\") {
					i++
					out = out "xx"
				} else if (c == q)
					break
				else
					out = out "x"
			}
			out = out q
		} else
			out = out c
	}
	return out
}

function bad(why) {
	printf "%s:%d: %s\n", FILENAME, FNR, why
	nbad++
}

FNR == 1 {
	incomment = 0
	depth = 0
	pp = 0
	hdr = 0
	prevcode = ""
}

{
	line = $0
	if (length(line) > 80 || index(line, "\t") > 0) {
		if (length(expand(line)) > 80)
			bad("longer than 80 columns")
	}
	if (line ~ /[ \t]$/)
		bad("trailing blanks")
	if (line ~ /^[ \t]* \t/ || line ~ /^\t*        /)
		bad("indented by spaces, or a tab after a space")

	wasincomment = incomment
	c = code(line)
	ispp = pp || (!wasincomment && c ~ /^[ \t]*#/)
	pp = ispp && c ~ /\\$/

	if (c ~ /(^|[^A-Za-z0-9_])(if|for|while|switch)\(/)
		bad("no space between a keyword and its \"(\"")
	t = c
	gsub(/\((const )?(struct|union|enum) [A-Za-z0-9_]+\)\{/, "", t)
	gsub(/\([A-Za-z_][A-Za-z0-9_ *]*\[[A-Za-z0-9_]*\]\)\{/, "", t)
	if (t ~ /\)\{/ || t ~ /(^|[^A-Za-z0-9_])(else|do)\{/ ||
	    t ~ /\}(else|while)/)
		bad("no space before \"{\" or after \"}\"")

	if (!ispp) {
		# A top-level declaration whose first "(" is on this line.
		if (depth == 0 && !hdr && c ~ /^[A-Za-z_]/ && index(c, "(")) {
			hdr = 1
			hdrline = FNR
			hdrname = c
			hdrprev = prevcode
			hdrassign = 0
		}
		if (hdr) {
			if (c ~ /=/)
				hdrassign = 1
			semi = index(c, ";")
			brace = index(c, "{")
			if (semi && !(brace && brace < semi))
				hdr = 0
			else if (brace) {
				hdr = 0
				if (!hdrassign)
					definition()
			}
		}
		n = gsub(/\{/, "{", c)
		depth += n
		n = gsub(/\}/, "}", c)
		depth -= n
	}
	prevcode = c
}

# The definition whose name line is hdrline and whose "{" is on this line.
function definition(	name, macro) {
	name = hdrname
	sub(/\(.*/, "", name)
	macro = name ~ /^[A-Z0-9_]+$/
	if (hdrname !~ /^[A-Za-z_][A-Za-z0-9_]*\(/) {
		printf "%s:%d: %s\n", FILENAME, hdrline,
		    "a function name not alone at column 0"
		nbad++
	} else if (!macro && (hdrprev ~ /^[ \t]*$/ || hdrprev ~ /[;{}]/)) {
		printf "%s:%d: %s\n", FILENAME, hdrline,
		    "no return type on the line above a function name"
		nbad++
	}
	if (c !~ /^\{[ \t]*$/)
		bad("a function body whose \"{\" is not alone on its line")
}

END {
	exit nbad > 0
}
' "$1"
}

for f in "$@"; do
	check "$f" knf "$f"
done
finish
