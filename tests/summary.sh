#!/bin/sh
# Add up the "passed failed" counts each test stage left in the results
# folder and print the one closing line of `make check`.  A stage that
# left no counts (it crashed before writing them) counts as one failure.
dir=$1
passed=0
failed=0
for stage in unit sanitizers $(ls "$dir" 2>/dev/null); do
	case " $seen " in *" $stage "*) continue ;; esac
	seen="$seen $stage"
	if [ -s "$dir/$stage" ]; then
		read -r p f < "$dir/$stage"
		echo "$stage: $p passed, $f failed"
	else
		p=0 f=1
		echo "$stage: left no result (crashed?)"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
