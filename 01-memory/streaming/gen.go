package streaming

import "io"

// InputSize is the size of the sales log the lab works on: 256 MiB.
const InputSize = 256 << 20

// Header is the first line of every sales log.
const Header = "order_id,time,region,sku,qty,unit_cents\n"

// Regions are the values of the region column, in sorted order.
var Regions = []string{"ap-east", "ap-south", "eu-central", "eu-west", "sa-east", "us-east", "us-west"}

// Input returns a reader of a generated sales log: Header, then one line
// per order, as many whole lines as fit in size bytes. The same size and
// seed give the same bytes every time. Nothing is stored: each chunk is
// produced when it is read, so a 256 MiB log costs no disk and no memory.
//
//	order_id,time,region,sku,qty,unit_cents
//	o-000000000001,2026-01-01T00:00:00.742Z,eu-west,SKU-04213,3,1999
func Input(size int64, seed uint64) io.Reader {
	return &generator{orders: newOrders(size, seed)}
}

// order is one generated sale, before it is written as text.
type order struct {
	id        int64
	millis    int64 // since 2026-01-01T00:00:00Z
	region    int   // index in Regions
	sku       int
	qty       int
	unitCents int
}

// orders yields the orders of a log of a given size, in order. The tests
// use it to know what the log holds without parsing it.
type orders struct {
	left   int64 // bytes still allowed
	state  uint64
	next   order
	header bool // Header already counted
}

func newOrders(size int64, seed uint64) *orders {
	return &orders{left: size, state: seed}
}

// rand is splitmix64: small, fast and the same everywhere.
func (o *orders) rand() uint64 {
	o.state += 0x9e3779b97f4a7c15
	z := o.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Next returns the next order, or ok == false when its line would not
// fit in what is left of the size.
func (o *orders) Next() (ord order, ok bool) {
	if !o.header && !o.takeHeader() {
		return order{}, false
	}
	r := o.rand()
	n := o.next
	n.id++
	n.millis += int64(r % 1200)
	n.region = int((r >> 11) % uint64(len(Regions)))
	n.sku = int((r >> 17) % 20000)
	n.qty = 1 + int((r>>33)%5)
	n.unitCents = 99 + int((r>>37)%25000)
	if l := int64(lineLen(n)); l <= o.left {
		o.left -= l
		o.next = n
		return n, true
	}
	return order{}, false
}

// takeHeader counts the header line against the size and reports whether
// it fits.
func (o *orders) takeHeader() bool {
	o.header = true
	o.left -= int64(len(Header))
	return o.left >= 0
}

// lineLen is len(appendLine(nil, o)), worked out without writing it.
func lineLen(o order) int {
	return len("o-") + padded(o.id, 12) + 1 +
		len("2026-01-") + padded(1+o.millis/1000/86400, 2) + len("Thh:mm:ss.mmmZ") + 1 +
		len(Regions[o.region]) + len(",SKU-") + padded(int64(o.sku), 5) + 1 +
		padded(int64(o.qty), 1) + 1 + padded(int64(o.unitCents), 1) + 1
}

// padded is how many characters appendPadded writes for v.
func padded(v int64, width int) int {
	n := 1
	for ; v >= 10; v /= 10 {
		n++
	}
	return max(n, width)
}

// appendLine appends the text line of o to dst.
func appendLine(dst []byte, o order) []byte {
	dst = append(dst, "o-"...)
	dst = appendPadded(dst, o.id, 12)
	dst = append(dst, ',')
	dst = appendTime(dst, o.millis)
	dst = append(dst, ',')
	dst = append(dst, Regions[o.region]...)
	dst = append(dst, ",SKU-"...)
	dst = appendPadded(dst, int64(o.sku), 5)
	dst = append(dst, ',')
	dst = appendPadded(dst, int64(o.qty), 1)
	dst = append(dst, ',')
	dst = appendPadded(dst, int64(o.unitCents), 1)
	return append(dst, '\n')
}

// appendTime writes millis since 2026-01-01 as an RFC 3339 time in
// January 2026 (the log covers about two months at most; days past 31
// simply keep counting, which is fine for a test input).
func appendTime(dst []byte, millis int64) []byte {
	s := millis / 1000
	dst = append(dst, "2026-01-"...)
	dst = appendPadded(dst, 1+s/86400, 2)
	dst = append(dst, 'T')
	dst = appendPadded(dst, s/3600%24, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, s/60%60, 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, s%60, 2)
	dst = append(dst, '.')
	dst = appendPadded(dst, millis%1000, 3)
	return append(dst, 'Z')
}

// appendPadded appends the decimal digits of v (v >= 0), with leading
// zeros up to width.
func appendPadded(dst []byte, v int64, width int) []byte {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	for len(b)-i < width {
		i--
		b[i] = '0'
	}
	return append(dst, b[i:]...)
}

// generator is the io.Reader that Input returns.
type generator struct {
	orders *orders
	chunk  []byte // reused for every fill
	buf    []byte // the part of chunk not read yet
	done   bool
}

func (g *generator) Read(p []byte) (int, error) {
	if len(g.buf) == 0 {
		if g.done {
			return 0, io.EOF
		}
		g.fill()
		if len(g.buf) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

// fill generates about 32 KiB of lines into a buffer it reuses.
func (g *generator) fill() {
	const size = 32 << 10
	if g.chunk == nil {
		g.chunk = make([]byte, 0, size+256)
	}
	buf := g.chunk[:0]
	if !g.orders.header {
		if !g.orders.takeHeader() {
			g.done = true
			return
		}
		buf = append(buf, Header...)
	}
	for len(buf) < size {
		o, ok := g.orders.Next()
		if !ok {
			g.done = true
			break
		}
		buf = appendLine(buf, o)
	}
	g.chunk = buf
	g.buf = buf
}
