// A closed-loop load generator for catalogd's framing that shares no code with ours (issue 27:
// "the framing, under a generator that is not ours"). Go's standard library only: crypto/tls with
// ALPN catalog-rpc/1, --connections connections each keeping --in-flight GetProduct calls
// outstanding; every read is cut into frames by their length prefixes and, for each answer, the
// next request goes out, all of one read's requests in one write, the method name in each. With
// GOMAXPROCS=1 (the default here) it runs on one thread. Prints one line of JSON: calls per
// second and, with --server-pid, the server's CPU per call from /proc.
//
//	GO111MODULE=off go build -o framing-go-generator ./Benchmarks/framing-go-generator
//	framing-go-generator --target 127.0.0.1:7701 --ca cert.pem --sku SKU [--duration 8] [--read-buffer 65536]
package main

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

func varint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// request is one framed catalog.v1.Request for GetProduct of sku with this call id.
func request(b []byte, callID uint64, sku string) []byte {
	method := "catalog.v1.ProductService/GetProduct"
	payload := append([]byte{0x0a, byte(len(sku))}, sku...)
	body := varint([]byte{0x08}, callID)
	body = append(body, 0x12, byte(len(method)))
	body = append(body, method...)
	body = append(body, 0x2a, byte(len(payload)))
	body = append(body, payload...)
	var length [4]byte
	binary.BigEndian.PutUint32(length[:], uint32(len(body)))
	b = append(b, length[:]...)
	return append(b, body...)
}

func cpuTicks(pid int) int64 {
	data, err := ioutil.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	user, _ := strconv.ParseInt(fields[11], 10, 64)
	system, _ := strconv.ParseInt(fields[12], 10, 64)
	return user + system
}

func main() {
	target := flag.String("target", "127.0.0.1:7701", "HOST:PORT of the framing listener")
	caPath := flag.String("ca", "", "CA certificate (PEM)")
	sku := flag.String("sku", "", "the product to read")
	connections := flag.Int("connections", 16, "connections")
	inFlight := flag.Int("in-flight", 32, "calls outstanding per connection")
	warmup := flag.Duration("warmup", 2*time.Second, "warm-up")
	duration := flag.Duration("duration", 8*time.Second, "measured time")
	readBuffer := flag.Int("read-buffer", 65536, "bytes asked of each read")
	serverPID := flag.Int("server-pid", 0, "the server's pid, for its CPU per call")
	flag.Parse()
	if runtime.GOMAXPROCS(0) != 1 && os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
	pem, err := ioutil.ReadFile(*caPath)
	if err != nil {
		log.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	config := &tls.Config{RootCAs: roots, NextProtos: []string{"catalog-rpc/1"}, ServerName: "localhost"}
	var answered int64
	for i := 0; i < *connections; i++ {
		conn, err := tls.Dial("tcp", *target, config)
		if err != nil {
			log.Fatal(err)
		}
		go func() {
			var callID uint64
			out := make([]byte, 0, 1<<16)
			for j := 0; j < *inFlight; j++ {
				callID++
				out = request(out, callID, *sku)
			}
			if _, err := conn.Write(out); err != nil {
				log.Fatal(err)
			}
			buf := make([]byte, *readBuffer)
			pending := 0
			for {
				n, err := conn.Read(buf[pending:])
				if err != nil {
					log.Fatal(err)
				}
				n += pending
				offset, frames := 0, 0
				for n-offset >= 4 {
					length := int(binary.BigEndian.Uint32(buf[offset:]))
					if n-offset < 4+length {
						break
					}
					offset += 4 + length
					frames++
				}
				pending = copy(buf, buf[offset:n])
				atomic.AddInt64(&answered, int64(frames))
				out = out[:0]
				for j := 0; j < frames; j++ {
					callID++
					out = request(out, callID, *sku)
				}
				if frames > 0 {
					if _, err := conn.Write(out); err != nil {
						log.Fatal(err)
					}
				}
			}
		}()
	}
	time.Sleep(*warmup)
	startCalls, startTicks, start := atomic.LoadInt64(&answered), cpuTicks(*serverPID), time.Now()
	time.Sleep(*duration)
	calls, ticks, seconds := atomic.LoadInt64(&answered)-startCalls, cpuTicks(*serverPID)-startTicks, time.Since(start).Seconds()
	perCall := 0.0
	if *serverPID != 0 && calls > 0 {
		perCall = float64(ticks) * 1e4 / float64(calls) // 100 ticks a second: µs per call
	}
	fmt.Printf("{\"calls_per_second\": %.0f, \"server_cpu_us_per_call\": %.3f}\n", float64(calls)/seconds, perCall)
}
