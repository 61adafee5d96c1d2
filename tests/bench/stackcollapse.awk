# SPDX-License-Identifier: MIT
# `perf script` (with call graphs) -> folded stacks, one line per distinct
# stack: "comm;outermost;...;innermost COUNT" (flamegraph.pl's input format).
# Frame offsets (+0x..) are dropped so one function is one frame; unresolved
# frames keep their DSO name in brackets.
function flush(   s, i) {
	if (comm == "")
		return
	s = comm
	for (i = n; i >= 1; i--)
		s = s ";" f[i]
	count[s]++
	comm = ""
	n = 0
}
/^[^ \t]/ { flush(); comm = $1; n = 0; next }
/^[ \t]+[0-9a-f]+ / {
	sym = $2
	sub(/\+0x[0-9a-f]+$/, "", sym)
	if (sym == "[unknown]") {
		dso = $NF
		gsub(/[()]/, "", dso)
		sub(/.*\//, "", dso)
		sym = "[" dso "]"
	}
	f[++n] = sym
	next
}
/^$/ { flush() }
END {
	flush()
	for (s in count)
		print s, count[s]
}
