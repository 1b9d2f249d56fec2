// A kcp-go peer for the interop suite (packages/transport/test/kcp-go.go.test.ts), built at test time:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o DIR/kcp-echo-peer kcp-echo-peer.go
//
// With a nil block cipher and no FEC, kcp-go speaks plain ikcp segments on the wire.
//
//	kcp-echo-peer listen MODE            prints "listening PORT", echoes every message back
//	kcp-echo-peer dial ADDR MODE COUNT   sends COUNT messages of 1..4000 bytes, checks the echoes,
//	                                     prints "ok BYTES" and exits 0 (non-zero on any mismatch)
//
// MODE is normal, fast or turbo: ikcp nodelay settings (0,40,0,0), (0,20,2,1), (1,10,2,1).
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/xtaci/kcp-go"
)

func tune(s *kcp.UDPSession, mode string) {
	switch mode {
	case "fast":
		s.SetNoDelay(0, 20, 2, 1)
	case "turbo":
		s.SetNoDelay(1, 10, 2, 1)
	default:
		s.SetNoDelay(0, 40, 0, 0)
	}
	s.SetWindowSize(128, 128)
	s.SetMtu(1400)
}

func pattern(i int) []byte {
	n := 1 + (i*977)%4000
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i + j*7)
	}
	return b
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: kcp-echo-peer listen MODE | dial ADDR MODE COUNT")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "listen":
		l, err := kcp.ListenWithOptions("127.0.0.1:0", nil, 0, 0)
		if err != nil {
			panic(err)
		}
		fmt.Printf("listening %d\n", l.Addr().(*net.UDPAddr).Port)
		go func() { io.Copy(io.Discard, os.Stdin); os.Exit(0) }()
		for {
			s, err := l.AcceptKCP()
			if err != nil {
				panic(err)
			}
			tune(s, os.Args[2])
			go func() {
				buf := make([]byte, 65536)
				for {
					n, err := s.Read(buf)
					if err != nil {
						return
					}
					if _, err := s.Write(buf[:n]); err != nil {
						return
					}
				}
			}()
		}
	case "dial":
		count, _ := strconv.Atoi(os.Args[4])
		s, err := kcp.DialWithOptions(os.Args[2], nil, 0, 0)
		if err != nil {
			panic(err)
		}
		tune(s, os.Args[3])
		s.SetReadDeadline(time.Now().Add(20 * time.Second))
		total := 0
		for i := 0; i < count; i++ {
			want := pattern(i)
			if _, err := s.Write(want); err != nil {
				panic(err)
			}
			got := make([]byte, len(want))
			if _, err := io.ReadFull(s, got); err != nil {
				panic(err)
			}
			if !bytes.Equal(got, want) {
				fmt.Printf("mismatch at message %d\n", i)
				os.Exit(1)
			}
			total += len(want)
		}
		fmt.Printf("ok %d\n", total)
	}
}
