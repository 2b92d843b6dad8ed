// Command heapdump writes a full heap dump with debug.WriteHeapDump: every
// live object with its contents and the offsets of its pointers, the
// goroutine stacks, the globals, the finalizers and the memory statistics. It keeps
// 100,000 small objects alive, writes /tmp/heapdump.bin and prints its size
// and the format line the file starts with.
//
//	go run ./01-memory/examples/heapdump
package main

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/debug"
)

type node struct {
	next *node
	data [48]byte
}

func main() {
	var head *node
	for range 100_000 {
		head = &node{next: head}
	}
	const path = "/tmp/heapdump.bin"
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	debug.WriteHeapDump(f.Fd()) // stops the world while it writes
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	runtime.KeepAlive(head)

	st, err := os.Stat(path)
	if err != nil {
		log.Fatal(err)
	}
	r, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	first, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %.1f MiB for 100,000 live objects of 64 bytes (%.1f MiB); it starts %q\n",
		path, float64(st.Size())/(1<<20), 100_000*64.0/(1<<20), first)
}
