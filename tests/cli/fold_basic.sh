#!/bin/sh
# fold / eval CLI: help, the seeds fold into one story, deterministic bytes, eval lines, seeds check.
. tests/cli/lib.sh
S=${SHARED:-../shared}
ok "fold --help" '$NF fold --help | grep -q "usage: newsfold fold"'
ok "eval --help" '$NF eval --help | grep -q "usage: newsfold eval"'
$NF fold "$S/seeds" -o "$TMP/s.jsonl" 2>"$TMP/err"
ok "fold seeds exit 0" '[ $? -eq 0 ]'
ok "two lines" '[ $(wc -l < "$TMP/s.jsonl") -eq 2 ]'
ok "one story" '[ $(grep -o "\"story\": *\"[^\"]*\"" "$TMP/s.jsonl" | sort -u | wc -l) -eq 1 ]'
ok "copy_of present" 'grep -q "\"copy_of\"" "$TMP/s.jsonl"'
ok "summary" 'grep -q "fold: 2 articles, 0 copies, 1 stories" "$TMP/err"'
$NF fold --evidence "$S/seeds" > "$TMP/e.jsonl" 2>/dev/null
ok "evidence quotes" 'grep -q "\"quote_shingles\": *[1-9]" "$TMP/e.jsonl"'
$NF fold -q --evidence "$S/data/newswcl50.jsonl" > "$TMP/w.jsonl" 2>/dev/null
ok "evidence strings stay valid as the dictionary grows" 'grep "\"id\": *\"0_M\"" "$TMP/w.jsonl" | grep -q "\"entities\": *\[[^]]*\"kim\""'
$NF fold -q "$S/data/newswcl50.jsonl" > "$TMP/a.jsonl" 2>/dev/null
$NF fold -q "$S/data/newswcl50.jsonl" > "$TMP/b.jsonl" 2>/dev/null
ok "deterministic" 'cmp -s "$TMP/a.jsonl" "$TMP/b.jsonl"'
ok "50 lines" '[ $(wc -l < "$TMP/a.jsonl") -eq 50 ]'
$NF eval --seeds "$S/seeds" "$S/data/np4e.jsonl" > "$TMP/ev" 2>/dev/null
ok "eval line" 'grep -q "np4e.jsonl	articles 94	ARI [01]\.[0-9]*" "$TMP/ev"'
ok "seeds mixed ok" 'grep -q "seeds mixed in: ok" "$TMP/ev"'
ok "seeds alone ok" 'grep -q "seeds alone: ok" "$TMP/ev"'
ok "bad option" '! $NF fold --bogus "$S/seeds" 2>/dev/null'
ok "bad number" '! $NF fold --threshold abc "$S/seeds" 2>/dev/null'
# an exact copy (same words, other punctuation) inherits its original's story and names it
T1="Klitschko stopped Rahman in the seventh round in Mannheim on Saturday to keep his heavyweight titles, the referee said after the fight."
T2="An earthquake of magnitude 8.1 struck off Iquique in northern Chile on Tuesday, officials in Santiago said, and tsunami warnings followed."
printf '{"id":"a","text":"%s"}\n{"id":"b","text":"%s"}\n{"id":"c","text":"%s!"}\n' "$T1" "$T2" "$T1" > "$TMP/c.jsonl"
$NF fold "$TMP/c.jsonl" > "$TMP/c.out" 2>"$TMP/c.err"
ok "copy_of names the original" 'grep "\"id\": *\"c\"" "$TMP/c.out" | grep -q "\"copy_of\": *\"a\""'
ok "copy inherits story" 'grep "\"id\": *\"c\"" "$TMP/c.out" | grep -q "\"story\": *\"a\""'
ok "original has null copy_of" 'grep "\"id\": *\"a\"" "$TMP/c.out" | grep -q "\"copy_of\": *null"'
ok "one copy counted" 'grep -q "3 articles, 1 copies, 2 stories" "$TMP/c.err"'
$NF fold --no-dedup "$TMP/c.jsonl" > "$TMP/d.out" 2>/dev/null
ok "--no-dedup" '! grep -q "\"copy_of\": *\"a\"" "$TMP/d.out"'
$NF fold --idf-prior -5 "$S/seeds" > /dev/null 2> "$TMP/w.err"
ok "negative --idf-prior refused (exit 2)" '[ $? -eq 2 ]'
ok "... with a message naming it" 'grep -q -- "--idf-prior needs a number from 0 to 1e30" "$TMP/w.err"'
$NF fold --lede-weight 1e300 "$S/seeds" > /dev/null 2> /dev/null
ok "huge --lede-weight refused" '[ $? -eq 2 ]'
finish fold_basic
