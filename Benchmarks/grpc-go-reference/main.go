// The reference a Go shop would deploy instead of catalogd's gRPC listener: a plain grpc-go
// server (Debian's golang-google-grpc-dev, default options, TLS) whose
// catalog.v1.ProductService/GetProduct answers the same serialized Product to every call. It
// takes that answer from catalogd itself at start (one GetProduct of --sku), so both servers
// send the same bytes. Built and run by scripts/bench-grpc:
//
//	GO111MODULE=off GOPATH=$dir:/usr/share/gocode go build -o grpc-go-reference ./Benchmarks/grpc-go-reference
//	grpc-go-reference --listen 127.0.0.1:7714 --tls-cert cert.pem --tls-key key.pem \
//	    --answer-from 127.0.0.1:7712 --sku SKU
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// rawCodec passes messages through as bytes: the answer is already serialized, as catalogd's
// cache holds it, and the request is read but not decoded.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// String is the name the older grpc.Codec interface (grpc.CustomCodec) asks for.
func (rawCodec) String() string { return "proto" }

const method = "/catalog.v1.ProductService/GetProduct"

// fetchAnswer asks catalogd's gRPC listener for the product once.
func fetchAnswer(address, sku string) []byte {
	connection, err := grpc.Dial(address,
		grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{InsecureSkipVerify: true})),
		grpc.WithDefaultCallOptions(grpc.ForceCodec(rawCodec{})))
	if err != nil {
		log.Fatalf("--answer-from %s: %v", address, err)
	}
	defer connection.Close()
	// GetProductRequest { sku = 1 }
	request := append([]byte{0x0a, byte(len(sku))}, sku...)
	var answer []byte
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := connection.Invoke(ctx, method, &request, &answer); err != nil {
		log.Fatalf("--answer-from %s: GetProduct %s: %v", address, sku, err)
	}
	return answer
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address to serve")
	certificate := flag.String("tls-cert", "", "PEM certificate chain")
	key := flag.String("tls-key", "", "PEM private key")
	answerFrom := flag.String("answer-from", "", "catalogd's gRPC listener, HOST:PORT")
	sku := flag.String("sku", "", "the product whose answer to serve")
	flag.Parse()

	answer := fetchAnswer(*answerFrom, *sku)
	creds, err := credentials.NewServerTLSFromFile(*certificate, *key)
	if err != nil {
		log.Fatalf("--tls-cert/--tls-key: %v", err)
	}
	server := grpc.NewServer(grpc.Creds(creds), grpc.CustomCodec(rawCodec{}))
	server.RegisterService(&grpc.ServiceDesc{
		ServiceName: "catalog.v1.ProductService",
		HandlerType: (*interface{})(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "GetProduct",
			Handler: func(_ interface{}, _ context.Context, decode func(interface{}) error,
				_ grpc.UnaryServerInterceptor) (interface{}, error) {
				var request []byte
				if err := decode(&request); err != nil {
					return nil, err
				}
				return &answer, nil
			},
		}},
	}, struct{}{})
	listener, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("--listen %s: %v", *listen, err)
	}
	fmt.Printf("listening on %s, answering %d bytes\n", listener.Addr(), len(answer))
	log.Fatal(server.Serve(listener))
}
