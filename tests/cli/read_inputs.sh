#!/bin/sh
# Inputs that are not plain files, for every verb that reads through nf_reader (read, dedup,
# fold ...): a FIFO, socket or device met inside a directory is reported and passed over (it
# used to be opened, and a FIFO with no writer hung the run), a dangling link (a file that
# vanished) is reported, a directory that turns up where a file was is refused; the rest is
# read and the exit status is 2, as for any input that cannot be opened. A FIFO named as an
# input is read.
. tests/cli/lib.sh
mkdir "$TMP/d"
printf ' date 2024-03-05 The council approved the budget on Tuesday after a long debate.\n' > "$TMP/d/a.txt"
mkfifo "$TMP/d/b.txt"
ln -s "$TMP/gone.txt" "$TMP/d/c.txt"
timeout 20 "$NF" read "$TMP/d" > "$TMP/out" 2> "$TMP/err"; st=$?
ok "no hang, exit 2" '[ "$st" -eq 2 ]'
ok "the file is read" '[ "$(wc -l < "$TMP/out")" -eq 1 ] && grep -q "\"id\":\"a\"" "$TMP/out"'
ok "FIFO reported" 'grep -q "d/b.txt: cannot open: not a regular file" "$TMP/err"'
ok "dangling link reported" 'grep -q "d/c.txt: cannot open: No such file or directory" "$TMP/err"'
ok "summary" 'grep -q "^read 1, accepted 1, rejected 0$" "$TMP/err"'
timeout 20 "$NF" fold "$TMP/d" > /dev/null 2> "$TMP/err2"; st=$?
ok "fold: no hang, exit 2" '[ "$st" -eq 2 ] && grep -q "d/b.txt: cannot open: not a regular file" "$TMP/err2"'
timeout 20 "$NF" dedup "$TMP/d" > /dev/null 2> "$TMP/err3"; st=$?
ok "dedup: no hang, exit 2" '[ "$st" -eq 2 ] && grep -q "d/b.txt: cannot open: not a regular file" "$TMP/err3"'
# a FIFO named on the command line is an input like any other (as a shell's <(...) is)
(cat "$TMP/d/a.txt" > "$TMP/d/b.txt") &
timeout 20 "$NF" read "$TMP/d/b.txt" > "$TMP/out4" 2> "$TMP/err4"; st=$?
ok "named FIFO read" '[ "$st" -eq 0 ] && grep -q "\"id\":\"b\"" "$TMP/out4"'
if [ -r /proc/self/mem ]; then   # opens, then read(2) fails
    "$NF" read /proc/self/mem > /dev/null 2> "$TMP/err5"; st=$?
    ok "read error exit 2" '[ "$st" -eq 2 ] && grep -q "/proc/self/mem: read error: " "$TMP/err5"'
fi
# eval reads each file on its own: a missing one is reported and the others are still scored
# (it used to stop there), exit 2 (a missing --seeds made it 3: 1|2)
W=${SHARED:-../shared}/data/newswcl50.jsonl
"$NF" eval "$TMP/missing.jsonl" "$W" > "$TMP/ev" 2> "$TMP/everr"; st=$?
ok "eval goes on, exit 2" '[ "$st" -eq 2 ] && grep -q "newswcl50.jsonl	articles 50" "$TMP/ev" && grep -q "missing.jsonl: cannot open" "$TMP/everr"'
"$NF" eval --seeds "$TMP/noseeds" "$W" > /dev/null 2>&1; st=$?
ok "eval: missing seeds exit 2" '[ "$st" -eq 2 ]'
finish read_inputs
