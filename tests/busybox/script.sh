# Busybox applets, pipelines, redirection, command substitution, background jobs
# and file round trips. Run by tests/qemu/busybox.py inside OSCortex through
# tools/osc-run and on the host with the same busybox; the output must equal
# tests/busybox/expected.txt on both.
set -e
cd /tmp
rm -rf bbtest && mkdir -p bbtest/sub/deeper && cd bbtest
echo "== files"
printf 'pear\napple\nfig\napple\n' > fruit.txt
cat fruit.txt | wc -l
cp fruit.txt sub/copy.txt && cmp fruit.txt sub/copy.txt && echo "cp round trip ok"
mv sub/copy.txt sub/deeper/moved.txt && ls sub/deeper
ln -s ../fruit.txt sub/link && cat sub/link | head -n 1
echo appended >> fruit.txt && tail -n 1 fruit.txt
echo "== text"
sort fruit.txt | uniq -c | sed 's/^ *//'
grep -c apple fruit.txt
grep -v apple fruit.txt | tr 'a-z' 'A-Z'
sed -n '2p' fruit.txt
awk '{ n += length($0) } END { print "chars", n }' fruit.txt
echo "a,b,c" | cut -d, -f2
echo "== find and tar"
find . -name '*.txt' | sort
tar -cf ../bb.tar . && mkdir ../untar && tar -xf ../bb.tar -C ../untar
cmp fruit.txt ../untar/fruit.txt && echo "tar round trip ok"
echo "== shell"
x=$(echo hello | tr h j)
echo "substitution: $x"
echo "arith: $((6 * 7))"
for i in 1 2 3; do printf '%s ' "$i"; done; echo
if [ -d sub ] && [ ! -e nothere ]; then echo "tests ok"; fi
( exit 3 ) || echo "subshell status $?"
echo "to stderr" 1>&2 2>/dev/null; echo "stderr redirected" 2>&1 | cat
ls nothere 2>/dev/null || echo "missing file reported"
echo "== jobs"
sleep 1 & bg=$!
echo "background started"
wait $bg && echo "background done"
(echo one; echo two) | while read w; do echo "got $w"; done
seq 1 1000 | tail -n 1
dd if=/dev/zero of=zeros bs=1024 count=64 2>/dev/null && wc -c < zeros
cd /tmp && rm -rf bbtest untar bb.tar
echo "== done"
